"""Numbers as text for people: shares, numbers, differences in points, intervals.

Used by every page and by the terminal, so the same number reads the same
everywhere.
"""

from __future__ import annotations

import math
from typing import Any

#: the fewest replications (in which a number is defined) from which pages show an
#: interval; with fewer they say "too few replications to tell" instead of a range of one value
MIN_REPLICATIONS = 3


def finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def pct(x: Any) -> str:
    """A share as a percentage with sensible precision: 12%, 7.7%, 0.45%."""
    if not finite(x):
        return "n/a"
    v = 100.0 * float(x)
    a = abs(v)
    if a == 0:
        return "0%"
    if a >= 10:
        return f"{v:.0f}%"
    if a >= 1:
        return f"{v:.1f}%"
    if a >= 0.1:
        return f"{v:.2f}%"
    if a >= 0.001:
        return f"{v:.3f}".rstrip("0") + "%"
    return "<0.001%" if v > 0 else "\u2212<0.001%"


def num(x: Any, signed: bool = False) -> str:
    """A number to about three significant figures (thousands separated)."""
    if not finite(x):
        return "n/a"
    v = float(x)
    sign = "+" if signed and v > 0 else ""
    a = abs(v)
    if a == 0:
        return "0"
    if v.is_integer() and a < 1e15:
        return sign + f"{int(v):,}".replace("-", "\u2212")
    if a >= 1000:
        s = f"{v:,.0f}"
    elif a >= 100:
        s = f"{v:.0f}"
    elif a >= 10:
        s = f"{v:.1f}"
    elif a >= 0.01:
        s = f"{v:.3g}"
    elif a >= 1e-6:
        decimals = 1 - int(math.floor(math.log10(a)))  # two significant digits, never in e-notation
        s = f"{v:.{decimals}f}"
    else:
        return ("<" if v > 0 else ">\u2212") + "0.000001"
    return sign + s.replace("-", "\u2212")


def points(x: Any, signed: bool = True) -> str:
    """A difference of shares in percentage points: +1.2."""
    if not finite(x):
        return "n/a"
    v = 100.0 * float(x)
    a = abs(v)
    s = f"{v:+.0f}" if a >= 10 else (f"{v:+.1f}" if a >= 1 else f"{v:+.2f}" if a >= 0.01 else f"{v:+.3f}")
    if v == 0:
        s = "0"
    elif a < 0.001:
        s = "\u22480"
    if not signed:
        s = s.lstrip("+")
    return s.replace("-", "\u2212")


def value_text(x: Any, unit: str, signed: bool = False) -> str:
    if unit == "share":
        return points(x) + " percentage points" if signed else pct(x)
    return num(x, signed)


def interval_text(low: Any, high: Any, unit: str, diff: bool = False) -> str:
    if not (finite(low) and finite(high)):
        return "interval not available"
    if unit == "share":
        lo, hi = (points(low), points(high)) if diff else (pct(low), pct(high))
        if lo == hi and float(low) != float(high):  # a narrow interval: as many decimals as tell its ends apart
            lo, hi = _told_apart(100.0 * float(low), 100.0 * float(high), diff)
        return f"{lo} to {hi} points" if diff else f"{lo} to {hi}"
    return f"{num(low, diff)} to {num(high, diff)}"


def _told_apart(low: float, high: float, signed: bool) -> tuple[str, str]:
    """Two percentages (``12.1%``) or signed percentage points (``+12.1``) with one to
    three decimals, the fewest that make them differ."""
    for decimals in (1, 2, 3):
        lo, hi = (f"{v:{'+' if signed else ''}.{decimals}f}".replace("-", "\u2212") for v in (low, high))
        if lo != hi:
            break
    return (lo, hi) if signed else (lo + "%", hi + "%")


def range_text(iv: dict | None, unit: str, diff: bool = False, min_n: int = MIN_REPLICATIONS) -> str:
    """The interval of ``iv`` (``low``, ``high``, ``n``) as text; "too few replications to
    tell" when it rests on fewer than ``min_n`` replications, and "same in all n
    replications" when every replication gave one value (never a range of zero width)."""
    iv = iv or {}
    n = iv.get("n")
    if n is not None and finite(n) and int(n) < min_n:
        return f"too few replications to tell ({int(n)})"
    low, high = iv.get("low"), iv.get("high")
    if not (finite(low) and finite(high)):
        return "interval not available"
    if float(low) == float(high):
        return f"same in all {int(n)} replications" if n is not None and finite(n) else "no spread"
    return interval_text(low, high, unit, diff)


def dollars(x: Any) -> str:
    """An amount of US dollars: $35,000, $3.5M, $1.2B."""
    if not finite(x):
        return "n/a"
    v = float(x)
    a = abs(v)
    sign = "\u2212" if v < 0 else ""
    if a >= 1e9:
        return f"{sign}${a / 1e9:.3g}B"
    if a >= 1e6:
        return f"{sign}${a / 1e6:.3g}M"
    if a >= 1e4:
        return f"{sign}${a / 1e3:.3g}K"
    return f"{sign}${a:,.0f}"
