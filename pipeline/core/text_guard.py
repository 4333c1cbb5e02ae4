"""A cheap substring test before a case-insensitive regular expression.

`may_contain(text, pieces)` is False only when no piece occurs in `text` the way an
`re.IGNORECASE` pattern would see it; a pattern each of whose alternatives contains one of
the pieces then cannot match, and its search can be skipped. Pieces are lower case (or
caseless, such as CJK). The few non-ASCII characters that `re.IGNORECASE` matches to an ASCII
letter and `str.lower` does not fold to it (dotted and dotless i, long s) make the answer
True: the caller then runs its regex, so the test never changes an answer, only its cost.
"""

from __future__ import annotations

from collections.abc import Iterable

# re.IGNORECASE matches these to "i", "i", "s"; str.lower() leaves them (or "İ" -> "i̇") apart
_FOLDS_APART = ("\u0130", "\u0131", "\u017f")


def may_contain(text: str, pieces: Iterable[str]) -> bool:
    """Whether a case-insensitive pattern needing one of `pieces` could match `text`."""
    if "\u0130" in text or "\u0131" in text or "\u017f" in text:  # _FOLDS_APART
        return True
    low = text.lower()
    for piece in pieces:  # noqa: SIM110 (a plain loop: cheaper than any() over a generator)
        if piece in low:
            return True
    return False
