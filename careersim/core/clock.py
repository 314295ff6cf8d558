"""The simulation's calendar, defined once.

Time is an integer tick, 48 to a year, so months (4 ticks), quarters (12) and
years align exactly; the monthly step advances the field by ``DT`` years.
"""

from __future__ import annotations

from typing import Final

TICKS_PER_YEAR: Final[int] = 48
TICKS_PER_MONTH: Final[int] = 4  # the monthly step's length in ticks
TICKS_PER_QUARTER: Final[int] = 12  # hiring rounds are quarterly
MONTHS_PER_YEAR: Final[int] = 12
DT: Final[float] = 1.0 / 12.0  # one month, in years

DAYS_PER_YEAR: Final[float] = 365.25
WEEKS_PER_YEAR: Final[float] = 365.25 / 7
WEEKS_PER_MONTH: Final[float] = 365.25 / 7.0 / 12.0
