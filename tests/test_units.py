"""Tests for careersim.core.units: parsing, the tick clock and formatting."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from careersim.config.schema import baseline
from careersim.core.units import (
    DAYS_PER_YEAR,
    WEEKS_PER_YEAR,
    UnitError,
    format_duration,
    format_hours,
    format_rate,
    parse_duration,
    parse_hours,
    parse_quantity,
    parse_rate,
    ticks_to_years,
    years_to_ticks,
)

WEEKS_PER_MONTH = WEEKS_PER_YEAR / 12


def test_calendar_units_fall_on_whole_ticks() -> None:
    """Months, quarters and years are whole numbers of ticks (4, 12, 48), so every whole
    number of months survives the trip to ticks and back exactly; a calendar week is
    the nearest tick, and a year made of smaller units is exactly one year."""
    for k in range(12 * 200):
        assert years_to_ticks(parse_duration(f"{k} months")) == 4 * k
        assert ticks_to_years(years_to_ticks(k / 12)) == k / 12
    assert [years_to_ticks(parse_duration(t)) for t in ("1 quarter", "1 year", "1 week", "52 weeks")] == [12, 48, 1, 48]
    assert {parse_duration(t) for t in ("12 months", "4 quarters", "365.25 days", "1 year")} == {1.0}
    assert parse_duration("7 days") == parse_duration("1 week") == 7 / 365.25
    assert parse_duration("2 fortnights") == parse_duration("4 weeks")
    assert parse_rate("1 per 7 days") == parse_rate("weekly") == 365.25 / 7


DURATIONS = [
    (2, 2.0),
    (0.5, 0.5),
    (0, 0.0),
    ("6 months", 0.5),
    ("2 years", 2.0),
    ("1 year", 1.0),
    ("3 weeks", 3 / WEEKS_PER_YEAR),
    ("10 days", 10 / DAYS_PER_YEAR),
    ("1.5 yr", 1.5),
    ("18 mo", 1.5),
    ("6mo", 0.5),
    ("1 Y", 1.0),
    ("2 YEARS", 2.0),
    ("1 wk", 1 / WEEKS_PER_YEAR),
    ("1 w", 1 / WEEKS_PER_YEAR),
    ("1 day", 1 / DAYS_PER_YEAR),
    ("4 d", 4 / DAYS_PER_YEAR),
    ("1 month", 1 / 12),
    ("2 fortnights", 4 / WEEKS_PER_YEAR),
    ("1 quarter", 0.25),
    ("a year", 1.0),
    ("  3   months ", 0.25),
    ("1.5", 1.5),
]


@pytest.mark.parametrize(("text", "expected"), DURATIONS)
def test_parse_duration(text: object, expected: float) -> None:
    assert parse_duration(text) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_parse_duration_exact_months() -> None:
    assert parse_duration("6 months") == 0.5
    assert parse_duration("3 months") == 0.25


RATES = [
    (4, 4.0),
    ("4 per year", 4.0),
    ("2 per month", 24.0),
    ("1 per 2 weeks", WEEKS_PER_YEAR / 2),
    ("0.5/week", WEEKS_PER_YEAR / 2),
    ("0.5 / wk", WEEKS_PER_YEAR / 2),
    ("1 every 6 months", 2.0),
    ("every 6 months", 2.0),
    ("every year", 1.0),
    ("3 a year", 3.0),
    ("twice a year", 2.0),
    ("2 times per month", 24.0),
    ("weekly", WEEKS_PER_YEAR),
    ("monthly", 12.0),
    ("yearly", 1.0),
    ("annually", 1.0),
    ("fortnightly", WEEKS_PER_YEAR / 2),
    ("quarterly", 4.0),
    ("Daily", DAYS_PER_YEAR),
    ("1 per annum", 1.0),
    ("0 per year", 0.0),
    ("12", 12.0),
]


@pytest.mark.parametrize(("text", "expected"), RATES)
def test_parse_rate(text: object, expected: float) -> None:
    assert parse_rate(text) == pytest.approx(expected, rel=1e-12)


def test_parse_rate_exact() -> None:
    assert parse_rate("1 per 2 weeks") == WEEKS_PER_YEAR / 2


HOURS = [
    (2, 2.0),
    (0.5, 0.5),
    ("1 hour every 2 weeks", 0.5),
    ("2 hours per week", 2.0),
    ("1 h/week", 1.0),
    ("1h / wk", 1.0),
    ("30 minutes per week", 0.5),
    ("90 min per week", 1.5),
    ("1 hour a month", 1 / WEEKS_PER_MONTH),
    ("1 hour per fortnight", 0.5),
    ("an hour a week", 1.0),
    ("2 hours weekly", 2.0),
    ("1 hour per day", 7.0),
    ("52 hours per year", 52 / WEEKS_PER_YEAR),
    ("3", 3.0),
]


@pytest.mark.parametrize(("text", "expected"), HOURS)
def test_parse_hours(text: object, expected: float) -> None:
    assert parse_hours(text) == pytest.approx(expected, rel=1e-12)


def test_parse_hours_exact_half() -> None:
    assert parse_hours("1 hour every 2 weeks") == 0.5


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("6 moths", "unknown unit 'moths'"),
        ("6 moths", "days, weeks"),
        ("6 moths", "'6 months'"),
        ("-3 months", "negative"),
        (-1, "negative"),
        ("nan years", "finite"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ("inf", "finite"),
        (True, "could not read True"),
        (None, "could not read None"),
        ("", "could not read ''"),
        ("months", "could not read 'months'"),
    ],
)
def test_parse_duration_errors(text: object, fragment: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_duration(text)
    assert fragment in str(info.value)


def test_error_message_shape() -> None:
    with pytest.raises(
        UnitError, match=r"could not read '6 moths' as a duration: unknown unit 'moths' \(expected one of"
    ):
        parse_duration("6 moths")


@pytest.mark.parametrize(
    "text", ["4 per lightyear", "-2 per year", "1 per 0 weeks", "hourly", "a year", "2 hours", float("nan"), False, "x"]
)
def test_parse_rate_errors(text: object) -> None:
    with pytest.raises(UnitError, match="rate"):
        parse_rate(text)


@pytest.mark.parametrize(
    "text",
    [
        "2 hours",
        "2 days per week",
        "1 hour every 2 eons",
        "-1 hour per week",
        math.inf,
        True,
        "1 hour every 0 weeks",
        [],
    ],
)
def test_parse_hours_errors(text: object) -> None:
    with pytest.raises(UnitError, match="hours per week"):
        parse_hours(text)


def test_parse_hours_error_says_how_often() -> None:
    with pytest.raises(UnitError, match="say how often"):
        parse_hours("2 hours")


@pytest.mark.parametrize("text", ["3 kilograms", "2 years", "one day"])
def test_parse_hours_does_not_suggest_a_period_for_what_is_not_hours(text: str) -> None:
    """An amount in another unit is not hours without a period: no "'3 kilograms per week'"."""
    with pytest.raises(UnitError) as info:
        parse_hours(text)
    message = str(info.value)
    assert "is not hours or minutes" in message and f"{text} per week" not in message


def test_a_unit_error_in_a_scenario_is_located_at_its_parameter() -> None:
    """The schema's validators let unit errors through as validation errors that name the
    parameter, so a scenario file's message points at the line; all of them at once."""
    with pytest.raises(ValidationError) as info:
        baseline().with_changes({"phd.duration": "6 moths", "independent.mentor_hours": "2 hours"})
    errors = {e["loc"]: e["msg"] for e in info.value.errors()}
    assert set(errors) == {("phd", "duration"), ("independent", "mentor_hours")}
    assert "could not read '6 moths' as a duration: unknown unit 'moths'" in errors[("phd", "duration")]
    assert "say how often" in errors[("independent", "mentor_hours")]


def test_parse_quantity_dispatch() -> None:
    assert parse_quantity("6 months", "duration") == 0.5
    assert parse_quantity("monthly", "rate") == 12.0
    assert parse_quantity("1 hour every 2 weeks", "hours") == 0.5
    assert parse_quantity(3, "number") == 3.0
    assert parse_quantity("-2.5", "number") == -2.5
    assert parse_quantity(" 1e-3 ", "number") == 0.001


@pytest.mark.parametrize("value", ["6 months", True, float("nan"), "inf", None])
def test_parse_quantity_number_errors(value: object) -> None:
    with pytest.raises(UnitError, match="number"):
        parse_quantity(value, "number")


def test_parse_quantity_unknown_kind() -> None:
    with pytest.raises(UnitError, match="unknown quantity kind 'durations'.*duration, rate, hours, number"):
        parse_quantity(1, "durations")


@pytest.mark.parametrize(
    ("years", "ticks"),
    [
        (0.25, 12),
        (1, 48),
        (0, 0),
        (0.5, 24),
        (1 / 12, 4),
        (parse_duration("3 months"), 12),
        (parse_duration("1 week"), 1),
        (1.5 / 48, 2),  # half a tick rounds away from zero
        (2.5 / 48, 3),
        (-1.5 / 48, -2),
        (0.4 / 48, 0),
    ],
)
def test_years_to_ticks(years: float, ticks: int) -> None:
    result = years_to_ticks(years)
    assert result == ticks
    assert isinstance(result, int)


def test_ticks_to_years() -> None:
    assert ticks_to_years(12) == 0.25
    assert ticks_to_years(48) == 1.0
    assert years_to_ticks(ticks_to_years(37)) == 37


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, "1"])
def test_years_to_ticks_errors(bad: object) -> None:
    with pytest.raises(UnitError):
        years_to_ticks(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("years", "text"),
    [
        (0.5, "6 months"),
        (2, "2 years"),
        (1, "1 year"),
        (3 / WEEKS_PER_YEAR, "3 weeks"),
        (10 / DAYS_PER_YEAR, "10 days"),
    ],
)
def test_format_duration(years: float, text: str) -> None:
    assert format_duration(years) == text


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (4, "4 per year"),
        (24, "2 per month"),
        (WEEKS_PER_YEAR / 2, "1 every 2 weeks"),
        (0.5, "1 every 2 years"),
        (12, "12 per year"),
    ],
)
def test_format_rate(rate: float, text: str) -> None:
    assert format_rate(rate) == text


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (0.5, "1 hour every 2 weeks"),
        (2, "2 hours per week"),
        (1, "1 hour per week"),
        (1 / WEEKS_PER_MONTH, "1 hour per month"),
    ],
)
def test_format_hours(hours: float, text: str) -> None:
    assert format_hours(hours) == text


@pytest.mark.parametrize("years", [0.5, 2, 1, 1.5, 2.5, 0.25, 3 / WEEKS_PER_YEAR, 10 / DAYS_PER_YEAR, 7, 0])
def test_duration_round_trip(years: float) -> None:
    assert parse_duration(format_duration(years)) == pytest.approx(years, rel=1e-9)


@pytest.mark.parametrize("rate", [4, 24, WEEKS_PER_YEAR / 2, WEEKS_PER_YEAR, 0.5, 2, 0, 100.5])
def test_rate_round_trip(rate: float) -> None:
    assert parse_rate(format_rate(rate)) == pytest.approx(rate, rel=1e-3)


@pytest.mark.parametrize("hours", [0.5, 2, 1, 1 / WEEKS_PER_MONTH, 0.25, 1.5, 0.75, 0])
def test_hours_round_trip(hours: float) -> None:
    assert parse_hours(format_hours(hours)) == pytest.approx(hours, rel=1e-9)


@pytest.mark.parametrize("fmt", [format_duration, format_rate, format_hours])
def test_format_rejects_bad_input(fmt: object) -> None:
    for bad in (-1, float("nan"), True):
        with pytest.raises(UnitError):
            fmt(bad)  # type: ignore[operator]
