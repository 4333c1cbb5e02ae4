"""A small grammar of deprecation announcements, and the records each must give.

The reader of announcements is specified by this grammar, not by pages: a new phrasing is one
more line here, never a rule that names a page. An announcement is composed of

    announcement := subject-list predicate date [replacement]            (one clause)
                  | subject-sentence anaphor predicate date [replacement] (two sentences)
                  | lead-in date ":" list-of-subjects                     (a list under a lead)
                  | intro-with-date table-of-subjects                     (scope reaching down)
    subject-list := ID | ID "and" ID | ID "," ID "and" ID | "both" ID "and" ID "models"
                  | ID "、" ID "和" ID (Chinese)
    predicate    := a future shutdown phrase (PREDICATES: verbs, "will not remain functional
                    past", "requests will start to fail on", "will stop responding on", ...)
                  | a floor phrase (EARLIEST: "no earlier than", "not before") -> earliest
    date         := DATE_FORMS (month-name, day-first, ISO, abbreviated, ordinal, dd-Mon-yyyy)
    replacement  := REPLACEMENTS ("Migrate to R.", "Use R instead.", "in favour of R", ...)
    layout       := LAYOUTS: Markdown prose, HTML paragraph, an RSS item, an MDX page,
                    a Markdown list, a Markdown table, an HTML table

and a negative grammar (ACTIVE_STATEMENTS) whose sentences must give no record at all. Each
generated case carries the exact records it must give: model -> (shutdown date, kind,
replacements). `tests/test_grammar_suite.py` draws cases with Hypothesis (seeded, bounded).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field

PROVIDER = "acme"

# Model IDs in the shapes providers use (dotted versions, dates, slashes, '@' versions).
IDS = (
    "orca-chat-2",
    "orca-chat-3.5",
    "heron-code-1",
    "heron-embed-v2",
    "kestrel-7b-instruct",
    "lark-2024-05-13",
    "wren-vision-1.2",
    "finch-tts-1-hd",
)
REPLACEMENT_IDS = ("orca-chat-4", "heron-code-2", "kestrel-13b-instruct")

# (template, kind): "{date}" is filled by one of DATE_FORMS.
PREDICATES = (
    ("will be deprecated on {date}", "firm"),
    ("will be retired on {date}", "firm"),
    ("will be shut down on {date}", "firm"),
    ("will be discontinued on {date}", "firm"),
    ("will be removed from the API on {date}", "firm"),
    ("will no longer be available after {date}", "firm"),
    ("will not remain functional past {date}", "firm"),
    ("will stop responding on {date}", "firm"),
    ("will be decommissioned on {date}", "firm"),
    ("{be} scheduled for retirement on {date}", "firm"),
    ("will reach end of life on {date}", "firm"),
    ("will be sunset on {date}", "firm"),
    ("will go away on {date}", "firm"),
    ("will be unavailable from {date}", "firm"),
    ("will be phased out on {date}", "firm"),
    ("will return HTTP 404 after {date}", "firm"),
    ("will stay available until {date}", "firm"),
    ("will keep working until {date}", "firm"),
    ("will stop accepting requests on {date}", "firm"),
    ("will no longer accept requests after {date}", "firm"),
    ("will continue to run until {date}", "firm"),
    ("will be retired no earlier than {date}", "earliest"),
    ("will be shut down not before {date}", "earliest"),
)
# Sentences that name the model as an object or complement, not as the subject.
OBJECT_FORMS = (
    ("The last day to use {subjects} is {date}.", "firm"),
    ("Support for {subjects} ends on {date}.", "firm"),
    ("We will turn off {subjects} on {date}.", "firm"),
    ("On {date} we will stop serving {subjects}.", "firm"),
    ("The shutdown of {subjects} moved from {other} to {date}.", "firm"),
    ("We will drop support for {subjects} on {date}.", "firm"),
    ("After {date} you will no longer be able to call {subjects}.", "firm"),
    ("To avoid service interruption, migrate from {subjects} before {date}.", "firm"),
    ("Please move off {subjects} by {date}.", "firm"),
    ("On {date} we'll retire the following models: {subjects}.", "firm"),
    ("The company said it would stop serving {subjects} to API customers on {date}.", "firm"),
    ("The retirement of {subjects} has been postponed from {other} to {date}.", "firm"),
    ("{subjects} will be retired on {date} (previously announced as {other}).", "firm"),
    ("Users of {subjects} have until {date} to switch to a newer model.", "firm"),
    ("As announced in September, {subjects} goes offline on {date}.", "firm"),
)
# A second sentence that dates the first one's subjects without naming them.
DATE_STATEMENTS = (
    "The retirement date is {date}.",
    "Shutdown date: {date}.",
    "The planned end-of-life date is {date}.",
    "Last day: {date}.",
    "The retirement takes effect on {date}.",
    "The shutdown is scheduled for {date}.",
    "Shutdown: {date}.",
    "EOL: {date}.",
)

# Sentences whose subject is a request, not the model: "Requests to X will start to fail on D".
REQUEST_PREDICATES = (
    ("Requests to {subjects} will start to fail on {date}.", "firm"),
    ("Calls to {subjects} will return an error after {date}.", "firm"),
    ("API calls to {subjects} will fail starting {date}.", "firm"),
    ("Starting {date}, calls to {subjects} will return 404 Not Found.", "firm"),
)

# Requests served by another model from a date on: the model's shutdown, the target its
# replacement. A shutdown the passage also states wins over the redirect's date.
REDIRECTS = (
    "Requests to {subjects} will be redirected to `{r}` after {date}.",
    "{subjects} will be automatically routed to `{r}` starting {date}.",
    "Starting {date}, calls to {subjects} will be forwarded to `{r}`.",
)
REDIRECTS_THEN_SHUTDOWN = (
    "{subjects} will be redirected to `{r}` on {other} and taken offline on {date}.",
    "{subjects} will be automatically routed to `{r}` on {other}. {anaphor} will be shut "
    "down on {date}.",
)

DATE_FORMS = (
    ("{month} {day}, {year}", lambda d: d.strftime("%B ") + f"{d.day}, {d.year}"),
    ("{day} {month} {year}", lambda d: f"{d.day} " + d.strftime("%B %Y")),
    ("ISO", lambda d: d.isoformat()),
    ("{mon}. {day}, {year}", lambda d: d.strftime("%b. ") + f"{d.day}, {d.year}"),
    ("ordinal", lambda d: d.strftime("%B ") + f"{d.day}{_ordinal(d.day)}, {d.year}"),
    ("{dd}-{mon}-{year}", lambda d: f"{d.day:02d}-" + d.strftime("%b-%Y")),
)

DATES = (dt.date(2027, 3, 3), dt.date(2027, 7, 31), dt.date(2028, 1, 15), dt.date(2027, 11, 2))

# (sentence template, how the replacement attaches): "{r}" is a replacement ID.
REPLACEMENTS = (
    ("", False),
    (" Please migrate to `{r}`.", True),
    (" Use `{r}` instead.", True),
    (" We recommend switching to `{r}`.", True),
    (" Customers should move to `{r}` before then.", True),
)

# A day and month without a year ("on 15th July"): an entry's date (its heading, or the
# page's address) supplies the year.
YEAR_LESS_FORMS = (
    ("{day}{ord} {month}", lambda d: f"{d.day}{_ordinal(d.day)} " + d.strftime("%B")),
    ("{day} {month}", lambda d: f"{d.day} " + d.strftime("%B")),
    ("{month} {day}", lambda d: d.strftime("%B ") + str(d.day)),
    ("{month} {day}{ord}", lambda d: d.strftime("%B ") + f"{d.day}{_ordinal(d.day)}"),
)

# A status cell that carries its own date: (template, the date is the shutdown).
STATUS_CELLS = (
    ("Retired {date}", True),
    ("Removed on {date}", True),
    ("Shut down {date}", True),
    ("EOL {date}", True),
    ("Discontinued since {date}", True),
    ("Deprecated {date}", False),  # when the deprecation was announced, not the shutdown
)

# A notes cell of a table with a status column: (template, the date is the row's shutdown).
# The notes are prose about the row's model; "{r}" is its replacement.
NOTES_CELLS = (
    ("Retiring on {date}; use `{r}`.", True),
    ("Will be shut down on {date}. Migrate to `{r}`.", True),
    ("Scheduled for retirement no earlier than {date}; switch to `{r}`.", True),
    ("Superseded; please use `{r}`.", False),
)

# A removal in the present perfect, anchored to the entry's own date by "now"/"today":
# (sentences, the entry date is the shutdown). Without the anchor nothing is dated.
REMOVALS_IN_AN_ENTRY = (
    ("We've retired {subjects}. All requests to {anaphor} will now return an error.", True),
    ("{subjects} {have} been removed from the API and calls now fail.", True),
    ("{subjects} {have} been shut down effective immediately.", True),
    ("As of today, {subjects} {have} been decommissioned.", True),
    ("As of today, {subjects} {are} no longer available.", True),
    ("We have shut down {subjects}.", True),
    ("{subjects} {are} no longer available.", False),
    ("{subjects} {have} been discontinued.", False),
)

# A sentence that deprecates `{a}` and names what replaces it after a semicolon or in a
# clause of its own: `{b}` is the replacement, never a deprecated model.
SUCCESSOR_CLAUSES = (
    "`{a}` is deprecated; `{b}` is its successor.",
    "`{a}` will be retired on {date}; `{b}` replaces it.",
    "`{a}` will be retired on {date}, and `{b}` will replace it.",
    "`{a}` will be retired on {date}, with `{b}` as its replacement.",
)

# Chinese release notes: a year-less day the entry's date completes, "请使用" naming the
# replacement, a Latin name without a digit that the text calls 模型, and list items whose
# details follow in full-width parentheses. (template, the names given are plain words)
ZH_ENTRY_FORMS = (
    ("模型 `{a}` 于 {month} 月 {day} 日停止服务，请使用 `{r}`。", False),
    ("{a} 模型将于 {month}月{day}日 下线，请使用 {r}。", True),
    ("以下模型即将下线：\n\n- {a}（下线时间：{iso}，请使用 {r}）", True),
)
PLAIN_NAMES = ("kestrel-lite", "heron-turbo", "orca-flash-pro")

ANAPHORS = ("It", "This model")
PLURAL_ANAPHORS = ("They", "These models")

LAYOUTS = ("markdown", "html", "rss", "mdx")

# Sentences that name models and announce nothing: none of them may give a record.
ACTIVE_STATEMENTS = (
    "`{a}` is now generally available.",
    "We are excited to launch `{a}`, our fastest model yet.",
    "`{a}` and `{b}` remain available and are not affected by this change.",
    "The following models are available through the Model Garden: `{a}`, `{b}`.",
    "`{a}` is the recommended model for new projects.",
    "Starting {date}, `{a}` supports function calling.",
    "`{a}` will be available in two more regions from {date}.",
    "We have not scheduled a retirement date for `{a}`.",
    "`{a}` replaces `{b}` as the default model.",
    "`{a}` will return a 400 error if the prompt exceeds its context window.",
    "`{a}` and `{b}` remain available until further notice.",
    "Customers can migrate from `{a}` to `{b}` at their convenience.",
    "With `{a}` you can now reference images via URL instead of having to base64-encode them.",
    "If you are migrating from `{a}`, note the following API changes:\n\n"
    "- `{b}` returns reasoning in a new field",
    "The `logprobs` parameter is deprecated for `{a}` and will be removed on {date}. The model "
    "itself is not affected.",
    "JSON mode will be removed from `{a}` on {date}.",
    "Promotional pricing for `{a}` is available until {date}.",
    "None of the following has a deprecation date: `{a}` and `{b}`.",
    "`{a}` and `{b}` have no retirement date yet.",
    "There are no current plans to retire it, and `{a}` remains our flagship.",
    "Both tools now work with any `{a}` model, so it is time to retire the previews.",
    "Remove the deprecated truncate option, which `{a}` does not accept.",
    "Streaming mode for `{a}` will be retired on {date}.",
    "We've removed the rate limit on `{a}`.",
    "We have shut down the beta waitlist for `{a}`; it is now generally available.",
    "`{a}` will stop accepting requests that use the old `X-Key` header on {date}.",
    "我们将停止对 `{a}` 的 function calling 支持，自 {date} 起生效。",
    "我们将于 {date} 停止对 `{a}` 的微调支持。",
)


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


@dataclass(frozen=True)
class Expected:
    date: str | None
    kind: str
    replacements: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    """One generated announcement: its text, how to read it, and what it must give."""

    text: str
    fmt: str
    records: dict[str, Expected] = field(default_factory=dict)
    name: str = ""


def subject_list(ids: tuple[str, ...], form: str) -> tuple[str, bool]:
    """(text, plural) of a subject list in one of the coordination forms."""
    code = [f"`{m}`" for m in ids]
    if len(ids) == 1:
        return (f"The {code[0]} model" if form == "the-model" else code[0]), False
    if form == "both" and len(ids) == 2:
        return f"Both {code[0]} and {code[1]} models", True
    if form == "the-models":
        return f"The {', '.join(code[:-1])} and {code[-1]} models", True
    if form == "oxford" and len(ids) > 2:
        return f"{', '.join(code[:-1])}, and {code[-1]}", True
    if form == "zh":
        return "、".join(code[:-1]) + f" 和 {code[-1]}", True
    return f"{', '.join(code[:-1])} and {code[-1]}", True


def predicate_text(
    predicate: tuple[str, str], date: dt.date, date_form: tuple, plural: bool = True
) -> tuple[str, str]:
    """(the predicate as printed, its kind): a PREDICATES line with its date and verb filled."""
    template, kind = predicate
    return template.format(date=date_form[1](date), be="are" if plural else "is"), kind


def wrap(body_markdown: str, fmt: str, title: str = "Model updates") -> str:
    """The announcement laid out in one document format."""
    if fmt == "markdown":
        return f"# {title}\n\n{body_markdown}\n"
    if fmt == "mdx":
        return (
            f"---\ntitle: {title}\n---\n\nimport {{ Note }} from '~/components'\n\n"
            f"<Note>\n{body_markdown}\n</Note>\n"
        )
    paragraphs = [p for p in body_markdown.split("\n\n") if p.strip()]
    html_body = "".join(_block_html(p) for p in paragraphs)
    if fmt == "html":
        return (
            f"<html><head><title>{title}</title></head><body><main><h1>{title}</h1>"
            f"{html_body}</main></body></html>"
        )
    if fmt == "rss":
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Acme changelog</title>'
            "<link>https://acme.example/changelog</link><description>x</description>"
            f"<item><title>{title}</title><link>https://acme.example/changelog/1</link>"
            "<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate>"
            f"<description>{html.escape(html_body)}</description></item></channel></rss>"
        )
    raise ValueError(fmt)


def _block_html(paragraph: str) -> str:
    lines = paragraph.splitlines()
    if all(line.startswith("- ") for line in lines):
        return "<ul>" + "".join(f"<li>{_inline_html(line[2:])}</li>" for line in lines) + "</ul>"
    return f"<p>{_inline_html(paragraph)}</p>"


def _inline_html(text: str) -> str:
    out, code = [], False
    for i, part in enumerate(text.split("`")):
        if i:
            code = not code
        out.append(f"<code>{html.escape(part)}</code>" if code else html.escape(part))
    return "".join(out)


def parse_format(fmt: str) -> str:
    return {"mdx": "markdown", "rss": "rss"}.get(fmt, fmt)
