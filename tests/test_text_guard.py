"""`may_contain`: False only when a case-insensitive pattern needing a piece cannot match."""

from __future__ import annotations

import re

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
