"""Every line of the grammar is read at least once, in every layout.

The generated suite (`test_grammar_suite.py`) samples its templates with Hypothesis, which
need not draw each one: a template it never drew would be a grammar line nobody checks. Here
each template of the main lists runs once through the very test body that owns it (the
Hypothesis test's `inner_test`), with fixed subjects, dates and layouts.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests import test_grammar_suite as suite
from tests.announcement_grammar import (
    DATE_FORMS,
    DATE_STATEMENTS,
    LAYOUTS,
    NOTES_CELLS,
    OBJECT_FORMS,
    PREDICATES,
    REDIRECTS,
    REMOVALS_IN_AN_ENTRY,
    REPLACEMENTS,
    REQUEST_PREDICATES,
    STATUS_CELLS,
    SUCCESSOR_CLAUSES,
    ZH_ENTRY_FORMS,
)

ONE = ("orca-chat-2",)
TWO = ("orca-chat-2", "heron-3-mini")
DATE = dt.date(2027, 7, 31)
ISO = next(f for f in DATE_FORMS if f[0] == "ISO")
REP = "orca-chat-4"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("predicate", PREDICATES, ids=lambda p: p[0])
def test_every_predicate(predicate, layout):
    for ids in (ONE, TWO):
        suite.test_one_clause.hypothesis.inner_test(
            ids, "plain", predicate, DATE, ISO, REPLACEMENTS[1], REP, layout
        )


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("form", OBJECT_FORMS, ids=lambda f: f[0][:40])
def test_every_object_form(form, layout):
    suite.test_object_forms.hypothesis.inner_test(TWO, form, DATE, ISO, layout)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("predicate", REQUEST_PREDICATES, ids=lambda p: p[0][:40])
def test_every_request_predicate(predicate, layout):
    suite.test_requests_fail.hypothesis.inner_test(TWO, predicate, DATE, ISO, layout)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("template", REDIRECTS, ids=lambda t: t[:40])
def test_every_redirect(template, layout):
    suite.test_redirected.hypothesis.inner_test(TWO, template, REP, DATE, ISO, layout)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("statement", DATE_STATEMENTS)
def test_every_date_statement(statement, layout):
    suite.test_date_statement_after_the_subject.hypothesis.inner_test(
        TWO, statement, DATE, ISO, layout
    )


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("template", SUCCESSOR_CLAUSES, ids=lambda t: t[:40])
def test_every_successor_clause(template, layout):
    suite.test_successor_is_not_deprecated.hypothesis.inner_test(
        template, ONE[0], REP, DATE, layout
    )


@pytest.mark.parametrize("layout", ("md", "html"))
@pytest.mark.parametrize("cell", STATUS_CELLS, ids=lambda c: c[0])
def test_every_status_cell(cell, layout):
    suite.test_status_cell_with_its_own_date.hypothesis.inner_test(TWO, DATE, ISO, cell, layout)


@pytest.mark.parametrize("cell", NOTES_CELLS, ids=lambda c: c[0][:40])
def test_every_notes_cell(cell):
    suite.test_notes_cell_dates_its_row.hypothesis.inner_test(TWO, DATE, ISO, cell, REP)


@pytest.mark.parametrize("layout", ("markdown", "rss", "mdx"))
@pytest.mark.parametrize("removal", REMOVALS_IN_AN_ENTRY, ids=lambda r: r[0][:40])
def test_every_removal_in_an_entry(removal, layout):
    suite.test_removal_now_is_dated_by_its_entry.hypothesis.inner_test(
        TWO, dt.date(2026, 11, 2), removal, layout
    )


@pytest.mark.parametrize("layout", ("markdown", "rss"))
@pytest.mark.parametrize("form", ZH_ENTRY_FORMS, ids=lambda f: f[0][:12])
def test_every_chinese_entry_form(form, layout):
    suite.test_chinese_release_note_entries.hypothesis.inner_test(
        form, ONE[0], "kestrel-lite", REP, dt.date(2027, 3, 3), layout
    )


@pytest.mark.parametrize("layout", ("markdown", "html", "rss"))
@pytest.mark.parametrize("clause", suite.CJK_CLAUSES, ids=lambda c: c[0][:12])
def test_every_cjk_clause(clause, layout):
    for rep_text in suite.CJK_REPLACEMENTS:
        suite.test_chinese_and_japanese_clauses.hypothesis.inner_test(
            TWO, clause, DATE, rep_text, REP, layout
        )
