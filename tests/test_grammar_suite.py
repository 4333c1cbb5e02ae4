"""The generated grammar suite: announcements composed from `tests/announcement_grammar.py`.

Each test draws announcements (subjects x predicates x dates x replacements x layouts) with
Hypothesis, seeded and bounded, extracts them and compares the records exactly with what the
grammar says they must give. A phrasing the reader gets wrong is a grammar line here first.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract import extract_document
from tests.announcement_grammar import (
    ACTIVE_STATEMENTS,
    ANAPHORS,
    DATE_FORMS,
    DATE_STATEMENTS,
    DATES,
    IDS,
    LAYOUTS,
    NOTES_CELLS,
    OBJECT_FORMS,
    PLAIN_NAMES,
    PLURAL_ANAPHORS,
    PREDICATES,
    PROVIDER,
    REDIRECTS,
    REDIRECTS_THEN_SHUTDOWN,
    REMOVALS_IN_AN_ENTRY,
    REPLACEMENT_IDS,
    REPLACEMENTS,
    REQUEST_PREDICATES,
    STATUS_CELLS,
    SUCCESSOR_CLAUSES,
    YEAR_LESS_FORMS,
    ZH_ENTRY_FORMS,
    Case,
    Expected,
    parse_format,
    predicate_text,
    subject_list,
    wrap,
)

TODAY = dt.date(2026, 11, 1)
SUITE = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

subjects = st.lists(st.sampled_from(IDS), min_size=1, max_size=3, unique=True).map(tuple)
forms = st.sampled_from(("plain", "the-models", "both", "oxford", "zh", "the-model"))
dates = st.sampled_from(DATES)
date_forms = st.sampled_from(DATE_FORMS)
layouts = st.sampled_from(LAYOUTS)
replacements = st.sampled_from(REPLACEMENTS)
replacement_ids = st.sampled_from(REPLACEMENT_IDS)


def shutdown_dates(
    page: str, layout: str, *, provider: str = PROVIDER, url: str | None = None
) -> dict[str, str | None]:
    """Model -> shutdown date of what `page` (in `layout`) gives."""
    out = extract_document(
        page.encode(), fmt=parse_format(layout), provider=provider, url=url, today=TODAY
    )
    return {r.model: r.shutdown_date for r in out.records if r.kind == "model"}


def run(case: Case) -> dict[str, Expected]:
    out = extract_document(
        case.text.encode(), fmt=parse_format(case.fmt), provider=PROVIDER, today=TODAY
    )
    return {
        r.model: Expected(r.shutdown_date, r.shutdown_kind, tuple(r.replacements))
        for r in out.records
        if r.kind == "model"
    }


def expect(ids, date, kind, rep_id=None) -> dict[str, Expected]:
    reps = (rep_id,) if rep_id else ()
    return {m: Expected(date.isoformat() if date else None, kind, reps) for m in ids}


def check(case: Case) -> None:
    got = run(case)
    assert got == case.records, f"\n{case.text}\n got {got}\nwant {case.records}"


@SUITE
@given(
    subjects,
    forms,
    st.sampled_from(PREDICATES),
    dates,
    date_forms,
    replacements,
    replacement_ids,
    layouts,
)
def test_one_clause(ids, form, predicate, date, date_form, replacement, rep_id, layout):
    """subject-list predicate date [replacement]: every subject gets the date."""
    if form == "the-model" and len(ids) > 1:
        form = "plain"
    subject, plural = subject_list(ids, form)
    verb, kind = predicate_text(predicate, date, date_form, plural)
    rep_text, attaches = replacement
    text = f"{subject} {verb}.{rep_text.format(r=rep_id)}"
    check(Case(wrap(text, layout), layout, expect(ids, date, kind, rep_id if attaches else None)))


@SUITE
@given(
    subjects,
    st.sampled_from(PREDICATES),
    dates,
    date_forms,
    replacements,
    replacement_ids,
    layouts,
    st.integers(0, 1),
)
def test_anaphora(ids, predicate, date, date_form, replacement, rep_id, layout, which):
    """A subject named in one sentence, its date in the next through It / They / These models."""
    subject, plural = subject_list(ids, "plain")
    anaphor = (PLURAL_ANAPHORS if plural else ANAPHORS)[which]
    verb, kind = predicate_text(predicate, date, date_form, plural)
    rep_text, attaches = replacement
    text = f"We are retiring {subject}. {anaphor} {verb}.{rep_text.format(r=rep_id)}"
    check(Case(wrap(text, layout), layout, expect(ids, date, kind, rep_id if attaches else None)))


@SUITE
@given(subjects, st.sampled_from(REQUEST_PREDICATES), dates, date_forms, layouts)
def test_requests_fail(ids, predicate, date, date_form, layout):
    """'Requests to X will start to fail on D': the requests' model is the subject."""
    subject, _ = subject_list(ids, "plain")
    template, kind = predicate
    text = template.format(subjects=subject, date=date_form[1](date))
    check(Case(wrap(text, layout), layout, expect(ids, date, kind)))


@SUITE
@given(subjects, st.sampled_from(REDIRECTS), replacement_ids, dates, date_forms, layouts)
def test_redirected(ids, template, rep_id, date, date_form, layout):
    """'Requests to X will be redirected to Y after D': X ends on D, Y replaces it."""
    subject, _ = subject_list(ids, "plain")
    text = template.format(subjects=subject, r=rep_id, date=date_form[1](date))
    check(Case(wrap(text, layout), layout, expect(ids, date, "firm", rep_id)))


@SUITE
@given(subjects, st.sampled_from(REDIRECTS_THEN_SHUTDOWN), replacement_ids, dates, dates, layouts)
def test_redirected_then_shut_down(ids, template, rep_id, other, date, layout):
    """A redirect on one date and a shutdown on a later one: the shutdown's date."""
    if other >= date:
        return
    subject, _ = subject_list(ids, "plain")
    anaphor = "They" if len(ids) > 1 else "It"
    text = template.format(
        subjects=subject, r=rep_id, other=other.isoformat(), date=date.isoformat(), anaphor=anaphor
    )
    check(Case(wrap(text, layout), layout, expect(ids, date, "firm", rep_id)))


@SUITE
@given(subjects, dates, dates, date_forms, layouts)
def test_postponed(ids, old, new, date_form, layout):
    """A shutdown postponed to a new date: the new date, never the old one."""
    if old == new:
        return
    subject, _ = subject_list(ids, "plain")
    text = (
        f"The shutdown of {subject}, previously planned for {date_form[1](old)}, "
        f"has been postponed to {date_form[1](new)}."
    )
    check(Case(wrap(text, layout), layout, expect(ids, new, "firm")))


@SUITE
@given(subjects, st.sampled_from(PREDICATES), dates, date_forms, st.sampled_from(("md", "html")))
def test_list_under_lead(ids, predicate, date, date_form, layout):
    """lead-in with the date ':' then a list of subjects."""
    verb, kind = predicate_text(predicate, date, date_form)
    if layout == "md":
        body = f"The following models {verb}:\n\n" + "\n".join(f"- `{m}`" for m in ids)
        case = Case(wrap(body, "markdown"), "markdown", expect(ids, date, kind))
    else:
        items = "".join(f"<li><code>{m}</code></li>" for m in ids)
        page = f"<html><body><h1>Notice</h1><p>The following models {verb}:</p><ul>{items}</ul>"
        case = Case(page + "</body></html>", "html", expect(ids, date, kind))
    check(case)


@SUITE
@given(
    subjects,
    dates,
    date_forms,
    replacement_ids,
    st.sampled_from(("md", "html")),
    st.sampled_from(
        (
            "Effective {date}, all models listed below will be removed.",
            "On {date}, the following models will be retired.",
            "The models in the table below will be shut down on {date}.",
        )
    ),
)
def test_intro_date_reaches_table(ids, date, date_form, rep_id, layout, intro):
    """A date in the intro paragraph governs the undated rows of the table beneath it."""
    lead = intro.format(date=date_form[1](date))
    if layout == "md":
        rows = "\n".join(f"| `{m}` | `{rep_id}` |" for m in ids)
        body = f"{lead}\n\n| Model | Replacement |\n|---|---|\n{rows}"
        case = Case(wrap(body, "markdown"), "markdown", expect(ids, date, "firm", rep_id))
    else:
        rows = "".join(f"<tr><td>{m}</td><td>{rep_id}</td></tr>" for m in ids)
        page = (
            f"<html><body><h1>Legacy models</h1><p>{lead}</p><table><tr><th>Model</th>"
            f"<th>Replacement</th></tr>{rows}</table></body></html>"
        )
        case = Case(page, "html", expect(ids, date, "firm", rep_id))
    check(case)


@SUITE
@given(
    subjects,
    replacement_ids,
    st.sampled_from(("Deprecated alias", "Old name")),
    st.sampled_from(("Use instead", "Replacement", "Migrate to")),
)
def test_alias_table(ids, rep_id, old_header, new_header):
    """'Deprecated alias | Use instead': the left column is deprecated, undated."""
    rows = "\n".join(f"| `{m}` | `{rep_id}` |" for m in ids)
    body = f"## Deprecated aliases\n\n| {old_header} | {new_header} |\n|---|---|\n{rows}"
    check(Case(wrap(body, "markdown"), "markdown", expect(ids, None, "none", rep_id)))


@pytest.mark.parametrize("statement", ACTIVE_STATEMENTS)
@settings(SUITE, max_examples=12)
@given(st.sampled_from(IDS), st.sampled_from(IDS), dates, layouts)
def test_active_statements_give_nothing(statement, a, b, date, layout):
    """The negative grammar: launches, availability, support news name models and retire none."""
    if a == b:
        return
    text = statement.format(a=a, b=b, date=date.strftime("%B %d, %Y"))
    check(Case(wrap(text, layout), layout, {}))


@SUITE
@given(
    st.sampled_from(ZH_ENTRY_FORMS),
    st.sampled_from(IDS),
    st.sampled_from(PLAIN_NAMES),
    replacement_ids,
    dates,
    st.sampled_from(("markdown", "rss")),
)
def test_chinese_release_note_entries(form, model_id, plain_name, rep_id, date, layout):
    """Chinese release notes: '于 9 月 30 日停止服务' takes the entry's year; '请使用 Y'
    names the replacement (never a second retired model); 'x-lite 模型' is a model."""
    template, plain = form
    model = plain_name if plain else model_id
    entry = dt.date(date.year, 1, 1) if layout == "markdown" else dt.date(2026, 11, 2)
    if not entry < date < entry + dt.timedelta(days=365):
        return  # a year-less day is read within the year after its entry
    text = template.format(a=model, r=rep_id, month=date.month, day=date.day, iso=date)
    page = (
        wrap(f"## {entry.isoformat()}\n\n{text}", "markdown", title="更新日志")
        if layout == "markdown"
        else wrap(text, "rss", title="模型下线")
    )
    check(Case(page, layout, expect((model,), date, "firm", rep_id)))


@SUITE
@given(st.sampled_from(IDS), st.sampled_from(("latest", "new", "legacy")), dates, layouts)
def test_words_inside_an_id_are_not_cues(model, word, date, layout):
    """'`x` (and its alias `x-latest`) will be retired on D': "latest" is part of a name, not
    an active cue, so `x` is retired (it was read as the replacement of `x-latest`)."""
    text = f"`{model}` (and its alias `{model}-{word}`) will be retired on {date.isoformat()}."
    both = expect((model, f"{model}-{word}"), date, "firm")
    check(Case(wrap(text, layout), layout, both))


@SUITE
@given(st.sampled_from(SUCCESSOR_CLAUSES), st.sampled_from(IDS), replacement_ids, dates, layouts)
def test_successor_is_not_deprecated(template, a, b, date, layout):
    """'`a` is deprecated; `b` is its successor': `b` replaces `a`, it is not retired."""
    text = template.format(a=a, b=b, date=date.strftime("%B %d, %Y"))
    dated = date if "{date}" in template else None
    check(Case(wrap(text, layout), layout, expect((a,), dated, "firm" if dated else "none", b)))


@SUITE
@given(subjects, replacement_ids, dates, dates, layouts)
def test_replacement_stays_in_its_paragraph(ids, rep_id, first, second, layout):
    """A replacement named in one paragraph of an entry replaces that paragraph's models
    only, not the undated-replacement models of the paragraph before it."""
    other = "pippit-2"
    text = (
        f"{subject_list(ids, 'plain')[0]} will be retired on {first.isoformat()}.\n\n"
        f"`{other}` will be retired on {second.isoformat()}. Please migrate to `{rep_id}`."
    )
    want = expect(ids, first, "firm") | expect((other,), second, "firm", rep_id)
    check(Case(wrap(text, layout), layout, want))


@SUITE
@given(
    st.sampled_from(IDS),
    dates,
    date_forms,
    st.sampled_from(
        (
            "Fine-tuning for `{m}` will be retired on {date}.",
            "Support for `{m}` in the Batch API will end on {date}.",
        )
    ),
)
def test_feature_is_not_the_model(model, date, date_form, template):
    """A feature of a model going away is never the model's shutdown."""
    text = template.format(m=model, date=date_form[1](date))
    check(Case(wrap(text, "markdown"), "markdown", {}))


@SUITE
@given(
    subjects,
    st.sampled_from(("shut down", "discontinue", "retire", "turn off")),
    st.sampled_from(("rss", "markdown")),
    st.sampled_from(("colon", "list")),
)
def test_stated_date_reaches_list(ids, verb, layout, shape):
    """A section states one year-less shutdown day without naming a model; the list under its
    lead takes it, the year from the entry's own date (feed entry, front matter)."""
    statement = f"On January 12th, we will {verb} the legacy service."
    if shape == "colon":
        lead = "The following models will be discontinued: " + ", ".join(f"`{m}`" for m in ids)
    else:
        lead = "The following models will be discontinued:\n\n" + "\n".join(f"- `{m}`" for m in ids)
    body = f"{statement}\n\n{lead}"
    if layout == "markdown":
        text = f"---\ntitle: Service update\ndate: 2026-11-02\n---\n\n{body}\n"
    else:
        text = wrap(body, "rss")
    check(Case(text, layout, expect(ids, dt.date(2027, 1, 12), "firm")))


@SUITE
@given(
    subjects,
    dates,
    date_forms,
    st.sampled_from(
        (
            "Models retiring on {date}",
            "Deprecated from {date}",
            "Shutting down {date}",
            "Removed after {date}",
        )
    ),
    st.booleans(),
)
def test_dated_heading_leads_its_list(ids, date, date_form, heading, front_matter):
    """A section heading that gives a shutdown date leads the bare ID list under it, also on a
    page whose title sits in front matter (one heading level)."""
    items = "\n".join(f"- `{m}`" for m in ids)
    title = heading.format(date=date_form[1](date))
    section = f"## {title}\n\n{items}\n\n## Still available\n\n- `orca-chat-4`"
    if front_matter:
        text = f"---\ntitle: Catalog changes\n---\n\nUpdate your apps.\n\n{section}\n"
    else:
        text = f"# Catalog changes\n\n{section}\n"
    check(Case(text, "markdown", expect(ids, date, "firm")))


@SUITE
@given(subjects, dates, replacement_ids, st.booleans())
def test_spanning_date_cell(ids, date, rep_id, in_thead):
    """A date cell spanning several rows (`rowspan`) dates every row it covers."""
    first, *rest = ids
    header = "<tr><th>Model</th><th>Replacement</th><th>Shutdown date</th></tr>"
    header = f"<thead>{header}</thead>" if in_thead else header
    rows = f'<tr><td>{first}</td><td>{rep_id}</td><td rowspan="{len(ids)}">{date}</td></tr>'
    rows += "".join(f"<tr><td>{m}</td><td>{rep_id}</td></tr>" for m in rest)
    page = f"<html><body><h1>Retirements</h1><table>{header}{rows}</table></body></html>"
    check(Case(page, "html", expect(ids, date, "firm", rep_id)))


@SUITE
@given(
    subjects,
    dates,
    date_forms,
    replacement_ids,
    st.sampled_from(("Model ID", "Model", "Model name", "API identifier")),
    st.sampled_from(("EOL date", "Shutdown date", "Retirement date", "End of life")),
    st.sampled_from(("bullets", "paragraphs")),
)
def test_key_value_blocks(ids, date, date_form, rep_id, model_key, date_key, shape):
    """One block of 'Key: value' fields per model reads as a record."""
    blocks = []
    for m in ids:
        fields = [
            f"**{model_key}:** `{m}`",
            "**Status:** Deprecated",
            f"**{date_key}:** {date_form[1](date)}",
            f"**Replacement:** `{rep_id}`",
        ]
        if shape == "bullets":
            blocks.append("\n".join(f"- {f}" for f in fields))
        else:
            blocks.append("\n\n".join(fields))
    body = "\n\n".join(f"### Model {i + 1}\n\n{b}" for i, b in enumerate(blocks))
    check(Case(wrap(body, "markdown"), "markdown", expect(ids, date, "firm", rep_id)))


@SUITE
@given(subjects, st.sampled_from(PREDICATES), dates, date_forms, st.sampled_from(("md", "html")))
def test_display_name_then_id_items(ids, predicate, date, date_form, layout):
    """A list item that prints a display name before the ID ('Orca 2 model `orca-chat-2`')."""
    verb, kind = predicate_text(predicate, date, date_form)
    if layout == "md":
        items = "\n".join(f"- Orca {i + 2} model `{m}`" for i, m in enumerate(ids))
        text, fmt = wrap(f"The following models {verb}:\n\n{items}", "markdown"), "markdown"
    else:
        items = "".join(f"<li>Orca {i + 2} model <code>{m}</code></li>" for i, m in enumerate(ids))
        text = f"<html><body><h1>Notice</h1><p>The following models {verb}:</p><ul>{items}</ul>"
        fmt = "html"
    check(Case(text, fmt, expect(ids, date, kind)))


@SUITE
@given(
    st.sampled_from(("orca-chat", "heron-code", "lark")),
    st.lists(
        st.sampled_from(("0301", "0613", "1106", "0125")), min_size=1, max_size=3, unique=True
    ),
    dates,
    st.booleans(),
    st.sampled_from(("Version", "版本", "Model version")),
)
def test_model_and_version_columns(family, versions, date, full_cells, version_header):
    """Model + version columns name versions: a version cell holding the full ID is that ID;
    a bare version joins the model when the page prints the joined form elsewhere."""
    cell = (lambda v: f"{family}-{v}") if full_cells else (lambda v: v)
    rows = "\n".join(f"| {family} | {cell(v)} | {date} |" for v in versions)
    shown = f"Pin a version, for example `{family}-9999`.\n\n"
    body = f"{shown}| Model | {version_header} | Shutdown date |\n|---|---|---|\n{rows}"
    want = expect([f"{family}-{v}" for v in versions], date, "firm")
    check(Case(wrap(body, "markdown"), "markdown", want))


@SUITE
@given(
    st.sampled_from(("orca-chat-4", "heron-3", "lark-2.5")),
    st.lists(st.sampled_from(("0301", "0613", "1106")), min_size=2, max_size=2, unique=True),
    dates,
    st.sampled_from(
        (
            "`{f}` versions `{a}` and `{b}` will be retired on {date}.",
            "We are retiring `{f}` versions `{a}` and `{b}` on {date}.",
        )
    ),
    layouts,
)
def test_versions_of_a_family_in_prose(family, versions, date, template, layout):
    """'`x` versions `a` and `b` will be retired' names the two versions, never the family
    `x`, whose other versions stay."""
    a, b = versions
    text = template.format(f=family, a=a, b=b, date=date.isoformat())
    check(
        Case(wrap(text, layout), layout, expect([f"{family}-{a}", f"{family}-{b}"], date, "firm"))
    )


@SUITE
@given(
    st.lists(st.sampled_from(IDS), min_size=2, max_size=3, unique=True).map(tuple),
    dates,
    replacement_ids,
    st.sampled_from(("Imagen 2 models ", "", "Vision models: ")),
    st.sampled_from((" and ", ", ")),
    st.sampled_from(("md", "html")),
)
def test_list_item_with_several_ids(ids, date, rep_id, lead_in, joiner, layout):
    """'- Imagen 2 models `a` and `b` (use `c` instead)' under a dated lead lists every ID,
    each replaced by `c` (a parenthesis that names what to use is no alias)."""
    item = lead_in + joiner.join(f"`{m}`" for m in ids) + f" (use `{rep_id}` instead)"
    lead = f"On {date.isoformat()}, the following models will be removed:"
    if layout == "md":
        page, fmt = f"# Notice\n\n{lead}\n\n- {item}\n", "markdown"
    else:
        page, fmt = wrap(f"{lead}\n\n- {item}", "html"), "html"
    check(Case(page, fmt, expect(ids, date, "firm", rep_id)))


@SUITE
@given(subjects, dates, replacement_ids, st.sampled_from(("tabs", "aligned")))
def test_text_tables(ids, date, rep_id, separator):
    """Tables in text copies of pages: tab-separated or space-aligned columns."""
    header = ("Model", "Shutdown date", "Replacement")
    lines = [header, *((m, date.isoformat(), rep_id) for m in ids)]
    if separator == "tabs":
        table = "\n".join("\t".join(line) for line in lines)
    else:
        table = "\n".join("".join(cell.ljust(24) for cell in line).rstrip() for line in lines)
    text = f"Model retirements\n\nThese models will be retired.\n\n{table}\n"
    if separator == "aligned" and len(ids) < 2:
        return  # one aligned row is too little to tell a table from prose
    check(Case(text, "text", expect(ids, date, "firm", rep_id)))


# (provider, display name as news prose prints it, the catalogue's ID): names that extend a
# shorter ID ("GPT-4.1 mini" over "GPT-4.1") must give the longer model, never the shorter.
DISPLAY_NAMES = (
    ("openai", "GPT-4.1 mini", "gpt-4.1-mini"),
    ("openai", "GPT-4o mini", "gpt-4o-mini"),
    ("openai", "GPT-4 Turbo", "gpt-4-turbo"),
    ("openai", "GPT-4.1 nano", "gpt-4.1-nano"),
    ("anthropic", "Claude 3.5 Haiku", "claude-3-5-haiku-20241022"),
    ("anthropic", "Claude Opus 3", "claude-3-opus-20240229"),
)


@SUITE
@given(
    st.sampled_from(DISPLAY_NAMES),
    dates,
    date_forms,
    st.sampled_from(
        (
            "{org} will retire {name} in the API on {date}.",
            "{org}'s {name} will be shut down on {date}.",
            "On {date}, {org} will discontinue {name} for developers.",
        )
    ),
)
def test_display_names_in_news(entry, date, date_form, template):
    provider, name, model_id = entry
    org = {"openai": "OpenAI", "anthropic": "Anthropic"}[provider]
    text = "# News\n\n" + template.format(org=org, name=name, date=date_form[1](date)) + "\n"
    got = shutdown_dates(text, "markdown", provider=provider)
    assert got == {model_id: date.isoformat()}, (text, got)


@SUITE
@given(
    st.sampled_from(
        (
            "visual question answering",
            "image captioning",
            "batch scoring",
            "streaming responses",
            "legacy tuning",
        )
    ),
    dates,
    date_forms,
    st.sampled_from(("md", "html")),
)
def test_phrases_are_not_models(phrase, date, date_form, layout):
    """A list item in plain words under a deprecation lead is a feature, never a model,
    even when its first word is some catalogue's model name."""
    lead = f"The following capabilities will be removed on {date_form[1](date)}:"
    if layout == "md":
        text, fmt = wrap(f"{lead}\n\n- {phrase}\n- text summarization", "markdown"), "markdown"
    else:
        text = f"<html><body><h1>Notice</h1><p>{lead}</p><ul><li>{phrase}</li></ul></body></html>"
        fmt = "html"
    check(Case(text, fmt, {}))


@SUITE
@given(
    st.sampled_from(("Orca 2", "Heron Code 1.5", "Gemini 2.5 Flash")),
    dates,
    st.sampled_from(("preview endpoints", "model versions", "series", "family")),
)
def test_family_phrases_name_no_model(name, date, noun):
    """'All existing Orca 2 and Pro preview endpoints will be removed': a family or category
    the name qualifies, not the model of that name."""
    text = f"All existing {name} and Pro {noun} will be removed on {date.isoformat()}."
    check(Case(wrap(text, "markdown"), "markdown", {}))


def _cjk_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


CJK_CLAUSES = (
    # (template, joiner for the subject list): {s} subjects, {d} date, {r} replacement
    ("{s} 将于{d}下线。", "、"),
    ("{s} 模型将于 {d} 停止服务。", " 和 "),
    ("我们将于{d}下线 {s}。", " 和 "),
    ("{s} は{d}に提供を終了します。", " 及び "),
    # Japanese quotes names in 「」 and joins them with と; the date may sit inside the
    # predicate ("の提供を D に終了")
    ("「{s}」の提供を{d}に終了すると発表した。", "」と「"),
    ("「{s}」は{d}をもってサービスを終了します。", "」と「"),
    ("我们将于{d}停止对 {s} 的支持。", " 和 "),
)
CJK_REPLACEMENTS = ("", "推荐使用 `{r}`。", "请迁移至 `{r}`。", "後継モデルは `{r}` です。")


@SUITE
@given(
    subjects,
    st.sampled_from(CJK_CLAUSES),
    dates,
    st.sampled_from(CJK_REPLACEMENTS),
    replacement_ids,
    st.sampled_from(("markdown", "html", "rss")),
)
def test_chinese_and_japanese_clauses(ids, clause, date, rep_text, rep_id, layout):
    """Chinese and Japanese announcements: subject lists joined by 、/和/及び, dates as
    2027年3月3日, predicates 下线 / 停止服务 / 提供を終了, replacements 推荐使用 / 後継モデル."""
    template, joiner = clause
    subject = joiner.join(ids if "「" in joiner else (f"`{m}`" for m in ids))
    text = template.format(s=subject, d=_cjk_date(date)) + rep_text.format(r=rep_id)
    want = expect(ids, date, "firm", rep_id if rep_text else None)
    check(Case(wrap(text, layout, title="模型更新"), layout, want))


@SUITE
@given(st.sampled_from(IDS), dates, st.sampled_from(("该模型", "此模型", "このモデルは")))
def test_cjk_anaphora(model, date, anaphor):
    """'`x` 将被弃用。该模型将于 D 下线。': the anaphor carries the date to the subject."""
    text = f"`{model}` 将被弃用。{anaphor}将于{_cjk_date(date)}下线。"
    check(Case(wrap(text, "markdown"), "markdown", expect([model], date, "firm")))


@SUITE
@given(subjects, st.sampled_from(OBJECT_FORMS), dates, date_forms, layouts)
def test_object_forms(ids, form, date, date_form, layout):
    """The model as object or complement: 'the last day to use X is D', 'support for X ends'."""
    template, kind = form
    subject, _ = subject_list(ids, "plain")
    other = date_form[1](dt.date(2026, 12, 1))
    text = template.format(subjects=subject, date=date_form[1](date), other=other)
    check(Case(wrap(text, layout), layout, expect(ids, date, kind)))


@SUITE
@given(subjects, st.sampled_from(DATE_STATEMENTS), dates, date_forms, layouts)
def test_date_statement_after_the_subject(ids, statement, date, date_form, layout):
    """'`x` will be retired. The retirement date is D.': the date reaches the subjects."""
    subject, _ = subject_list(ids, "plain")
    text = f"{subject} will be retired. {statement.format(date=date_form[1](date))}"
    check(Case(wrap(text, layout), layout, expect(ids, date, "firm")))


@SUITE
@given(
    st.sampled_from(IDS),
    st.sampled_from(("Alias for", "Alias of", "alias to")),
    st.sampled_from(("Notes", "Description", "Details")),
)
def test_alias_rows_join_their_target(target, phrase, notes_header):
    """A row 'x | Deprecated | Alias for `x-0325`' is the target's sighting under another name."""
    alias = target.rsplit("-", 1)[0] + "-latest"
    body = (
        f"## Deprecated models\n\n| Model | Status | {notes_header} |\n|---|---|---|\n"
        f"| `{target}` | Deprecated | |\n| `{alias}` | Deprecated | {phrase} `{target}` |"
    )
    out = extract_document(wrap(body, "markdown").encode(), fmt="markdown", provider=PROVIDER)
    got = {r.model: r.aliases for r in out.records}
    assert got == {target: (alias,)}, (body, got)


@SUITE
@given(
    st.sampled_from(("Kestrel-Nano", "Lark-Flash", "Wren-Mini")),
    st.sampled_from(IDS),
    st.sampled_from(("are now deprecated.", "will be retired on 2027-03-03.")),
)
def test_capitalised_name_beside_an_id(name, model, predicate):
    """A hyphenated capitalised name is a model when coordinated with an ID in one subject
    list ('Mistral-Nemo and Mistral-Large-2411 are now deprecated'), never on its own."""
    together = f"{name} and `{model}` {predicate}"
    got = set(run(Case(wrap(together, "markdown"), "markdown")))
    assert got == {name.lower(), model}, (together, got)
    alone = f"{name} {predicate}"
    assert set(run(Case(wrap(alone, "markdown"), "markdown"))) == set(), alone


@SUITE
@given(
    subjects,
    dates,
    replacement_ids,
    st.sampled_from(("请迁移至 `{r}`。", "Use `{r}` instead.", "後継モデルは `{r}` です。")),
    st.sampled_from(("：", ":")),
)
def test_replacement_after_a_list_serves_the_list(ids, date, rep_id, rep_text, colon):
    """A replacement sentence right after a lead's list replaces every item of the list; a
    full-width colon ends a lead too."""
    items = "\n".join(f"- `{m}`" for m in ids)
    body = f"以下模型将于{_cjk_date(date)}下线{colon}\n\n{items}\n\n{rep_text.format(r=rep_id)}"
    check(Case(wrap(body, "markdown"), "markdown", expect(ids, date, "firm", rep_id)))


@SUITE
@given(
    st.sampled_from(("deepseek-chat", "deepseek-reasoner")),
    dates,
    st.sampled_from(("{m} 模型将于{d}下线。", "The {m} model will be retired on {e}.")),
)
def test_catalogue_word_called_a_model(model, date, template):
    """A catalogue ID without a digit counts in prose when the text calls it a model."""
    text = template.format(m=model, d=_cjk_date(date), e=date.isoformat())
    out = extract_document(
        wrap(text, "markdown").encode(), fmt="markdown", provider="deepseek", today=TODAY
    )
    assert {r.model: r.shutdown_date for r in out.records} == {model: date.isoformat()}, text


@SUITE
@given(subjects, dates, replacement_ids, st.sampled_from(("：", ": ")))
def test_chinese_key_value_blocks(ids, date, rep_id, colon):
    """'模型名称：x / 下线时间：D / 替代模型：r', with a full-width or ASCII colon."""
    blocks = "\n\n".join(
        f"- 模型名称{colon}{m}\n- 下线时间{colon}{_cjk_date(date)}\n- 替代模型{colon}{rep_id}"
        for m in ids
    )
    check(
        Case(
            wrap(blocks, "markdown", title="模型下线"),
            "markdown",
            expect(ids, date, "firm", rep_id),
        )
    )


@SUITE
@given(
    subjects,
    st.sampled_from(PREDICATES[:9]),
    dates,
    st.sampled_from(YEAR_LESS_FORMS),
    st.sampled_from(("heading", "address")),
    st.sampled_from(("markdown", "mdx")),
)
def test_year_less_date_in_a_dated_entry(ids, predicate, date, form, where, layout):
    """'... will be retired on 15th July': the entry's date (its heading, or a changelog
    page's address such as /changelog/2027/2/1) gives the year."""
    entry = date - dt.timedelta(days=40)
    text_subjects, plural = subject_list(ids, "plain")
    said, _ = predicate_text(predicate, date, form, plural)
    sentence = f"{text_subjects} {said}."
    url = None
    if where == "heading":
        body = f"## {entry.strftime('%B')} {entry.day}, {entry.year}\n\n- {sentence}"
    else:
        body = f"### Agents\n\n- **Model update**: {sentence} No action is required."
        url = f"https://acme.example/docs/changelog/{entry.year}/{entry.month}/{entry.day}"
    page = wrap(body, layout, title="Changelog")
    got = shutdown_dates(page, layout, url=url)
    assert got == {m: date.isoformat() for m in ids}, page


@SUITE
@given(
    subjects,
    st.sampled_from(PREDICATES[:9]),
    dates,
    st.sampled_from(YEAR_LESS_FORMS),
    st.sampled_from(("title", "address")),
    st.sampled_from(("markdown", "mdx")),
)
def test_year_less_date_under_a_page_year(ids, predicate, date, form, where, layout):
    """A page that states only a year ("Model retirements, 2027", ".../blog/2027/...") and no
    dated entry gives that year to '... will be retired on 15th July'."""
    text_subjects, plural = subject_list(ids, "plain")
    said, _ = predicate_text(predicate, date, form, plural)
    title, url = "Model retirements", None
    if where == "title":
        title = f"Model retirements, {date.year}"
    else:
        url = f"https://acme.example/blog/{date.year}/model-retirements"
    page = wrap(f"{text_subjects} {said}.", layout, title=title)
    got = shutdown_dates(page, layout, url=url)
    assert got == {m: date.isoformat() for m in ids}, page


@SUITE
@given(subjects, dates, date_forms, st.sampled_from(STATUS_CELLS), st.sampled_from(("md", "html")))
def test_status_cell_with_its_own_date(ids, date, date_form, cell, layout):
    """'Retired Apr 4, 2026' in a status column is the row's shutdown date; 'Deprecated
    <date>' is only when the deprecation was announced."""
    template, is_shutdown = cell
    status = template.format(date=date_form[1](date))
    if layout == "md":
        rows = "".join(f"| `{m}` | {status} | A model. |\n" for m in ids)
        page = f"# Models\n\n| Model | Status | Description |\n|---|---|---|\n{rows}"
        page += "| `orca-chat-4` | Active | Current. |\n"
        fmt = "markdown"
    else:
        rows = "".join(f"<tr><td>{m}</td><td>{status}</td><td>A model.</td></tr>" for m in ids)
        page = (
            "<html><body><h1>Models</h1><table><tr><th>Model ID</th><th>Lifecycle</th>"
            f"<th>Notes</th></tr>{rows}<tr><td>orca-chat-4</td><td>GA</td><td>-</td></tr>"
            "</table></body></html>"
        )
        fmt = "html"
    want = expect(ids, date, "firm") if is_shutdown else expect(ids, None, "none")
    check(Case(page, fmt, want))


@SUITE
@given(
    subjects,
    replacement_ids,
    dates,
    date_forms,
    st.sampled_from(("on this page", "in this document", "listed below")),
    st.sampled_from(("markdown", "mdx")),
)
def test_page_banner_reaches_every_section(ids, rep_id, date, date_form, where, layout):
    """'On D, the models listed on this page will stop serving requests' above sections of
    a table and an arrow list: every model there ends on D, each with its replacement."""
    first, rest = ids[0], ids[1:]
    body = (
        f"On {date_form[1](date)}, the models {where} will stop serving requests.\n\n"
        f"## Text models\n\n| Model | Replacement |\n|---|---|\n| `{first}` | `{rep_id}` |\n"
    )
    if rest:
        body += "\n## Other models\n\n" + "".join(f"- `{m}` → `{rep_id}`\n" for m in rest)
    check(
        Case(
            wrap(body, layout, title="Deprecated models"), layout, expect(ids, date, "firm", rep_id)
        )
    )


# (page title, the class a banner quantifies over, whether the title names that class)
CLASS_BANNERS = (
    ("Previous-generation languages and models", "previous-generation", True),
    ("Legacy embedding models", "legacy embedding", True),
    ("Legacy models", "legacy", True),
    ("Speech models", "beta", False),
)


@SUITE
@given(
    subjects,
    dates,
    date_forms,
    st.sampled_from(CLASS_BANNERS),
    st.sampled_from(("will be removed from the service", "will be retired", "are shut down")),
    st.sampled_from(("markdown", "mdx", "html")),
    st.sampled_from(("", "Note: ", "Important: ")),
)
def test_banner_over_the_pages_class(ids, date, date_form, banner, predicate, layout, label):
    """'Effective D, all previous-generation models will be removed' on a page titled
    'Previous-generation languages and models' dates every Deprecated row in the sections
    below (an admonition's label before it changes nothing); a class the title does not name
    ('all beta models') dates none of them."""
    title, cls, of_page = banner
    lead = f"{label}Effective {date_form[1](date)}, all {cls} models {predicate}."
    if layout == "html":
        rows = "".join(f"<tr><td><code>{m}</code></td><td>Deprecated</td></tr>" for m in ids)
        page = (
            f"<html><body><main><h1>{title}</h1><p>{lead}</p><h2>Supported models</h2>"
            "<h3>Narrow models</h3><table><tr><th>Model name</th><th>Status</th></tr>"
            f"{rows}</table></main></body></html>"
        )
    else:
        rows = "".join(f"| `{m}` | GA \\n Deprecated |\n" for m in ids)
        page = wrap(
            f"{lead}\n\n## Supported models\n\n### Narrow models\n\n"
            f"| Model name | Status |\n|---|---|\n{rows}",
            layout,
            title=title,
        )
    want = expect(ids, date, "firm") if of_page else expect(ids, None, "none")
    check(Case(page, layout, want))


@SUITE
@given(
    st.sampled_from((("Command R", "Acme-command-r"), ("Swift Lite", "swift-lite"))),
    dates,
    st.sampled_from(("md", "html")),
    st.booleans(),
)
def test_model_cell_link_carries_the_id(named, date, layout, doc_slug):
    """A model cell whose name links to a model page named after it ('[Command R](.../models/
    Acme-command-r)') is that ID; a documentation slug that is not the name ('.../models/
    2-5-lite') leaves the display name."""
    name, segment = named
    href = f"https://ai.example.com/explore/models/{'2-5-lite' if doc_slug else segment}"
    if layout == "md":
        table = f"| Model | Retirement date |\n|---|---|\n| [{name}]({href}) | {date} |\n"
        page = f"# Retirements\n\n{table}"
        fmt = "markdown"
    else:
        page = (
            "<html><body><h1>Retirements</h1><table><tr><th>Model</th><th>Retirement date</th>"
            f'</tr><tr><td><a href="{href}">{name}</a></td><td>{date}</td></tr></table>'
            "</body></html>"
        )
        fmt = "html"
    model = name.lower() if doc_slug else segment.lower()
    check(Case(page, fmt, expect((model,), date, "firm")))


@SUITE
@given(subjects, dates, date_forms, st.sampled_from(NOTES_CELLS), replacement_ids)
def test_notes_cell_dates_its_row(ids, date, date_form, cell, rep_id):
    """A row marked Deprecated whose notes say 'Retiring on D; use `y`': shut down on D
    (a floor stays a floor), replaced by `y`; an active row's notes give nothing."""
    template, dated = cell
    notes = template.format(date=date_form[1](date), r=rep_id)
    rows = "".join(f"| `{m}` | Deprecated | {notes} |\n" for m in ids)
    page = f"# Models\n\n| Model | Status | Notes |\n|---|---|---|\n{rows}"
    page += f"| `{rep_id}` | Active | Retiring on nothing planned; see `heron-9-2`. |\n"
    kind = "earliest" if "no earlier" in template else "firm"
    want = expect(ids, date, kind, rep_id) if dated else expect(ids, None, "none", rep_id)
    check(Case(page, "markdown", want))


@SUITE
@given(subjects, dates, st.sampled_from(("TBD", "-", "")))
def test_dated_deprecation_with_no_shutdown_yet(ids, date, cell):
    """'Deprecation date | Shutdown date' with a dated deprecation and 'TBD': deprecated,
    undated, announced on the deprecation date."""
    rows = "".join(f"| `{m}` | {date.isoformat()} | {cell} |\n" for m in ids)
    page = f"# Lifecycle\n\n| Model | Deprecation date | Shutdown date |\n|---|---|---|\n{rows}"
    check(Case(page, "markdown", expect(ids, None, "none")))


@SUITE
@given(
    subjects,
    dates,
    st.sampled_from(REMOVALS_IN_AN_ENTRY),
    st.sampled_from(("markdown", "rss", "mdx")),
)
def test_removal_now_is_dated_by_its_entry(ids, entry, removal, layout):
    """'We've retired X. All requests to it will now return an error.' in an entry dated D
    ends X on D; 'X has been discontinued.' alone does not say when access ended."""
    template, dated = removal
    text_subjects, plural = subject_list(ids, "plain")
    sentence = template.format(
        subjects=text_subjects,
        anaphor="these models" if plural else "this model",
        have="have" if plural else "has",
        are="are" if plural else "is",
    )
    if layout == "rss":
        entry = dt.date(2026, 11, 2)  # the item's pubDate in `wrap`
        page = wrap(sentence, "rss", title="Model retirements")
    else:
        page = wrap(f"## {entry.isoformat()}\n\n- {sentence}", layout, title="Release notes")
    check(Case(page, layout, expect(ids, entry, "firm") if dated else expect(ids, None, "none")))


@SUITE
@given(subjects, dates)
def test_removal_now_under_a_month_heading_is_undated(ids, entry):
    """Under a month-only heading ("November 2026") "now" names no day: nothing is dated."""
    text_subjects, _ = subject_list(ids, "plain")
    sentence = f"We've retired {text_subjects}. All requests to them will now return an error."
    page = wrap(f"## {entry.strftime('%B %Y')}\n\n- {sentence}", "markdown", "Release notes")
    check(Case(page, "markdown", expect(ids, None, "none")))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_news_display_names_map_to_the_ids_providers_agree_on(layout):
    """A page of no catalogue provider that prints no IDs (news) maps a display name to the
    ID most providers give it ("GPT-4.1 mini" -> gpt-4.1-mini); a name providers split on
    ("Claude 3 Opus": three different plain IDs) stays a display name."""
    text = (
        "OpenAI said it will retire GPT-4.1 mini from the API on March 3, 2027. "
        "Claude 3 Opus will also be retired on March 3, 2027."
    )
    out = extract_document(
        wrap(text, layout).encode(), fmt=parse_format(layout), provider="news", today=TODAY
    )
    got = {r.model for r in out.records if r.kind == "model"}
    assert "gpt-4.1-mini" in got and not any(m.startswith("claude-3-opus") for m in got), got


def test_a_page_with_its_own_ids_keeps_them():
    """A reseller's page prints its own IDs (code spans, model columns): a display name there
    is never mapped to another provider's ID."""
    page = wrap(
        "`acme.gpt-x-1:0`, `acme.gpt-x-2:0` and `acme.gpt-x-3:0` are listed below.\n\n"
        "GPT-4.1 mini will be retired on March 3, 2027.",
        "markdown",
    )
    out = extract_document(page.encode(), fmt="markdown", provider="acme-cloud", today=TODAY)
    assert "gpt-4.1-mini" not in {r.model for r in out.records}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_name_with_a_year_month_version_is_the_catalogue_id(layout):
    """'Codestral (25.01) and Mistral Large (24.11) will be retired on D': a name and its
    YY.MM version are the catalogue's `codestral-2501` / `mistral-large-2411`; a version the
    catalogue does not know ('Orca Chat (31.12)') makes no ID up."""
    text = (
        "Codestral (25.01) and Mistral Large (24.11) will be retired on March 3, 2027. "
        "Orca Chat (31.12) will be retired on March 3, 2027."
    )
    got = shutdown_dates(wrap(text, layout), layout, provider="news")
    assert got.get("codestral-2501") == got.get("mistral-large-2411") == "2027-03-03", got
    assert "orca-chat-3112" not in got


@SUITE
@given(
    st.sampled_from(("orca-x", "heron-9", "lark-2")),
    st.sampled_from(("series", "family", "models")),
    dates,
    layouts,
)
def test_family_with_no_member_listed_keeps_its_name(family, noun, date, layout):
    """'The `x` series will be retired on D' on a page that lists none of its members: one
    record under the family's name (a team calling a member is still told)."""
    text = f"The `{family}` {noun} will be retired on {date.isoformat()}."
    want = expect((family,), date, "firm")
    check(Case(wrap(text, layout), layout, want))


def test_partner_model_named_on_a_sibling_platform():
    """A provider's page that names a partner model its own catalogue entry lacks ("Anthropic's
    Claude 3.5 Haiku" in a Google changelog) takes the ID the same company's other platform
    (`google-vertex`) gives it."""
    text = "Anthropic's Claude 3.5 Haiku will be shut down on July 5, 2027."
    out = extract_document(
        wrap(text, "markdown").encode(), fmt="markdown", provider="google", today=TODAY
    )
    assert {r.model: r.shutdown_date for r in out.records} == {
        "claude-3-5-haiku@20241022": "2027-07-05"
    }


@SUITE
@given(
    subjects,
    dates,
    date_forms,
    st.sampled_from(
        ("Shutdown of {s} on {d}", "{s} will be retired on {d}", "Retiring {s} on {d}")
    ),
    st.sampled_from(("markdown", "mdx", "html")),
)
def test_heading_that_is_the_announcement(ids, date, date_form, template, layout):
    """'## Shutdown of `x-1` on March 1, 2026' over a section that names no model ('Please
    move your workloads before then.'): the heading's clause is the record."""
    subject, _ = subject_list(ids, "plain")
    heading = template.format(s=subject, d=date_form[1](date))
    body = f"## {heading}\n\nPlease move your workloads before then."
    check(Case(wrap(body, layout, title="Platform notices"), layout, expect(ids, date, "firm")))


@SUITE
@given(
    subjects,
    st.sampled_from((dt.date(2027, 8, 12), dt.date(2027, 3, 4), dt.date(2027, 11, 2))),
    st.booleans(),
    layouts,
)
def test_numeric_dates_in_the_pages_own_order(ids, date, month_first, layout):
    """'effective 8/12/2027' is August 12 on a page that writes 'March 20, 2027' and 'May 14',
    and gives no date on a page that also writes '20 March 2027' (the order is unknown)."""
    written = "March 20, 2027" if month_first else "20 March 2027"
    body = (
        f"On {written} we added new models. The old console closes on May 14, 2027.\n\n"
        f"Please note that {subject_list(ids, 'plain')[0]} will no longer be accessible "
        f"effective {date.month}/{date.day}/{date.year}."
    )
    want = expect(ids, date if month_first else None, "firm" if month_first else "none")
    check(Case(wrap(body, layout), layout, want))


@SUITE
@given(
    subjects,
    dates,
    date_forms,
    st.sampled_from((" - ", ": ", " — ")),
    st.sampled_from(("\n", " ", ", ")),
    st.sampled_from(("markdown", "mdx")),
)
def test_list_after_a_dated_statement(ids, date, date_form, opener, separator, layout):
    """'Several models will no longer be accessible effective D.' then 'The following model
    names will no longer be available via API - a b c' (soft-wrapped lines, a colon or a
    dash): every listed model ends on D."""
    listed = separator.join(f"`{m}`" for m in ids)
    body = (
        f"Please note that several models will no longer be accessible effective "
        f"{date_form[1](date)}. We recommend updating your applications.\n\n"
        f"The following model names will no longer be available via API{opener}{listed}"
    )
    check(Case(wrap(body, layout), layout, expect(ids, date, "firm")))


@SUITE
@given(
    st.sampled_from(IDS[:3]),
    st.sampled_from(IDS[3:6]),
    st.sampled_from(IDS[6:]),
    dates,
    date_forms,
    st.sampled_from(("followed on {d}, along with `{c}`", "will follow suit on {d}")),
    layouts,
)
def test_subject_that_follows_the_last_clause(first, second, third, date, date_form, verb, layout):
    """'`a` has been removed as of March 20, 2027. `b` followed on D, along with `c`': b and
    c end on D, each a subject sharing the fate the clause before it stated."""
    d = date_form[1](date)
    body = (
        f"As of March 2, 2027, `{first}` has been deprecated and removed from the API. "
        f"`{second}` {verb.format(d=d, c=third)}."
    )
    want = expect((first,), dt.date(2027, 3, 2), "firm") | expect(
        (second, third) if "along" in verb else (second,), date, "firm"
    )
    check(Case(wrap(body, layout), layout, want))


@SUITE
@given(
    st.sampled_from((("Kestrel 2 70B", "kestrel-2-70b"), ("Heron 3 Mini", "heron-3-mini"))),
    st.sampled_from(("instruct", "chat", "20270115", "it")),
    dates,
    st.booleans(),
    st.sampled_from(("markdown", "mdx", "html")),
)
def test_display_name_of_a_printed_variant(named, suffix, date, two_variants, layout):
    """'Kestrel 2 70B is now deprecated.' above a table printing `kestrel-2-70b-instruct` is
    that one ID (one record, the table's date); with a second variant printed (`-instruct`
    and `-base`) it is the family the table lists, never a record beside them."""
    name, stem = named
    model = f"{stem}-{suffix}"
    rows = f"| `{model}` | {date.isoformat()} |\n"
    if two_variants:
        rows += f"| `{stem}-base` | {date.isoformat()} |\n"
    body = (
        f"{name} is now deprecated. Use the newer models instead.\n\n"
        f"| Model string | EOL date |\n|---|---|\n{rows}"
    )
    if layout == "html":
        cells = "".join(
            f"<tr><td><code>{m}</code></td><td>{date.isoformat()}</td></tr>"
            for m in ([model, f"{stem}-base"] if two_variants else [model])
        )
        page = (
            f"<html><body><main><h1>Deprecated models</h1><p>{name} is now deprecated. Use the "
            "newer models instead.</p><table><tr><th>Model string</th><th>EOL date</th></tr>"
            f"{cells}</table></main></body></html>"
        )
    else:
        page = wrap(body, layout, title="Deprecated models")
    want = expect((model,), date, "firm")
    if two_variants:
        want |= expect((f"{stem}-base",), date, "firm")
    check(Case(page, layout, want))


@SUITE
@given(
    dates,
    date_forms,
    st.sampled_from(("Lite", "Gemini")),
    st.sampled_from(("We've retired", "We have shut down", "We've removed")),
    st.sampled_from(("markdown", "mdx")),
)
def test_provider_reports_its_own_removal(date, date_form, second, verb, layout):
    """In an entry dated D, "We've retired the Orca 1 and Lite models." ends both on D: the
    provider reports its own act, and "Lite" takes the brand the first conjunct gives ("Orca
    Lite"). A word that is a brand of its own ("Gemini") is not Orca's."""
    body = f"## {date_form[1](date)}\n\n- {verb} the Orca 1 and {second} models.\n"
    want = expect(("orca-1",), date, "firm")
    if second == "Lite":
        want |= expect(("orca lite",), date, "firm")
    check(Case(wrap(body, layout, title="Release notes"), layout, want))


@SUITE
@given(
    subjects,
    dates,
    st.sampled_from((" | ", "|", "; ")),
    st.sampled_from(("Retirement date", "Shutdown date", "EOL date")),
    st.sampled_from((*LAYOUTS, "rss-text")),
)
def test_fields_run_together_on_one_line(ids, date, separator, key, layout):
    """'Model: x | Retirement date: D' (one record per line, fields split by | or ;), in a
    page or a feed entry's plain-text body: x ends on D."""
    lines = [f"Model: {m}{separator}{key}: {date.isoformat()}" for m in ids]
    if layout == "rss-text":
        items = "".join(
            f"<item><title>{m} retirement update</title><description>{line}</description>"
            f"<guid>{m}</guid><pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate></item>"
            for m, line in zip(ids, lines, strict=True)
        )
        page = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Retirements</title>'
            f"<link>https://acme.example/feed</link><description>x</description>{items}"
            "</channel></rss>"
        )
        layout = "rss"
    else:
        page = wrap("\n\n".join(lines), layout, title="Retirement updates")
    check(Case(page, layout, expect(ids, date, "firm")))


@SUITE
@given(
    st.sampled_from(IDS),
    st.sampled_from(("Acme ", "")),
    st.sampled_from(("have also been deprecated", "will be retired")),
    st.sampled_from(("markdown", "html", "mdx")),
)
def test_id_ending_a_list_of_names_before_models(model, maker, predicate, layout):
    """'the Heron 3, Heron 3 Mini, and Acme `x-2` models have been deprecated' lists `x-2`
    itself: it is not the `x-2` family, so an active `x-2-mini` row stays active."""
    body = (
        f"In addition to Orca 4, the Heron 3, Heron 3 Mini, and {maker}{model} models "
        f"{predicate}.\n\n| Model | Status |\n|---|---|\n| `{model}-mini` | Active |\n"
    )
    check(Case(wrap(body, layout), layout, expect((model,), None, "none")))


@SUITE
@given(
    subjects,
    dates,
    date_forms,
    st.sampled_from(("**{e}** — ", "{e}: ", "{e} - ")),
    st.sampled_from(("We deprecated {s}.", "{s} {is_are} now deprecated.")),
    st.sampled_from(
        ("{A} will keep working until {d}.", "{A} will stop accepting requests on {d}.")
    ),
    st.sampled_from(("markdown", "mdx", "html")),
)
def test_paragraph_dated_as_an_entry(ids, date, date_form, opener, first, second, layout):
    """'**November 3, 2026** — We deprecated `x`. It will keep working until D.': the opening
    date is the entry's (when the deprecation was announced), D the shutdown; the anaphor
    reaches the subjects of a sentence the clause reader did not read."""
    subject, plural = subject_list(ids, "plain")
    entry = opener.format(e="November 3, 2026")
    text = first.format(s=subject, is_are="are" if plural else "is")
    text += " " + second.format(A="They" if plural else "It", d=date_form[1](date))
    page = wrap(f"{entry}{text}\n\n**October 20, 2026** — Added `orca-chat-4`.", layout)
    check(Case(page, layout, expect(ids, date, "firm")))


@SUITE
@given(
    subjects,
    dates,
    replacement_ids,
    st.sampled_from(("Shutdown", "Retirement date", "End of life")),
    st.sampled_from(("Use instead", "Replacement", "Recommended alternative")),
    st.sampled_from(("markdown", "mdx", "html")),
)
def test_fields_under_the_models_heading(ids, date, rep_id, date_key, rep_key, layout):
    """'### `x-2`' over '- **Status:** Deprecated / - **Shutdown:** D / - **Use instead:**
    `y`' (the fields name no model: the heading does): x-2 ends on D, replaced by y."""
    sections = "".join(
        f"## `{m}`\n\n- **Status:** Deprecated\n- **{date_key}:** {date.isoformat()}\n"
        f"- **{rep_key}:** `{rep_id}`\n\n"
        for m in ids
    )
    if layout == "html":
        body = "".join(
            f"<h2><code>{m}</code></h2><ul><li><b>Status:</b> Deprecated</li><li><b>{date_key}:"
            f"</b> {date.isoformat()}</li><li><b>{rep_key}:</b> <code>{rep_id}</code></li></ul>"
            for m in ids
        )
        page = f"<html><body><main><h1>Deprecated models</h1>{body}</main></body></html>"
    else:
        page = wrap(sections, layout, title="Deprecated models")
    check(Case(page, layout, expect(ids, date, "firm", rep_id)))


@SUITE
@given(
    st.sampled_from((("Orca-Chat2", "Orca-Chat3"), ("Heron3-Mini", "Heron3-Pro"))),
    dates,
    st.sampled_from(("{a} 和 {b} 两款模型将于{d}停止服务。", "{a}、{b} 等旧模型将于{d}下线。")),
)
def test_cjk_names_the_text_calls_models(names, date, template):
    """'X 和 Y 两款模型将于 D 停止服务': capitalised hyphenated names that the text counts as
    models (through a coordination and a counter) end on D."""
    a, b = names
    text = template.format(a=a, b=b, d=_cjk_date(date))
    check(Case(wrap(text, "markdown"), "markdown", expect((a.lower(), b.lower()), date, "firm")))


@SUITE
@given(st.sampled_from(("Orca Chat 4", "Heron 3 Preview")), dates, st.sampled_from(("「", "『")))
def test_japanese_quoted_display_name(name, date, quote):
    """'「Orca Chat 4」の提供を D に終了': a name the text quotes is the model, and a heading
    written without spaces is never taken for one."""
    close = "」" if quote == "「" else "』"
    text = f"Acme社は{quote}{name}{close}の提供を{_cjk_date(date)}に終了すると発表した。"
    page = f"# Acme、{quote}{name}{close}の提供を終了へ\n\n{text}\n"
    check(Case(page, "markdown", expect((name.lower(),), date, "firm")))


@SUITE
@given(subjects, dates, date_forms, replacement_ids, st.sampled_from(("span", "em", "b")))
def test_model_cards_with_a_badge(ids, date, date_form, rep_id, badge):
    """HTML cards: '<code>x-1</code><span>Deprecated</span>' (no space between the two
    elements) over 'Shutdown: D. Recommended replacement: `y`.': x-1 ends on D."""
    cards = "".join(
        f'<div class="model"><code>{m}</code><{badge} class="badge">Deprecated</{badge}>'
        f"<p>Shutdown: {date_form[1](date)}. Recommended replacement: <code>{rep_id}</code>."
        "</p></div>"
        for m in ids
    )
    page = (
        "<html><head><title>Deprecations</title></head><body><main><h1>Deprecations</h1>"
        f"<div><h3>Upcoming</h3>{cards}</div></main></body></html>"
    )
    check(Case(page, "html", expect(ids, date, "firm", rep_id)))


@SUITE
@given(
    st.sampled_from((("orca", "orca-lite"), ("heron-pro", "heron-flash"))),
    st.sampled_from(("001", "0613")),
    dates,
    st.sampled_from(("markdown", "html")),
)
def test_version_column_joins_every_model(models, version, date, layout):
    """A model | version table, and a sentence printing one model's joined ID
    (`orca-002`): every row's ID is model-version (`orca-lite-001`), not the family."""
    first, second = models
    other = "002" if version == "001" else "0914"
    rows = [(first, version, date), (first, other, None), (second, version, date)]
    if layout == "html":
        cells = "".join(
            f"<tr><td>{m}</td><td>{v}</td><td>{d.isoformat() if d else '-'}</td></tr>"
            for m, v, d in rows
        )
        page = (
            "<html><body><main><h1>Model versions</h1><table><tr><th>Model</th><th>Version</th>"
            f"<th>Discontinuation date</th></tr>{cells}</table><p>Pin a version, for example "
            f"<code>{first}-{other}</code>.</p></main></body></html>"
        )
    else:
        cells = "".join(f"| {m} | {v} | {d.isoformat() if d else '-'} |\n" for m, v, d in rows)
        page = (
            "# Model versions\n\n| Model | Version | Discontinuation date |\n|---|---|---|\n"
            f"{cells}\nPin a version, for example `{first}-{other}`.\n"
        )
    want = expect((f"{first}-{version}", f"{second}-{version}"), date, "firm")
    check(Case(page, layout, want))


@SUITE
@given(
    st.sampled_from(IDS),
    st.sampled_from(((7, 31), (12, 15), (1, 20))),
    st.sampled_from(
        ("`{m}` 已于 {mon} 月 {day} 日停止服务。", "`{m}` was retired on {name} {day}.")
    ),
)
def test_year_less_day_of_a_done_removal(model, month_day_pair, template):
    """In an entry dated 2026-08-01, '`x` 已于 7 月 31 日停止服务' (done) is 2026-07-31, the
    day before the entry, never the next year's; a day after the entry's is the year before."""
    mon, day = month_day_pair
    name = dt.date(2026, mon, day).strftime("%B")
    text = template.format(m=model, mon=mon, day=day, name=name)
    page = f"# 更新日志 / Changelog\n\n## 2026-08-01\n\n- {text}\n"
    year = 2026 if (mon, day) <= (8, 1) else 2025
    check(Case(page, "markdown", expect((model,), dt.date(year, mon, day), "firm")))


@SUITE
@given(
    st.sampled_from((("ERNIE-3.5-8K", "ERNIE-Speed-8K"), ("GLM-4-Plus", "GLM-4-Air-0111"))),
    dates,
    st.sampled_from(
        (
            "自{d}起，我们将停止对 {a}、{b} 的服务支持。",
            "以下模型将于{d}下线。\n\n- {a}\n- {b}",
            "以下のモデルは{d}をもって廃止されます。\n\n- {a}\n- {b}",
        )
    ),
)
def test_cjk_release_notes_forms(names, date, template):
    """Chinese and Japanese notices: product-cased IDs of three parts ('ERNIE-3.5-8K'),
    '自 D 起 … 停止对 X 的服务', and a lead that ends in '。' over its list."""
    a, b = names
    text = template.format(a=a, b=b, d=_cjk_date(date))
    check(Case(f"# 公告\n\n{text}\n", "markdown", expect((a.lower(), b.lower()), date, "firm")))


@SUITE
@given(
    st.sampled_from((("Orca Chat 2", "Heron 3 Mini"), ("Kestrel 13B", "Kestrel 7B Lite"))),
    dates,
    date_forms,
    st.sampled_from(
        (
            "Acme has begun notifying customers that {a} and {b} will be retired on {d}.",
            "The company said {a} and {b} would be retired on {d}.",
            "{a} and {b} will be retired on {d}.",
        )
    ),
)
def test_news_subject_after_a_reporting_clause(names, date, date_form, template):
    """News prose: 'Acme has begun notifying customers that A and B will be retired on D'
    names both A and B (display names; the reporting clause before them is not a name)."""
    a, b = names
    text = template.format(a=a, b=b, d=date_form[1](date))
    page = f'---\ntitle: "Acme retires two models"\n---\n{text}\n'
    check(Case(page, "markdown", expect((a.lower(), b.lower()), date, "firm")))


@SUITE
@given(
    st.sampled_from(("Orca", "Heron")),
    st.sampled_from(("1.5", "2")),
    st.sampled_from(
        (
            "Access to {b}'s {v} models has been discontinued.",
            "We will retire {b}'s {v} models.",
        )
    ),
)
def test_possessive_before_a_version(brand, version, template):
    """'Access to Orca's 1.5 models has been discontinued': the maker's possessive before a
    version names the family 'Orca 1.5', kept under its name (no member is listed)."""
    text = template.format(b=brand, v=version)
    page = f"# Changelog\n\n## January 5, 2027\n\n{text}\n"
    check(Case(page, "markdown", expect((f"{brand.lower()}-{version}",), None, "none")))


@SUITE
@given(
    st.sampled_from(("R1-1776", "Sonar-Pro-2", "Kestrel-7B")),
    dates,
    date_forms,
    st.sampled_from(
        (
            "Please note that as of {d}, {m} will be removed from the available models.",
            "Note that on {d} the {m} model will be retired.",
        )
    ),
    layouts,
)
def test_product_cased_name_the_sentence_calls_a_model(name, date, date_form, template, layout):
    """'Please note that as of D, R1-1776 will be removed from the available models': a
    product-cased name with a digit that the sentence calls a model is one, dated by the
    fronted date (after 'Please note that')."""
    text = template.format(d=date_form[1](date), m=name)
    check(Case(wrap(text, layout), layout, expect((name.lower(),), date, "firm")))


@SUITE
@given(
    subjects,
    replacement_ids,
    st.sampled_from(("Deprecated alias", "Retired model", "Legacy model ID")),
    st.sampled_from(("Use instead", "Replacement")),
    st.sampled_from(("markdown", "html")),
)
def test_model_column_that_says_deprecated(ids, rep_id, model_header, rep_header, layout):
    """'Deprecated alias | Use instead' under a heading that says nothing, with no status or
    date column: the model column's own header makes every row a deprecation."""
    if layout == "html":
        rows = "".join(f"<tr><td><code>{m}</code></td><td>{rep_id}</td></tr>" for m in ids)
        page = (
            f"<html><body><main><h1>Aliases</h1><table><tr><th>{model_header}</th>"
            f"<th>{rep_header}</th></tr>{rows}</table></main></body></html>"
        )
    else:
        rows = "".join(f"| `{m}` | `{rep_id}` |\n" for m in ids)
        page = f"# Aliases\n\n| {model_header} | {rep_header} |\n|---|---|\n{rows}"
    check(Case(page, layout, expect(ids, None, "none", rep_id)))


@SUITE
@given(st.sampled_from(IDS), dates, date_forms, layouts)
def test_region_in_an_aside_is_not_a_model(model, date, date_form, layout):
    """'Model `x` entered legacy status (only in us-east-1), will reach end-of-life on D':
    the region in the aside is not a model, though the sentence says 'Model'."""
    text = (
        f"Model `{model}` entered legacy status on October 4, 2026 (only in us-east-1), will "
        f"reach end-of-life on {date_form[1](date)} (only in us-west-2)."
    )
    check(Case(wrap(text, layout), layout, expect((model,), date, "firm")))


@SUITE
@given(subjects, dates, date_forms, replacement_ids, st.sampled_from(("→", "->", "=>")), layouts)
def test_requests_to_it_and_arrows_in_prose(ids, date, date_form, rep_id, arrow, layout):
    """'We are deprecating `a`. Requests to it will fail after D.' dates `a`; '`b`: retiring
    D → `y`' in a paragraph makes `y` the replacement, never a deprecated model."""
    first, rest = ids[0], ids[1:]
    d = date_form[1](date)
    text = f"We are deprecating `{first}`. Requests to it will fail after {d}."
    for m in rest:
        text += f"\n\n`{m}`: retiring {d} {arrow} `{rep_id}`"
    want = expect((first,), date, "firm") | expect(rest, date, "firm", rep_id)
    check(Case(wrap(text, layout), layout, want))


@SUITE
@given(subjects, dates, date_forms, replacement_ids, st.sampled_from(("html", "rss", "markdown")))
def test_second_predicate_and_dated_entry_blocks(ids, date, date_form, rep_id, layout):
    """'With this launch, `a` and `b` enter a 90-day deprecation period and will be retired
    on D. Use `y`.' ends both on D, replaced by y; in an entry whose date is a block of its
    own ('<div>August 2, 2026</div>'), 'X has been shut down. Calls now return an error.'
    ends X on that day."""
    subject, plural = subject_list(ids, "plain")
    verb = "enter" if plural else "enters"
    first = (
        f"With this launch, {subject} {verb} a 90-day deprecation period and will be retired "
        f"on {date_form[1](date)}. Use `{rep_id}`."
    )
    second = "`wren-legacy-1` has been shut down. Calls now return an error."
    body = f"{first}\n\nAugust 2, 2026\n\n{second}"
    want = expect(ids, date, "firm", rep_id) | expect(
        ("wren-legacy-1",), dt.date(2026, 8, 2), "firm"
    )
    check(Case(wrap(body, layout), layout, want))


@SUITE
@given(subjects, dates, st.sampled_from(("markdown", "mdx")), replacement_ids)
def test_fields_on_soft_wrapped_lines(ids, date, layout, rep_id):
    """One paragraph per model whose lines are its fields ('**Model ID:** `x`' / '**Deprecated
    on:** D0' / '**Shutdown:** D'): x ends on D (not on the deprecation day), replaced by y;
    a block whose Status is Active is no alarm, whatever its earliest-shutdown field says."""
    blocks = "".join(
        f"### {m}\n\n**Model ID:** `{m}`\n**Status:** Deprecated\n**Deprecated on:** 2026-06-01\n"
        f"**Shutdown:** {date.isoformat()}\n**Replacement:** `{rep_id}`\n\n"
        for m in ids
    )
    blocks += (
        f"## Supported models\n\n### {rep_id}\n\n**Model ID:** `{rep_id}`\n**Status:** Active\n"
        "**Earliest shutdown:** not before 2028-09-01\n"
    )
    page = wrap(f"## Models in retirement\n\n{blocks}", layout, title="Model retirements")
    check(Case(page, layout, expect(ids, date, "firm", rep_id)))


@SUITE
@given(subjects, dates, date_forms, st.sampled_from(("markdown", "mdx", "html")))
def test_announced_in_the_next_sentence(ids, date, date_form, layout):
    """'Retirement on D. Announced D0. The models below will stop accepting requests on that
    day:' over a list: D is the shutdown; the next sentence's 'Announced' dates D0 only."""
    items = "\n".join(f"- `{m}`" for m in ids)
    body = (
        f"**Retirement on {date_form[1](date)}.** Announced 31 August 2026. The models below "
        f"will stop accepting requests at 00:00 UTC on that day:\n\n{items}"
    )
    check(Case(wrap(body, layout), layout, expect(ids, date, "firm")))


@SUITE
@given(subjects, dates, date_forms, replacement_ids, st.sampled_from(("markdown", "html", "rss")))
def test_lead_that_points_before_its_last_sentence(ids, date, date_form, rep_id, layout):
    """'On D, the following models will be retired. After that date, API calls naming them
    will return an error.' over '- `x` – use `y`' items: the pointing sentence leads the
    list (its last sentence does not), each item ends on D, replaced by y."""
    items = "\n".join(f"- `{m}` – use `{rep_id}`" for m in ids)
    body = (
        f"On {date_form[1](date)}, the following models will be retired. After that date, API "
        f"calls naming them will return an error.\n\n{items}"
    )
    check(Case(wrap(body, layout), layout, expect(ids, date, "firm", rep_id)))
