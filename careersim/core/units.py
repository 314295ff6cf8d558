"""Units and the simulation clock.

The simulation clock is an integer *tick*: one tick is a "model week" and a
model year has exactly :data:`TICKS_PER_YEAR` ticks.  User input is given in
calendar units and converted to careersim's canonical units:

* durations in **years**,
* rates in **events per year**,
* mentor time in **hours per (calendar) week**.

Numbers are taken to be in the canonical unit already; strings may name a unit,
e.g. ``"6 months"``, ``"1 every 2 weeks"`` or ``"1 hour every 2 weeks"``.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Final

from careersim.core.clock import (
    DAYS_PER_YEAR,
    MONTHS_PER_YEAR,
    TICKS_PER_MONTH,
    TICKS_PER_QUARTER,
    TICKS_PER_YEAR,
    WEEKS_PER_YEAR,
)

__all__ = [
    "TICKS_PER_YEAR",
    "TICKS_PER_MONTH",
    "TICKS_PER_QUARTER",
    "DAYS_PER_YEAR",
    "WEEKS_PER_YEAR",
    "MONTHS_PER_YEAR",
    "UnitError",
    "parse_duration",
    "parse_rate",
    "parse_hours",
    "parse_quantity",
    "years_to_ticks",
    "ticks_to_years",
    "format_duration",
    "format_rate",
    "format_hours",
]


QUANTITY_KINDS: Final[tuple[str, ...]] = ("duration", "rate", "hours", "number")


class UnitError(ValueError):
    """A value could not be read in the expected unit."""


# --------------------------------------------------------------------------
# unit tables
# --------------------------------------------------------------------------

#: how many of each calendar unit make one year
_PER_YEAR: Final[dict[str, float]] = {
    "day": DAYS_PER_YEAR,
    "week": WEEKS_PER_YEAR,
    "fortnight": WEEKS_PER_YEAR / 2,
    "month": float(MONTHS_PER_YEAR),
    "quarter": 4.0,
    "year": 1.0,
}

#: length of each calendar unit in calendar weeks
_WEEKS: Final[dict[str, float]] = {
    "day": 1 / 7,
    "week": 1.0,
    "fortnight": 2.0,
    "month": WEEKS_PER_YEAR / MONTHS_PER_YEAR,
    "quarter": WEEKS_PER_YEAR / 4,
    "year": WEEKS_PER_YEAR,
}

_UNIT_ALIASES: Final[dict[str, str]] = {
    **dict.fromkeys(["d", "day", "days"], "day"),
    **dict.fromkeys(["w", "wk", "wks", "week", "weeks"], "week"),
    **dict.fromkeys(["fortnight", "fortnights"], "fortnight"),
    **dict.fromkeys(["mo", "mos", "mth", "mths", "month", "months"], "month"),
    **dict.fromkeys(["q", "qtr", "qtrs", "quarter", "quarters"], "quarter"),
    **dict.fromkeys(["y", "yr", "yrs", "year", "years", "annum"], "year"),
}

#: "weekly" etc.: the period they name
_ADVERBS: Final[dict[str, str]] = {
    "daily": "day",
    "weekly": "week",
    "fortnightly": "fortnight",
    "monthly": "month",
    "quarterly": "quarter",
    "yearly": "year",
    "annually": "year",
}

#: divisor turning an amount of time into hours
_TIME_UNITS: Final[dict[str, float]] = {
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], 1.0),
    **dict.fromkeys(["min", "mins", "minute", "minutes"], 60.0),
}

_UNIT_LIST: Final[str] = "days, weeks, fortnights, months, quarters, years"

_NUM: Final[str] = r"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|[+-]?nan|[+-]?inf(?:inity)?)"
_COUNT: Final[str] = rf"(?:{_NUM}|once|twice|an?|one)"
_SEP: Final[str] = r"(?:(?:per|a|an|every|each)\s+|/\s*)"

_DURATION_RE = re.compile(rf"^(?P<n>{_NUM}|an?|one)\s*(?P<unit>.*)$")
_RATE_ADVERB_RE = re.compile(rf"^(?:(?P<n>{_COUNT})\s*(?:times?|x)?\s+)?(?P<adv>[a-z]+ly)$")
_RATE_RE = re.compile(rf"^(?:(?P<n>{_COUNT})\s*(?:times?|x)?\s*)?(?P<sep>{_SEP})(?:(?P<m>{_NUM})\s*)?(?P<unit>[a-z]+)$")
_HOURS_RE = re.compile(rf"^(?P<n>{_NUM}|an?|one)\s*(?P<tu>[a-z]+)\s*{_SEP}(?:(?P<m>{_NUM})\s*)?(?P<unit>[a-z]+)$")
_HOURS_ADVERB_RE = re.compile(rf"^(?P<n>{_NUM}|an?|one)\s*(?P<tu>[a-z]+)\s+(?P<adv>[a-z]+ly)$")

_WORD_COUNTS: Final[dict[str, float]] = {"a": 1.0, "an": 1.0, "one": 1.0, "once": 1.0, "twice": 2.0}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Lower-case, put spaces round '/', and collapse whitespace."""
    return " ".join(text.lower().replace("/", " / ").split())


def _is_number(x: object) -> bool:
    """True for real numbers that are not bools."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _count(token: str | None) -> float:
    """Read a count token (a number or 'a'/'once'/'twice'); None means 1."""
    if token is None:
        return 1.0
    if token in _WORD_COUNTS:
        return _WORD_COUNTS[token]
    return float(token)


def _check_value(value: float, x: object, what: str, example: str, allow_negative: bool = False) -> float:
    """Reject non-finite (and, unless allowed, negative) values with a clear message."""
    if not math.isfinite(value):
        raise UnitError(
            f"could not read {x!r} as {what}: {value!r} is not a finite number "
            f"(expected a finite value, e.g. {example!r})"
        )
    if value < 0 and not allow_negative:
        raise UnitError(f"could not read {x!r} as {what}: it is negative (expected zero or more, e.g. {example!r})")
    return float(value)


def _unit(name: str, x: object, what: str, example: str) -> str:
    """Canonical calendar unit for an alias, or a UnitError listing the accepted units."""
    try:
        return _UNIT_ALIASES[name]
    except KeyError:
        raise UnitError(
            f"could not read {x!r} as {what}: unknown unit {name!r} (expected one of {_UNIT_LIST}; e.g. {example!r})"
        ) from None


def _period(m: str | None, x: object, what: str, example: str) -> float:
    """The 'every M <unit>' multiplier; must be positive and finite."""
    if m is None:
        return 1.0
    value = float(m)
    if not math.isfinite(value) or value <= 0:
        raise UnitError(
            f"could not read {x!r} as {what}: the period count {m!r} must be a positive number (e.g. {example!r})"
        )
    return value


def _wrong_type(x: object, what: str, expected: str) -> UnitError:
    return UnitError(f"could not read {x!r} as {what}: expected {expected}")


def _numeric_string(s: str) -> float | None:
    """The float value of a plain numeric string, else None."""
    try:
        return float(s)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# parsers
# --------------------------------------------------------------------------

_DURATION_EXAMPLE = "6 months"


def parse_duration(x: object) -> float:
    """Read a duration and return it in years.

    Numbers are already years; strings name a unit, e.g. ``"6 months"``,
    ``"3 weeks"``, ``"10 days"``, ``"1.5 yr"``, ``"18 mo"``.  A plain numeric
    string is read as years.
    """
    what, ex = "a duration", _DURATION_EXAMPLE
    if _is_number(x):
        return _check_value(float(x), x, what, ex)  # type: ignore[arg-type]
    if not isinstance(x, str):
        raise _wrong_type(x, what, f"a number of years or text such as {ex!r}")
    s = _normalise(x)
    plain = _numeric_string(s)
    if plain is not None:
        return _check_value(plain, x, what, ex)
    match = _DURATION_RE.match(s)
    if match is None:
        raise UnitError(
            f"could not read {x!r} as {what}: expected a number followed by a unit ({_UNIT_LIST}; e.g. {ex!r})"
        )
    n = _check_value(_count(match["n"]), x, what, ex)
    unit_text = match["unit"].strip()
    if not unit_text:
        return n
    unit = _unit(unit_text, x, what, ex)
    return n / _PER_YEAR[unit]


_RATE_EXAMPLE = "4 per year"


def parse_rate(x: object) -> float:
    """Read a rate and return it in events per year.

    Numbers are already per year; strings may be ``"4 per year"``,
    ``"2 per month"``, ``"1 per 2 weeks"``, ``"0.5/week"``,
    ``"1 every 6 months"``, ``"every 6 months"``, ``"3 a year"``,
    ``"twice a year"``, ``"weekly"``, ``"monthly"``, ``"yearly"``,
    ``"annually"``, ``"fortnightly"``.  A plain numeric string is per year.
    """
    what, ex = "a rate", _RATE_EXAMPLE
    expected = "e.g. '4 per year', '1 every 6 months' or 'monthly'"
    if _is_number(x):
        return _check_value(float(x), x, what, ex)  # type: ignore[arg-type]
    if not isinstance(x, str):
        raise _wrong_type(x, what, f"a number per year or text such as {ex!r}")
    s = _normalise(x)
    plain = _numeric_string(s)
    if plain is not None:
        return _check_value(plain, x, what, ex)

    match = _RATE_ADVERB_RE.match(s)
    if match is not None:
        adverb = match["adv"]
        if adverb not in _ADVERBS:
            raise UnitError(
                f"could not read {x!r} as {what}: unknown frequency {adverb!r} "
                f"(expected one of {', '.join(_ADVERBS)}; {expected})"
            )
        n = _check_value(_count(match["n"]), x, what, ex)
        return n * _PER_YEAR[_ADVERBS[adverb]]

    match = _RATE_RE.match(s)
    if match is None:
        raise UnitError(f"could not read {x!r} as {what}: expected a count per period ({expected})")
    if match["n"] is None and match["sep"].strip() in ("a", "an"):
        raise UnitError(f"could not read {x!r} as {what}: say how many ({expected})")
    n = _check_value(_count(match["n"]), x, what, ex)
    m = _period(match["m"], x, what, "1 every 6 months")
    unit = _unit(match["unit"], x, what, ex)
    return n * _PER_YEAR[unit] / m


_HOURS_EXAMPLE = "1 hour every 2 weeks"


def parse_hours(x: object) -> float:
    """Read an amount of (mentor) time per period and return hours per calendar week.

    Numbers are already hours per week; strings may be ``"2 hours per week"``,
    ``"1 h/week"``, ``"1 hour every 2 weeks"``, ``"30 minutes per week"``,
    ``"1 hour a month"`` (a month is ``WEEKS_PER_YEAR/12`` weeks),
    ``"1 hour per fortnight"`` or ``"2 hours weekly"``.
    """
    what, ex = "hours per week", _HOURS_EXAMPLE
    if _is_number(x):
        return _check_value(float(x), x, what, ex)  # type: ignore[arg-type]
    if not isinstance(x, str):
        raise _wrong_type(x, what, f"a number of hours per week or text such as {ex!r}")
    s = _normalise(x)
    plain = _numeric_string(s)
    if plain is not None:
        return _check_value(plain, x, what, ex)

    match = _HOURS_ADVERB_RE.match(s)
    if match is not None and match["adv"] in _ADVERBS:
        unit = _ADVERBS[match["adv"]]
        m = 1.0
    else:
        match = _HOURS_RE.match(s)
        alone = None if match is not None else re.match(rf"^(?:{_NUM}|an?|one)\s*(?P<tu>[a-z]+)$", s)
        if alone is not None and alone["tu"] in _TIME_UNITS:  # an amount of time without its period
            raise UnitError(f"could not read {x!r} as {what}: say how often (e.g. '{x} per week' or {ex!r})")
        if alone is not None:
            raise UnitError(
                f"could not read {x!r} as {what}: {alone['tu']!r} is not hours or minutes (expected hours "
                f"or minutes per period, e.g. {ex!r} or '2 hours per week')"
            )
        if match is None:
            raise UnitError(
                f"could not read {x!r} as {what}: expected an amount of time per period "
                f"(e.g. {ex!r}, '2 hours per week' or '30 minutes per week')"
            )
        unit = _unit(match["unit"], x, what, ex)
        m = _period(match["m"], x, what, ex)
    time_unit = match["tu"]
    if time_unit not in _TIME_UNITS:
        raise UnitError(
            f"could not read {x!r} as {what}: unknown time unit {time_unit!r} (expected hours or minutes; e.g. {ex!r})"
        )
    n = _check_value(_count(match["n"]), x, what, ex)
    return n / _TIME_UNITS[time_unit] / (m * _WEEKS[unit])


def _parse_number(x: object) -> float:
    """A finite plain number (int, float or numeric string); negative allowed."""
    what, ex = "a number", "0.5"
    if _is_number(x):
        return _check_value(float(x), x, what, ex, allow_negative=True)  # type: ignore[arg-type]
    if isinstance(x, str):
        value = _numeric_string(x.strip())
        if value is not None:
            return _check_value(value, x, what, ex, allow_negative=True)
        raise UnitError(f"could not read {x!r} as {what}: expected a plain number such as {ex!r}")
    raise _wrong_type(x, what, f"a plain number such as {ex}")


def parse_quantity(x: object, kind: str) -> float:
    """Read ``x`` as a quantity of the given kind in canonical units.

    ``kind`` is one of ``"duration"`` (years), ``"rate"`` (per year),
    ``"hours"`` (hours per week) or ``"number"`` (a plain finite number).
    """
    if kind == "duration":
        return parse_duration(x)
    if kind == "rate":
        return parse_rate(x)
    if kind == "hours":
        return parse_hours(x)
    if kind == "number":
        return _parse_number(x)
    raise UnitError(f"unknown quantity kind {kind!r} (expected one of {', '.join(QUANTITY_KINDS)}; e.g. 'duration')")


# --------------------------------------------------------------------------
# clock
# --------------------------------------------------------------------------


def years_to_ticks(years: float) -> int:
    """Convert years to the nearest whole tick, rounding halves away from zero."""
    if not _is_number(years) or not math.isfinite(float(years)):
        raise UnitError(f"cannot convert {years!r} years to ticks: expected a finite number of years, e.g. 0.25")
    exact = round(float(years) * TICKS_PER_YEAR, 9)  # absorb float noise such as 11.999999999999998
    return int(math.copysign(math.floor(abs(exact) + 0.5), exact))


def ticks_to_years(ticks: int) -> float:
    """Convert a tick count to years."""
    if not _is_number(ticks):
        raise UnitError(f"cannot convert {ticks!r} ticks to years: expected a whole number of ticks, e.g. 12")
    return float(ticks) / TICKS_PER_YEAR


# --------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------


def _is_whole(v: float) -> bool:
    return abs(v - round(v)) <= 1e-9 * max(1.0, abs(v))


def _num(v: float) -> str:
    """Compact text for a number: whole numbers without decimals, else 4 significant digits."""
    if _is_whole(v):
        return str(int(round(v)))
    return f"{v:.4g}"


def _plural(count: float, unit: str) -> str:
    text = _num(count)
    return f"{text} {unit}" if text == "1" else f"{text} {unit}s"


def _check_format_input(value: float, what: str, example: str) -> float:
    if not _is_number(value) or not math.isfinite(float(value)) or value < 0:
        raise UnitError(f"cannot format {value!r} as {what}: expected a finite number >= 0, e.g. {example}")
    return float(value)


def format_duration(years: float) -> str:
    """Human text for a duration in years, e.g. ``"6 months"``, ``"2 years"``, ``"3 weeks"``."""
    years = _check_format_input(years, "a duration", "0.5")
    if years == 0:
        return "0 years"
    if _is_whole(years):
        return _plural(years, "year")
    if years >= 2 and _is_whole(2 * years):
        return _plural(years, "year")
    for unit in ("month", "week", "day"):
        count = years * _PER_YEAR[unit]
        if _is_whole(count) and count >= 1:
            return _plural(count, unit)
    for unit in ("year", "month", "week", "day"):
        count = years * _PER_YEAR[unit]
        if count >= 1 or unit == "day":
            return _plural(count, unit)
    raise AssertionError("unreachable")  # pragma: no cover


def format_rate(per_year: float) -> str:
    """Human text for a rate per year, e.g. ``"4 per year"``, ``"1 every 2 weeks"``."""
    per_year = _check_format_input(per_year, "a rate", "4")
    if per_year == 0:
        return "0 per year"
    if _is_whole(per_year) and per_year <= 12:
        return f"{_num(per_year)} per year"
    for unit in ("year", "month", "week", "day"):
        every = _PER_YEAR[unit] / per_year  # period in this unit
        if _is_whole(every) and every >= 1:
            return f"1 per {unit}" if _num(every) == "1" else f"1 every {_plural(every, unit)}"
    for unit in ("month", "week", "day"):
        count = per_year / _PER_YEAR[unit]
        if _is_whole(count) and count >= 1:
            return f"{_num(count)} per {unit}"
    return f"{_num(per_year)} per year"


def format_hours(h_per_week: float) -> str:
    """Human text for hours per week, e.g. ``"2 hours per week"``, ``"1 hour every 2 weeks"``."""
    h = _check_format_input(h_per_week, "hours per week", "0.5")
    if h == 0:
        return "0 hours per week"
    if _is_whole(h):
        return f"{_plural(h, 'hour')} per week"
    every = 1 / h
    if _is_whole(every) and every >= 1:
        return f"1 hour every {_plural(every, 'week')}"
    per_month = h * _WEEKS["month"]
    if _is_whole(per_month) and per_month >= 1:
        return f"{_plural(per_month, 'hour')} per month"
    minutes = h * 60
    if h < 1 and _is_whole(minutes):
        return f"{_plural(minutes, 'minute')} per week"
    return f"{_plural(h, 'hour')} per week"
