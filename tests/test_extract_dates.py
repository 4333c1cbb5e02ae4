"""Date grammar rules."""

import datetime as dt

import pytest

from pipeline.extract.dates import find_dates, has_month_only, month_day, parse_date

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026\u201103\u201126", D(2026, 3, 26)),  # U+2011 non-breaking hyphens
        ("2026\u201303\u201326", D(2026, 3, 26)),
        ("Jan 20, 2027", D(2027, 1, 20)),
        ("January 20th, 2027", D(2027, 1, 20)),
        ("20 January 2027", D(2027, 1, 20)),
        ("2027/01/20", D(2027, 1, 20)),
        ("2025年7月14日", D(2025, 7, 14)),
        ("October 10, 2026, 00:00:00", D(2026, 10, 10)),
        ("On June 10th, 2025, we notified", D(2025, 6, 10)),
        ("30-Jun-2026", D(2026, 6, 30)),
        ("retired on 3/Mar/2027.", D(2027, 3, 3)),
        ("2026년 6월 30일", D(2026, 6, 30)),
        ("after 31/01/2027", D(2027, 1, 31)),  # day first: 31 cannot be a month
        ("after 01/31/2027", D(2027, 1, 31)),  # month first: 31 cannot be a month
    ],
)
def test_formats(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


def test_us_numeric_only_when_allowed() -> None:
    assert parse_date("04/14/25") is None
    assert parse_date("06/07/2026") is None  # June 7 or 6 July: no order is certain
    assert parse_date("06/07/2026", us_numeric=True) == D(2026, 6, 7)
    assert parse_date("30/06/2026", us_numeric=True) == D(2026, 6, 30)
    assert parse_date("04/14/25", us_numeric=True) == D(2025, 4, 14)
    assert parse_date("1/6/25", us_numeric=True) == D(2025, 1, 6)


@pytest.mark.parametrize("text", ["October 2025", "in six months", "Q1 2026", "We may 2026"])
def test_month_only_and_relative_give_nothing(text: str) -> None:
    assert parse_date(text, us_numeric=True) is None


def test_month_only_detected() -> None:
    assert has_month_only("will be deprecated in October, 2025")


@pytest.mark.parametrize("text", ["2525/06/06", "1999-01-01", "2026-02-30", "13/45/2025"])
def test_implausible_dates_rejected(text: str) -> None:
    assert parse_date(text, us_numeric=True) is None


def test_date_inside_model_id_is_not_a_date() -> None:
    assert find_dates("gpt-4o-realtime-preview-2024-10-01 ships") == []


def test_month_day_takes_year_from_context() -> None:
    assert month_day("November 18th:", D(2025, 11, 4)) == D(2025, 11, 18)
    assert month_day("January 9th:", D(2025, 11, 4)) == D(2026, 1, 9)


def test_day_month_year_with_dots_only_when_unambiguous() -> None:
    from pipeline.extract.dates import parse_date

    assert str(parse_date("on 31.01.2027.")) == "2027-01-31"
    assert parse_date("on 05.01.2027") is None  # May 1 or January 5: no date
    assert parse_date("version 1.31.01.2027") is None
    assert str(parse_date("Jan. 31, 2027")) == "2027-01-31"
