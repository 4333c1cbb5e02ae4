"""`may_contain`: False only when a case-insensitive pattern needing a piece cannot match."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core.text_guard import may_contain


def test_absent_pieces_say_no() -> None:
    assert not may_contain("The model stays.", ("below", "listed here"))


def test_present_piece_in_any_case_says_yes() -> None:
    assert may_contain("See the models listed BELOW.", ("below",))


def test_characters_that_fold_apart_run_the_regex() -> None:
    # re.IGNORECASE matches "ſ" to "s", "ı"/"İ" to "i"; str.lower() does not fold them
    for text in ("ſunset", "retİred", "retıred"):
        assert may_contain(text, ("sunset", "retired"))
        assert re.search(r"sunset|retired", text, re.IGNORECASE)


def test_kelvin_sign_folds_with_lower() -> None:
    assert may_contain("\u212aeep", ("keep",))
    assert re.search("keep", "\u212aeep", re.IGNORECASE)


# Each pre-check in the extraction passes: (pattern, pieces one of which every match holds).
def _guards() -> list[tuple[str, re.Pattern[str], tuple[str, ...]]]:
    from pipeline.extract import clause_lexicon, context, cues, dates, prose, scopes

    guards = [
        ("NOT_ANNOUNCEMENT", cues.NOT_ANNOUNCEMENT, cues._NOT_ANNOUNCEMENT_PIECES),
        ("CLAUSE_ONLY", cues.CLAUSE_ONLY, cues._CLAUSE_ONLY_PIECES),
        ("FLOOR", cues.FLOOR, cues.FLOOR_PIECES),
        ("SENTENCE", cues.SENTENCE, tuple(cues._SENTENCE_ENDS)),
        ("BELOW", scopes.BELOW, scopes._BELOW_PIECES),
        ("_REPLACEMENT_SENTENCE", prose._REPLACEMENT_SENTENCE, prose._REPLACEMENT_PIECES),
        ("_DISPLAY_PAREN", context._DISPLAY_PAREN, ("(",)),
        ("_MONTH_FIRST_FORM", dates._MONTH_FIRST_FORM, dates._MONTH_PIECES),
        ("_DAY_FIRST", dates._DAY_FIRST, dates._MONTH_PIECES),
        ("SLASH_EITHER", dates.SLASH_EITHER, ("/",)),
        ("API_CONTEXT", cues.API_CONTEXT, cues._API_PIECES),
        ("FOLLOWS", clause_lexicon.FOLLOWS, ("follow",)),
    ]
    named = [*dates.PATTERNS, ("dmy_dot", dates.DMY_DOT), ("us", dates.US_PATTERN)]
    named.append(("slash_either", dates.SLASH_EITHER))
    for name, pattern in named:
        if name in dates._NEEDS:
            guards.append((name, pattern, tuple(dates._NEEDS[name])))
    return guards


@pytest.mark.parametrize("name", [name for name, _, _ in _guards()])
def test_every_match_of_a_guarded_pattern_holds_a_piece(name: str) -> None:
    """Strings generated from each guarded pattern (in any letter case) pass its pre-check:
    the pre-check never skips a search that would have matched."""
    pattern, pieces = next((p, pc) for n, p, pc in _guards() if n == name)

    @settings(max_examples=300, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern))
    def check(text: str) -> None:
        if pattern.search(text):
            assert may_contain(text, pieces), text

    check()


def test_every_full_date_pattern_needs_four_digits() -> None:
    from pipeline.extract import dates

    @settings(max_examples=300, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(dates.PATTERNS).flatmap(lambda np: st.from_regex(np[1])))
    def check(text: str) -> None:
        assert dates._FOUR_DIGITS.search(text), text

    check()


@pytest.mark.parametrize("slug", ["chatgpt", "claude-app", "gemini-app", "copilot", "le-chat"])
def test_every_product_pattern_match_holds_its_word(slug: str) -> None:
    from pipeline.extract import cues

    pattern = dict(cues.PRODUCTS)[slug]
    word = cues.PRODUCT_WORDS[slug]

    @settings(max_examples=100, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern))
    def check(text: str) -> None:
        if pattern.search(text):
            assert word in text, text

    check()


def test_only_weak_cues_without_a_weak_word_is_false() -> None:
    from pipeline.extract.cues import only_weak_cues

    assert not only_weak_cues("`x-1` will be retired on May 1, 2026.")
    assert not only_weak_cues("Nothing to see here.")
    assert only_weak_cues("GPT-4: An older high-intelligence model")
    assert not only_weak_cues("The legacy `x-1` model will be retired.")
