"""The HTML e-mails on a phone (issue 19, major 2): at 390 px the five-column table did not
stack, "Source" was clipped and IDs and dates broke mid-token. Items are now two columns of
inline-blocks that stack when the card is narrow, and dates and model IDs never break."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.alerts.notify.email import render_alert_email
from pipeline.alerts.notify.escape import html_keep_whole
from pipeline.core.models import Alert, AlertItem

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
CARD_INNER = 760 - 2 * 24  # the card's max width less its side padding


def alert() -> Alert:
    items = (
        AlertItem(
            kind="new",
            provider="nimbus",
            model="nimbus-large-1",
            shutdown_date="2026-11-23",
            replacements=("nimbus-large-2",),
            evidence="nimbus-large-1 shuts down 2026-11-23; use nimbus-large-2 instead.",
            url="https://nimbus.example/deprecations",
            matched_as="nimbus-large-1 (nimbus)",
        ),
        AlertItem(
            kind="reminder",
            provider="bedrock",
            model="us.anthropic.claude-3-5-sonnet-20240620-v1:0",
            shutdown_date="2027-01-20",
            replacements=("us.anthropic.claude-sonnet-4-20250514-v1:0",),
            url="https://aws.example/lifecycle",
        ),
    )
    return Alert(team="payments", channel="email", kind="new", title="Deprecations", items=items)


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_ids_and_dates_never_break() -> None:
    html = html_of(render_alert_email(alert(), now=NOW, sender="s@e.co", recipients=["a@b.co"]))
    assert "break-all" not in html
    nowrap = r'<span style="white-space:nowrap;">{}</span>'
    spans = re.findall(nowrap.format(r"([^<]*)"), html)
    for token in ("nimbus-large-1", "nimbus-large-2", "2026-11-23", "us.anthropic.claude-3-5"):
        assert any(token in span for span in spans), token
    assert "us.anthropic.claude-sonnet-4-20250514-v1:0" in spans
    assert '<strong style="white-space:nowrap;">2027-01-20</strong>' in html


def test_items_stack_instead_of_a_five_column_table() -> None:
    html = html_of(render_alert_email(alert(), now=NOW, sender="s@e.co", recipients=["a@b.co"]))
    assert "<th" not in html  # no header row whose columns a phone must squeeze
    assert html.count("<td") == html.count("<tr")  # one cell per row: no columns
    widths = [int(w) for w in re.findall(r"width:100%;[^\"]*max-width:(\d+)px", html)]
    assert len(widths) == 2 * len(alert().items)
    pair = widths[:2]
    assert sum(pair) <= CARD_INNER  # side by side in an 800 px window
    assert sum(pair) > 390  # and so stacked on a phone


def test_keep_whole_escapes_and_lets_huge_names_wrap() -> None:
    assert html_keep_whole("<b>a-b</b>") == (
        '&lt;b&gt;<span style="white-space:nowrap;">a-b</span>&lt;/b&gt;'
    )
    long = "x-" * 60
    assert "nowrap" not in html_keep_whole(long)


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs chromium (apt-get install)")
def test_no_horizontal_overflow_at_390_px_in_chromium(tmp_path: Path) -> None:
    html = html_of(render_alert_email(alert(), now=NOW, sender="s@e.co", recipients=["a@b.co"]))
    page = tmp_path / "mail.html"
    page.write_text(
        html.replace(
            "</body>",
            "<script>addEventListener('load',()=>parent.postMessage("
            "String(document.documentElement.scrollWidth),'*'))</script></body>",
        )
    )
    frame = tmp_path / "frame.html"
    frame.write_text(
        f'<html><body style="margin:0"><iframe src="{page.as_uri()}" width="390" height="900">'
        "</iframe><script>addEventListener('message',e=>document.body.setAttribute("
        "'data-w',e.data))</script></body></html>"
    )
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=500,900",
         "--allow-file-access-from-files", "--virtual-time-budget=3000", "--dump-dom",
         frame.as_uri()],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    found = re.search(r'data-w="(\d+)"', done.stdout)
    assert found, done.stderr[-500:]
    assert int(found.group(1)) <= 390


def test_machine_sent_headers_threading_and_why_footer() -> None:
    """Issue 19: e-mails carry Auto-Submitted and List-Id, follow-ups of one model thread
    together (In-Reply-To / References), and a footer says why the team got it."""
    one = Alert(
        team="payments",
        channel="email",
        kind="new",
        title="New",
        items=(AlertItem(kind="new", provider="nimbus", model="nimbus-large-1"),),
    )
    later = Alert(
        team="payments",
        channel="email",
        kind="reminder",
        title="Reminder",
        items=(AlertItem(kind="reminder", provider="nimbus", model="nimbus-large-1"),),
    )
    first = render_alert_email(one, now=NOW, sender="s@e.co", recipients=["a@b.co"])
    second = render_alert_email(later, now=NOW, sender="s@e.co", recipients=["a@b.co"])
    for message in (first, second):
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["List-Id"] == "Sunset Watch for payments <payments.sunset-watch.e.co>"
    assert first["References"] == second["References"] == second["In-Reply-To"]
    assert first["Message-ID"] != second["Message-ID"]
    other = render_alert_email(alert(), now=NOW, sender="s@e.co", recipients=["a@b.co"])
    assert other["References"] is None  # several models: no one thread
    text = first.get_body(preferencelist=("plain",)).get_content()
    assert "You get this because teams.yml gives this address to team payments" in text
    assert "edit team payments in teams.yml" in html_of(first)


def test_an_operator_notice_is_no_model_table_and_says_why_ops_got_it() -> None:
    """Issue 19: the ops notice e-mail was drawn inside an empty model table."""
    notice = Alert(
        team="ops",
        channel="email",
        kind="ops",
        title="Source failing",
        items=(AlertItem(kind="ops", provider="acme", model="acme-deprecations", note="HTTP 503"),),
    )
    message = render_alert_email(notice, now=NOW, sender="s@e.co", recipients=["ops@b.co"])
    html = html_of(message)
    assert "Replacement:" not in html and "Shuts down" not in html and "<th" not in html
    assert "delivery.ops" in html
    assert "delivery.ops" in message.get_body(preferencelist=("plain",)).get_content()
