"""Probability distributions for uncertain scenario parameters.

Any numeric scenario parameter may be given as a distribution; it is drawn once
per replication.  careersim always draws through the inverse CDF (``ppf``) of a
uniform number, so that replications can share common random numbers.

Families (the ``dist`` field is the discriminator) and their compact text form,
which is exactly what :meth:`describe` returns::

    fixed(3)
    uniform(0.2, 0.6)                       low < high
    triangular(1, 2, 4)                     low <= mode <= high, low < high
    normal(1, 0.2)                          sd > 0
    normal(1, 0.2, low=0, high=3)           truncated normal
    lognormal(median=7, spread=0.5)         spread = sd of ln X; also lognormal(7, 0.5)
    beta(2, 5)                              a, b > 0; beta(2, 5, low=0, high=10) rescales
    quantiles(0.1: 2, 0.5: 7, 0.9: 21)      piecewise-linear CDF through the points
    quantiles(0.1: 2, 0.9: 21, low=0)       ... tails never go past low / high
    truncated(triangular(0, 1, 3), high=2)  another distribution restricted to [low, high]
    mixture(0.5: lognormal(7, 1.26), 0.5: lognormal(21, 2.38))
                                            weights (adding up to 1): distributions

``truncated`` is what :meth:`clipped` returns for families that cannot express a
restricted range themselves.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)
from scipy import integrate, special, stats

__all__ = [
    "Fixed",
    "Uniform",
    "Triangular",
    "Normal",
    "LogNormal",
    "Beta",
    "Quantiles",
    "Truncated",
    "Mixture",
    "Distribution",
    "DistributionBase",
    "FAMILIES",
    "parse_distribution",
    "coerce_number_or_distribution",
    "draw",
]

ArrayOrFloat = np.ndarray | float

#: Unbounded tails are evaluated at u in [U_EPS, 1 - U_EPS] so a draw is never infinite.
U_EPS = 1e-12
#: Probabilities below this are treated as 0.
_U_TINY = 1e-300

_FORMS = (
    "fixed(3), uniform(0.2, 0.6), triangular(1, 2, 4), normal(1, 0.2), "
    "normal(1, 0.2, low=0), lognormal(median=7, spread=0.5), beta(2, 5), "
    "quantiles(0.1: 2, 0.5: 7, 0.9: 21), truncated(normal(1, 0.5), low=0), "
    "mixture(0.5: lognormal(7, 1.26), 0.5: lognormal(21, 2.38))"
)


# --------------------------------------------------------------------------
# field types and small helpers
# --------------------------------------------------------------------------


def _no_bool(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError(f"got {v!r}; expected a number, e.g. 0.5")
    return v


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError(f"got {v!r}; expected a finite number, e.g. 0.5")
    return v


FiniteFloat = Annotated[float, BeforeValidator(_no_bool), AfterValidator(_finite)]


def _fmt(x: float) -> str:
    """Shortest text that reads back as exactly ``x``."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def _as_u(u: ArrayOrFloat) -> tuple[np.ndarray, bool]:
    """Validate uniforms; return them as an array and whether the input was a scalar."""
    arr = np.asarray(u, dtype=float)
    if arr.size and not (np.all(arr >= 0.0) and np.all(arr <= 1.0)):  # also catches NaN
        bad = arr[~((arr >= 0.0) & (arr <= 1.0))].ravel()[0]
        raise ValueError(f"ppf needs probabilities in [0, 1]; got {bad!r} (e.g. 0.5)")
    # tiny (subnormal) u upset some special functions; rng.random() never gives them (step 2**-53)
    arr = np.where(arr < _U_TINY, 0.0, arr)
    return arr, arr.ndim == 0


def _out(x: np.ndarray, scalar: bool) -> ArrayOrFloat:
    return float(x) if scalar else x


def _check_factor(factor: float) -> float:
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not math.isfinite(factor) or factor <= 0:
        raise ValueError(f"scale factor must be a finite number > 0; got {factor!r} (e.g. 1/12 for months to years)")
    return float(factor)


def _check_bounds(lo: float | None, hi: float | None) -> tuple[float | None, float | None]:
    for name, v in (("lo", lo), ("hi", hi)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real) or math.isnan(v)):
            raise ValueError(f"clipped() bound {name} must be a number or None; got {v!r} (e.g. 0.0)")
    lo = None if lo is None or lo == -math.inf else float(lo)
    hi = None if hi is None or hi == math.inf else float(hi)
    if lo is not None and hi is not None and not lo < hi:
        raise ValueError(f"clipped() needs lo < hi; got lo={lo!r}, hi={hi!r} (e.g. lo=0, hi=1)")
    return lo, hi


def _tighten(a: float | None, b: float | None, pick: Any) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return pick(a, b)


def _range_text(lo: float | None, hi: float | None) -> str:
    return f"[{'-inf' if lo is None else _fmt(lo)}, {'inf' if hi is None else _fmt(hi)}]"


# --------------------------------------------------------------------------
# base class
# --------------------------------------------------------------------------


class DistributionBase(BaseModel):
    """Shared behaviour of all distribution families."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: positional argument order in the compact form
    _positional: ClassVar[tuple[str, ...]] = ()
    #: a valid compact example, used in error messages
    _example: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        """Reject unknown parameters with a did-you-mean and the accepted names."""
        if isinstance(data, Mapping):
            fields = [f for f in cls.model_fields if f != "dist"]
            for key in data:
                if key not in cls.model_fields:
                    close = difflib.get_close_matches(str(key), fields, n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    family = cls.model_fields["dist"].default
                    raise ValueError(
                        f"{family} has no parameter {key!r}{hint}; expected {', '.join(fields)}, e.g. {cls._example}"
                    )
        return data

    # -- to be provided by each family -------------------------------------
    def _ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _cdf(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _cdf_left(self, x: np.ndarray) -> np.ndarray:
        """P(X < x); equals the CDF for continuous families."""
        return self._cdf(x)

    def support(self) -> tuple[float, float]:  # pragma: no cover - abstract
        """Smallest and largest possible value (may be infinite)."""
        raise NotImplementedError

    def mean(self) -> float:  # pragma: no cover - abstract
        """Expected value."""
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        """Compact text form; ``parse_distribution(d.describe()) == d``."""
        raise NotImplementedError

    def scaled(self, factor: float) -> Distribution:  # pragma: no cover - abstract
        """Distribution of ``factor * X`` (``factor > 0``), e.g. to convert months to years."""
        raise NotImplementedError

    # -- shared -------------------------------------------------------------
    def ppf(self, u: ArrayOrFloat) -> ArrayOrFloat:
        """Vectorised inverse CDF at probabilities ``u`` in [0, 1]."""
        arr, scalar = _as_u(u)
        return _out(self._ppf(arr), scalar)

    def ppf_open(self, u: np.ndarray) -> np.ndarray:
        """:meth:`ppf` at an array of probabilities known to lie strictly inside (0, 1) and above
        1e-300, such as careersim's counter-based uniforms (multiples of 2**-53 plus a half step):
        the same values without the checks, for hot loops."""
        return self._ppf(u)

    def cdf(self, x: ArrayOrFloat) -> ArrayOrFloat:
        """Vectorised CDF, P(X <= x)."""
        arr = np.asarray(x, dtype=float)
        return _out(self._cdf(arr), arr.ndim == 0)

    def sample(self, rng: np.random.Generator, size: Any = None) -> ArrayOrFloat:
        """Draw ``ppf(rng.random(size))``."""
        return self.ppf(rng.random(size))

    def clipped(self, lo: float | None = None, hi: float | None = None) -> Distribution:
        """The distribution truncated (conditioned) to the allowed range [lo, hi].

        Returns ``self`` when the support already lies inside the range;
        otherwise a :class:`Truncated` wrapper whose ``ppf`` maps u into the
        base's CDF range ``[F(lo), F(hi)]`` (renormalising, no point masses at
        the bounds), except for families that express the range themselves
        (:class:`Normal` tightens its bounds, :class:`Uniform` narrows).
        Raises ``ValueError`` if there is no probability in the range.
        """
        lo, hi = _check_bounds(lo, hi)
        s_lo, s_hi = self.support()
        if (lo is None or lo <= s_lo) and (hi is None or hi >= s_hi):
            return self  # type: ignore[return-value]
        return Truncated(base=self, low=lo, high=hi)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.describe()


# --------------------------------------------------------------------------
# families
# --------------------------------------------------------------------------


class Fixed(DistributionBase):
    """A single value."""

    dist: Literal["fixed"] = "fixed"
    value: FiniteFloat
    _positional: ClassVar[tuple[str, ...]] = ("value",)
    _example: ClassVar[str] = "fixed(3)"

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(u.shape, self.value)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return np.where(x >= self.value, 1.0, 0.0)

    def _cdf_left(self, x: np.ndarray) -> np.ndarray:
        return np.where(x > self.value, 1.0, 0.0)

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def mean(self) -> float:
        return self.value

    def describe(self) -> str:
        return f"fixed({_fmt(self.value)})"

    def scaled(self, factor: float) -> Fixed:
        return Fixed(value=self.value * _check_factor(factor))

    def clipped(self, lo: float | None = None, hi: float | None = None) -> Fixed:
        """Return ``self`` if the value is in [lo, hi]; a value outside is an error, not clipped."""
        lo, hi = _check_bounds(lo, hi)
        if (lo is not None and self.value < lo) or (hi is not None and self.value > hi):
            raise ValueError(
                f"{self.describe()} is outside the allowed range {_range_text(lo, hi)}; "
                f"give a value inside it, e.g. fixed({_fmt(lo if lo is not None else hi)})"  # type: ignore[arg-type]
            )
        return self


class Uniform(DistributionBase):
    """Uniform on [low, high]."""

    dist: Literal["uniform"] = "uniform"
    low: FiniteFloat
    high: FiniteFloat
    _positional: ClassVar[tuple[str, ...]] = ("low", "high")
    _example: ClassVar[str] = "uniform(0.2, 0.6)"

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(
                f"uniform needs low < high; got low={_fmt(self.low)}, high={_fmt(self.high)} (e.g. uniform(0.2, 0.6))"
            )
        return self

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        # low + u * (high - low) can round past high at u = 1 (e.g. uniform(14.400001, 57.600001))
        return np.minimum(self.low + u * (self.high - self.low), self.high)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return np.clip((x - self.low) / (self.high - self.low), 0.0, 1.0)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    def describe(self) -> str:
        return f"uniform({_fmt(self.low)}, {_fmt(self.high)})"

    def scaled(self, factor: float) -> Uniform:
        f = _check_factor(factor)
        return Uniform(low=self.low * f, high=self.high * f)

    def clipped(self, lo: float | None = None, hi: float | None = None) -> Uniform:
        """Truncating a uniform gives the uniform on the overlap of the two ranges."""
        lo, hi = _check_bounds(lo, hi)
        new_lo = self.low if lo is None else max(self.low, lo)
        new_hi = self.high if hi is None else min(self.high, hi)
        if not new_lo < new_hi:
            raise ValueError(
                f"{self.describe()} has no probability in the allowed range {_range_text(lo, hi)}; "
                f"choose low and high inside it"
            )
        return Uniform(low=new_lo, high=new_hi)


class Triangular(DistributionBase):
    """Triangular on [low, high] with peak at mode."""

    dist: Literal["triangular"] = "triangular"
    low: FiniteFloat
    mode: FiniteFloat
    high: FiniteFloat
    _positional: ClassVar[tuple[str, ...]] = ("low", "mode", "high")
    _example: ClassVar[str] = "triangular(1, 2, 4)"

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high; got low={_fmt(self.low)}, "
                f"mode={_fmt(self.mode)}, high={_fmt(self.high)} (e.g. triangular(1, 2, 4))"
            )
        return self

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        lo, c, hi = self.low, self.mode, self.high
        width = hi - lo
        fc = (c - lo) / width
        # clamp each branch to its side of the mode so rounding can never break monotonicity
        left = np.clip(lo + np.sqrt(u * width * (c - lo)), lo, c)
        right = np.clip(hi - np.sqrt((1.0 - u) * width * (hi - c)), c, hi)
        return np.where(u < fc, left, right)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        c = (self.mode - self.low) / (self.high - self.low)
        return stats.triang.cdf(x, c, loc=self.low, scale=self.high - self.low)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    def describe(self) -> str:
        return f"triangular({_fmt(self.low)}, {_fmt(self.mode)}, {_fmt(self.high)})"

    def scaled(self, factor: float) -> Triangular:
        f = _check_factor(factor)
        return Triangular(low=self.low * f, mode=self.mode * f, high=self.high * f)


class Normal(DistributionBase):
    """Normal(mean, sd), optionally truncated to [low, high]."""

    dist: Literal["normal"] = "normal"
    mean_: FiniteFloat = Field(alias="mean")
    sd: FiniteFloat
    low: FiniteFloat | None = None
    high: FiniteFloat | None = None
    _positional: ClassVar[tuple[str, ...]] = ("mean", "sd", "low", "high")
    _example: ClassVar[str] = "normal(1, 0.2, low=0)"
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            allowed = {"dist", "mean", "mean_", "sd", "low", "high"}
            for key in data:
                if key not in allowed:
                    close = difflib.get_close_matches(str(key), ["mean", "sd", "low", "high"], n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise ValueError(
                        f"normal has no parameter {key!r}{hint}; expected mean, sd, low, high, e.g. {cls._example}"
                    )
        return data

    @model_validator(mode="after")
    def _check(self) -> Normal:
        if not self.sd > 0:
            raise ValueError(f"normal needs sd > 0; got sd={_fmt(self.sd)} (e.g. normal(1, 0.2))")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(
                f"normal needs low < high; got low={_fmt(self.low)}, high={_fmt(self.high)} "
                f"(e.g. normal(1, 0.2, low=0, high=2))"
            )
        return self

    @model_serializer(mode="wrap")
    def _dump_mean_as_mean(self, handler: Any) -> Any:
        """Serialise the ``mean_`` field under its public name ``mean``."""
        data = handler(self)
        if isinstance(data, dict) and "mean_" in data:
            data = {("mean" if k == "mean_" else k): v for k, v in data.items()}
        return data

    def __repr_args__(self) -> Any:
        for key, value in super().__repr_args__():
            yield ("mean" if key == "mean_" else key), value

    @property
    def truncated(self) -> bool:
        """Whether a truncation bound is set."""
        return self.low is not None or self.high is not None

    def _ab(self) -> tuple[float, float]:
        a = -math.inf if self.low is None else (self.low - self.mean_) / self.sd
        b = math.inf if self.high is None else (self.high - self.mean_) / self.sd
        return a, b

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        if not self.truncated:  # (np.clip's bounds as a maximum and a minimum: the same values, quicker on a few)
            return self.mean_ + self.sd * special.ndtri(np.minimum(np.maximum(u, U_EPS), 1.0 - U_EPS))
        u = np.clip(u, 0.0 if self.low is not None else U_EPS, 1.0 if self.high is not None else 1.0 - U_EPS)
        a, b = self._ab()
        x = stats.truncnorm.ppf(u, a, b, loc=self.mean_, scale=self.sd)
        lo, hi = self.support()
        return np.clip(x, lo, hi)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        if not self.truncated:
            return special.ndtr((x - self.mean_) / self.sd)
        a, b = self._ab()
        return stats.truncnorm.cdf(x, a, b, loc=self.mean_, scale=self.sd)

    def support(self) -> tuple[float, float]:
        return (
            -math.inf if self.low is None else self.low,
            math.inf if self.high is None else self.high,
        )

    def mean(self) -> float:  # type: ignore[override]
        if not self.truncated:
            return self.mean_
        a, b = self._ab()
        with np.errstate(all="ignore"):  # scipy also computes higher moments, which may warn
            return float(stats.truncnorm.mean(a, b, loc=self.mean_, scale=self.sd))

    def describe(self) -> str:
        text = f"normal({_fmt(self.mean_)}, {_fmt(self.sd)}"
        if self.low is not None:
            text += f", low={_fmt(self.low)}"
        if self.high is not None:
            text += f", high={_fmt(self.high)}"
        return text + ")"

    def scaled(self, factor: float) -> Normal:
        f = _check_factor(factor)
        return Normal(
            mean=self.mean_ * f,
            sd=self.sd * f,
            low=None if self.low is None else self.low * f,
            high=None if self.high is None else self.high * f,
        )

    def clipped(self, lo: float | None = None, hi: float | None = None) -> Normal:
        """Set or tighten the truncation bounds to [lo, hi]."""
        lo, hi = _check_bounds(lo, hi)
        new_lo = _tighten(self.low, lo, max)
        new_hi = _tighten(self.high, hi, min)
        if new_lo is not None and new_hi is not None and not new_lo < new_hi:
            raise ValueError(
                f"{self.describe()} has no probability in the allowed range {_range_text(lo, hi)}; "
                f"choose bounds inside it"
            )
        if new_lo == self.low and new_hi == self.high:
            return self
        return Normal(mean=self.mean_, sd=self.sd, low=new_lo, high=new_hi)


class LogNormal(DistributionBase):
    """X = median * exp(spread * Z) with Z standard normal (spread = sd of ln X)."""

    dist: Literal["lognormal"] = "lognormal"
    median: FiniteFloat
    spread: FiniteFloat
    _positional: ClassVar[tuple[str, ...]] = ("median", "spread")
    _example: ClassVar[str] = "lognormal(median=7, spread=0.5)"

    @model_validator(mode="after")
    def _check(self) -> LogNormal:
        if not (self.median > 0 and self.spread > 0):
            raise ValueError(
                f"lognormal needs median > 0 and spread > 0; got median={_fmt(self.median)}, "
                f"spread={_fmt(self.spread)} (e.g. lognormal(median=7, spread=0.5))"
            )
        return self

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return self.median * np.exp(self.spread * special.ndtri(np.minimum(u, 1.0 - U_EPS)))

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.log(np.maximum(x, 0.0) / self.median) / self.spread
        return special.ndtr(z)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def mean(self) -> float:
        return self.median * math.exp(0.5 * self.spread**2)

    def describe(self) -> str:
        return f"lognormal(median={_fmt(self.median)}, spread={_fmt(self.spread)})"

    def scaled(self, factor: float) -> LogNormal:
        return LogNormal(median=self.median * _check_factor(factor), spread=self.spread)


class Beta(DistributionBase):
    """Beta(a, b) rescaled to [low, high] (default [0, 1])."""

    dist: Literal["beta"] = "beta"
    a: FiniteFloat
    b: FiniteFloat
    low: FiniteFloat = 0.0
    high: FiniteFloat = 1.0
    _positional: ClassVar[tuple[str, ...]] = ("a", "b", "low", "high")
    _example: ClassVar[str] = "beta(2, 5)"

    @model_validator(mode="after")
    def _check(self) -> Beta:
        if not (self.a > 0 and self.b > 0):
            raise ValueError(f"beta needs a > 0 and b > 0; got a={_fmt(self.a)}, b={_fmt(self.b)} (e.g. beta(2, 5))")
        if not self.low < self.high:
            raise ValueError(
                f"beta needs low < high; got low={_fmt(self.low)}, high={_fmt(self.high)} "
                f"(e.g. beta(2, 5, low=0, high=10))"
            )
        return self

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        y = np.atleast_1d(np.asarray(special.betaincinv(self.a, self.b, u), dtype=float))
        if np.isnan(y).any():  # betaincinv can fail far in the lower tail; use I_y(a, b) ~ y**a / (a B(a, b))
            bad = np.isnan(y)
            ub = np.broadcast_to(np.atleast_1d(u), y.shape)[bad]
            y[bad] = np.exp((np.log(ub) + math.log(self.a) + special.betaln(self.a, self.b)) / self.a)
        y = y.reshape(np.shape(u))
        if self.low == 0.0 and self.high == 1.0:  # the standard beta: y is the value (kept in [0, 1])
            return np.minimum(np.maximum(y, 0.0), 1.0)
        return np.clip(self.low + (self.high - self.low) * y, self.low, self.high)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        y = np.clip((x - self.low) / (self.high - self.low), 0.0, 1.0)
        return special.betainc(self.a, self.b, y)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def describe(self) -> str:
        text = f"beta({_fmt(self.a)}, {_fmt(self.b)}"
        if self.low != 0.0 or self.high != 1.0:
            text += f", low={_fmt(self.low)}, high={_fmt(self.high)}"
        return text + ")"

    def scaled(self, factor: float) -> Beta:
        f = _check_factor(factor)
        return Beta(a=self.a, b=self.b, low=self.low * f, high=self.high * f)


class Quantiles(DistributionBase):
    """Piecewise-linear CDF through given (probability: value) points.

    Below the smallest / above the largest given probability the quantile
    function continues with the slope of the adjacent segment, but stops at
    ``low`` / ``high`` if given; the probability that the extension would put
    beyond a bound sits exactly on that bound.
    """

    dist: Literal["quantiles"] = "quantiles"
    points: dict[FiniteFloat, FiniteFloat]
    low: FiniteFloat | None = None
    high: FiniteFloat | None = None
    _positional: ClassVar[tuple[str, ...]] = ()
    _example: ClassVar[str] = "quantiles(0.1: 2, 0.5: 7, 0.9: 21)"

    @field_validator("points")
    @classmethod
    def _check_points(cls, points: dict[float, float]) -> dict[float, float]:
        ex = cls._example
        if len(points) < 2:
            raise ValueError(f"quantiles needs at least 2 points; got {len(points)} (e.g. {ex})")
        ordered = dict(sorted(points.items()))
        ps, vs = list(ordered), list(ordered.values())
        for p in ps:
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"quantiles probabilities must be in [0, 1]; got {_fmt(p)} (e.g. {ex})")
        for (p0, v0), (p1, v1) in zip(zip(ps, vs), zip(ps[1:], vs[1:])):
            if not v0 < v1:
                raise ValueError(
                    f"quantiles values must increase with probability; got {_fmt(p0)}: {_fmt(v0)} "
                    f"then {_fmt(p1)}: {_fmt(v1)} (e.g. {ex})"
                )
        return ordered

    @model_validator(mode="after")
    def _check(self) -> Quantiles:
        vs = list(self.points.values())
        if self.low is not None and self.low > vs[0]:
            raise ValueError(
                f"quantiles low={_fmt(self.low)} is above the smallest value {_fmt(vs[0])}; "
                f"low must be <= every value (e.g. low=0)"
            )
        if self.high is not None and self.high < vs[-1]:
            raise ValueError(
                f"quantiles high={_fmt(self.high)} is below the largest value {_fmt(vs[-1])}; "
                f"high must be >= every value"
            )
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"quantiles needs low < high; got low={_fmt(self.low)}, high={_fmt(self.high)}")
        return self

    def _knots(self) -> tuple[np.ndarray, np.ndarray]:
        """Breakpoints (u, x) of the piecewise-linear quantile function on [0, 1]."""
        ps = list(self.points)
        vs = list(self.points.values())
        us, xs = list(ps), list(vs)
        if ps[0] > 0.0:
            slope = (vs[1] - vs[0]) / (ps[1] - ps[0])
            x0 = vs[0] - ps[0] * slope
            if self.low is not None and x0 < self.low:
                u_low = ps[0] - (vs[0] - self.low) / slope
                us[:0], xs[:0] = ([0.0, u_low], [self.low, self.low]) if u_low > 0 else ([0.0], [self.low])
            else:
                us.insert(0, 0.0)
                xs.insert(0, x0)
        if ps[-1] < 1.0:
            slope = (vs[-1] - vs[-2]) / (ps[-1] - ps[-2])
            x1 = vs[-1] + (1.0 - ps[-1]) * slope
            if self.high is not None and x1 > self.high:
                u_high = ps[-1] + (self.high - vs[-1]) / slope
                if u_high < 1.0:
                    us += [u_high, 1.0]
                    xs += [self.high, self.high]
                else:
                    us.append(1.0)
                    xs.append(self.high)
            else:
                us.append(1.0)
                xs.append(x1)
        # drop zero-length steps produced when an extension meets a bound exactly at a given point
        u_arr, x_arr = np.array(us), np.array(xs)
        keep = np.concatenate([[True], np.diff(u_arr) > 0])
        return u_arr[keep], x_arr[keep]

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        us, xs = self._knots()
        return np.interp(u, us, xs)

    def _cdf_impl(self, x: np.ndarray, left: bool) -> np.ndarray:
        """CDF from the knots; ``left`` gives P(X < x) (differs only at point masses on the bounds)."""
        us, xs = self._knots()
        if len(xs) > 2 and xs[1] == xs[0]:  # flat start: point mass at low
            us, xs = us[1:], xs[1:]
        if len(xs) > 2 and xs[-2] == xs[-1]:  # flat end: point mass at high
            us, xs = us[:-1], xs[:-1]
        inside = np.interp(x, xs, us)
        if left:
            return np.where(x <= xs[0], 0.0, np.where(x > xs[-1], 1.0, inside))
        return np.where(x < xs[0], 0.0, np.where(x >= xs[-1], 1.0, inside))

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return self._cdf_impl(x, left=False)

    def _cdf_left(self, x: np.ndarray) -> np.ndarray:
        return self._cdf_impl(x, left=True)

    def support(self) -> tuple[float, float]:
        us, xs = self._knots()
        return (float(xs[0]), float(xs[-1]))

    def mean(self) -> float:
        us, xs = self._knots()
        return float(np.sum(np.diff(us) * 0.5 * (xs[1:] + xs[:-1])))

    def describe(self) -> str:
        parts = [f"{_fmt(p)}: {_fmt(v)}" for p, v in self.points.items()]
        if self.low is not None:
            parts.append(f"low={_fmt(self.low)}")
        if self.high is not None:
            parts.append(f"high={_fmt(self.high)}")
        return f"quantiles({', '.join(parts)})"

    def scaled(self, factor: float) -> Quantiles:
        f = _check_factor(factor)
        return Quantiles(
            points={p: v * f for p, v in self.points.items()},
            low=None if self.low is None else self.low * f,
            high=None if self.high is None else self.high * f,
        )


class Truncated(DistributionBase):
    """Another distribution conditioned on lying in [low, high].

    ``ppf(u) = base.ppf(F(low) + u * (F(high) - F(low)))`` where F is the
    base CDF, so draws keep the base's shape inside the range and never fall
    outside it.
    """

    dist: Literal["truncated"] = "truncated"
    base: Distribution
    low: FiniteFloat | None = None
    high: FiniteFloat | None = None
    _positional: ClassVar[tuple[str, ...]] = ("base", "low", "high")
    _example: ClassVar[str] = "truncated(triangular(0, 1, 3), high=2)"

    @model_validator(mode="after")
    def _check(self) -> Truncated:
        if isinstance(self.base, Truncated):
            raise ValueError(
                f"truncated cannot wrap another truncated distribution; give one set of bounds, e.g. {self._example}"
            )
        if self.low is None and self.high is None:
            raise ValueError(f"truncated needs low and/or high; e.g. {self._example}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(
                f"truncated needs low < high; got low={_fmt(self.low)}, high={_fmt(self.high)} (e.g. {self._example})"
            )
        p_lo, p_hi = self._p_range()
        if not p_hi - p_lo > 1e-12:
            raise ValueError(
                f"{self.base.describe()} has (almost) no probability in the range "
                f"{_range_text(self.low, self.high)}; widen the range or move the distribution"
            )
        return self

    def _p_range(self) -> tuple[float, float]:
        p_lo = 0.0 if self.low is None else float(self.base._cdf_left(np.asarray(self.low)))
        p_hi = 1.0 if self.high is None else float(self.base._cdf(np.asarray(self.high)))
        return p_lo, p_hi

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        p_lo, p_hi = self._p_range()
        x = self.base._ppf(np.clip(p_lo + u * (p_hi - p_lo), 0.0, 1.0))
        lo, hi = self.support()
        return np.clip(x, lo, hi)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        p_lo, p_hi = self._p_range()
        return np.clip((self.base._cdf(x) - p_lo) / (p_hi - p_lo), 0.0, 1.0)

    def support(self) -> tuple[float, float]:
        b_lo, b_hi = self.base.support()
        lo = b_lo if self.low is None else max(b_lo, self.low)
        hi = b_hi if self.high is None else min(b_hi, self.high)
        return (lo, hi)

    def mean(self) -> float:
        value, _ = integrate.quad(lambda u: float(self._ppf(np.asarray(u))), 0.0, 1.0, limit=200)
        return float(value)

    def describe(self) -> str:
        text = f"truncated({self.base.describe()}"
        if self.low is not None:
            text += f", low={_fmt(self.low)}"
        if self.high is not None:
            text += f", high={_fmt(self.high)}"
        return text + ")"

    def scaled(self, factor: float) -> Truncated:
        f = _check_factor(factor)
        return Truncated(
            base=self.base.scaled(f),
            low=None if self.low is None else self.low * f,
            high=None if self.high is None else self.high * f,
        )

    def clipped(self, lo: float | None = None, hi: float | None = None) -> Distribution:
        """Tighten the bounds (the result wraps the base once)."""
        lo, hi = _check_bounds(lo, hi)
        return self.base.clipped(_tighten(self.low, lo, max), _tighten(self.high, hi, min))


class Mixture(DistributionBase):
    """A mixture: with probability ``weights[i]`` a draw of ``parts[i]``.

    The CDF is the weighted sum of the parts' CDFs. The inverse CDF is found by
    bisection between the smallest and the largest of the parts' quantiles at the
    same probability (the mixture's quantile lies between them), to a relative
    precision of 1e-13, so a mixture is drawn through one uniform like every family.
    """

    dist: Literal["mixture"] = "mixture"
    weights: list[FiniteFloat]
    parts: list[Distribution]
    _positional: ClassVar[tuple[str, ...]] = ()
    _example: ClassVar[str] = "mixture(0.5: lognormal(median=7, spread=1.26), 0.5: lognormal(median=21, spread=2.38))"

    @model_validator(mode="after")
    def _check(self) -> Mixture:
        ex = self._example
        if len(self.parts) < 2 or len(self.weights) != len(self.parts):
            raise ValueError(f"mixture needs at least 2 parts, each with a weight; got {len(self.parts)} (e.g. {ex})")
        for w in self.weights:
            if not w > 0:
                raise ValueError(f"mixture weights must be above 0; got {_fmt(w)} (e.g. {ex})")
        total = math.fsum(self.weights)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"mixture weights must add up to 1; they add up to {_fmt(total)} (e.g. {ex})")
        return self

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        q = np.array([np.broadcast_to(p._ppf(u), u.shape) for p in self.parts])
        lo, hi = q.min(axis=0), q.max(axis=0)
        for _ in range(200):  # F(hi) >= u > F(lo) throughout (each part: F_i(Q_i(u)) >= u)
            if np.all(hi - lo <= 1e-13 * np.maximum(1.0, np.abs(hi))):
                break
            mid = lo + 0.5 * (hi - lo)
            above = self._cdf(mid) >= u
            hi = np.where(above, mid, hi)
            lo = np.where(above, lo, mid)
        return hi

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        return sum(w * p._cdf(x) for w, p in zip(self.weights, self.parts))

    def _cdf_left(self, x: np.ndarray) -> np.ndarray:
        return sum(w * p._cdf_left(x) for w, p in zip(self.weights, self.parts))

    def support(self) -> tuple[float, float]:
        ends = [p.support() for p in self.parts]
        return (min(e[0] for e in ends), max(e[1] for e in ends))

    def mean(self) -> float:
        return float(math.fsum(w * p.mean() for w, p in zip(self.weights, self.parts)))

    def describe(self) -> str:
        return "mixture(" + ", ".join(f"{_fmt(w)}: {p.describe()}" for w, p in zip(self.weights, self.parts)) + ")"

    def scaled(self, factor: float) -> Mixture:
        f = _check_factor(factor)
        return Mixture(weights=list(self.weights), parts=[p.scaled(f) for p in self.parts])


_CLASSES: dict[str, type[DistributionBase]] = {
    cls.model_fields["dist"].default: cls
    for cls in (Fixed, Uniform, Triangular, Normal, LogNormal, Beta, Quantiles, Truncated, Mixture)
}
#: accepted family names
FAMILIES: tuple[str, ...] = tuple(_CLASSES)
_ALIASES: dict[str, str] = {
    "lognorm": "lognormal",
    "log-normal": "lognormal",
    "log_normal": "lognormal",
    "triang": "triangular",
    "gaussian": "normal",
    "constant": "fixed",
    "quantile": "quantiles",
    "mix": "mixture",
}


def _family(name: str, text: object) -> str:
    """Canonical family name, or a ValueError with a did-you-mean."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key in _CLASSES:
        return key
    close = difflib.get_close_matches(key, list(FAMILIES) + list(_ALIASES), n=1, cutoff=0.6)
    hint = f"did you mean {_ALIASES.get(close[0], close[0])!r}? " if close else ""
    raise ValueError(
        f"could not read {text!r} as a distribution: unknown family {name!r}; {hint}"
        f"expected one of {', '.join(FAMILIES)}, e.g. {_FORMS}"
    )


def _prepare(value: Any) -> Any:
    """Before-validation of the Distribution union: parse text, normalise and check 'dist'."""
    if isinstance(value, str):
        return parse_distribution(value)
    if isinstance(value, Mapping) and not isinstance(value, DistributionBase):
        if "dist" not in value:
            raise ValueError(
                f"distribution {dict(value)!r} has no 'dist:' key; add one naming the family, "
                f"e.g. {{dist: uniform, low: 0.2, high: 0.6}}"
            )
        name = value["dist"]
        if not isinstance(name, str):
            raise ValueError(f"'dist' must name a family such as 'uniform'; got {name!r}")
        return {**value, "dist": _family(name, dict(value))}
    return value


Distribution = Annotated[
    Fixed | Uniform | Triangular | Normal | LogNormal | Beta | Quantiles | Truncated | Mixture,
    Field(discriminator="dist"),
    BeforeValidator(_prepare),
]
"""Any distribution family; validates text, mappings with ``dist:`` and instances."""

Truncated.model_rebuild()
Mixture.model_rebuild()
_ADAPTER: TypeAdapter[Any] = TypeAdapter(Distribution)


# --------------------------------------------------------------------------
# compact text form
# --------------------------------------------------------------------------

_CALL_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\((.*)\)\s*$", re.DOTALL)
_KEYWORD_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", re.DOTALL)
_POINT_RE = re.compile(r"^([^:=]+):(.*)$", re.DOTALL)


def _split_args(body: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, []
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    if len(parts) == 1 and not parts[0].strip():
        return []
    return [p.strip() for p in parts]


def _format_errors(err: ValidationError) -> str:
    """Turn pydantic errors into one readable line."""
    messages = []
    for e in err.errors():
        msg = str(e["msg"]).removeprefix("Value error, ")
        loc = [str(part) for part in e["loc"] if str(part) not in _CLASSES]
        loc = [p for p in loc if not p.startswith("function-")]
        if e["type"] == "missing":
            messages.append(f"missing parameter {'.'.join(loc)}")
            continue
        messages.append(f"{'.'.join(loc)}: {msg}" if loc else msg)
    return "; ".join(messages)


def _with_example(message: str, example: str) -> str:
    """Append an example unless the message already has one."""
    return message if "e.g." in message else f"{message} (e.g. {example})"


def parse_distribution(text: str) -> Distribution:
    """Parse the compact form, e.g. ``"uniform(0.2, 0.6)"`` or ``"lognormal(median=7, spread=0.5)"``."""
    if not isinstance(text, str):
        raise ValueError(f"could not read {text!r} as a distribution: expected text such as 'uniform(0.2, 0.6)'")
    match = _CALL_RE.match(text)
    if match is None:
        raise ValueError(f"could not read {text!r} as a distribution: expected name(arguments), one of {_FORMS}")
    family = _family(match.group(1), text)
    cls = _CLASSES[family]
    data: dict[str, Any] = {"dist": family}
    points: dict[float, float] = {}
    weights: list[float] = []
    parts: list[Any] = []
    positional = list(cls._positional)

    def number(token: str) -> float:
        try:
            return float(token.strip())
        except ValueError:
            raise ValueError(
                f"could not read {text!r} as a distribution: {token.strip()!r} is not a number (e.g. {cls._example})"
            ) from None

    for arg in _split_args(match.group(2)):
        if not arg:
            raise ValueError(f"could not read {text!r} as a distribution: empty argument (e.g. {cls._example})")
        keyword = _KEYWORD_RE.match(arg)
        point = _POINT_RE.match(arg) if family in ("quantiles", "mixture") else None
        if family == "mixture":
            if point is None:
                raise ValueError(
                    f"could not read {text!r} as a distribution: {arg!r} is not 'weight: distribution' "
                    f"(e.g. {cls._example})"
                )
            weights.append(number(point.group(1)))
            parts.append(parse_distribution(point.group(2).strip()))
            continue
        if keyword is not None:
            key, raw = keyword.group(1).lower(), keyword.group(2)
            if key in positional:
                positional.remove(key)
        elif point is not None:
            p = number(point.group(1))
            if p in points:
                raise ValueError(f"could not read {text!r} as a distribution: probability {_fmt(p)} given twice")
            points[p] = number(point.group(2))
            continue
        else:
            if not positional:
                want = ", ".join(cls._positional) or "p: value pairs"
                raise ValueError(
                    f"could not read {text!r} as a distribution: too many values for {family} "
                    f"(expected {want}; e.g. {cls._example})"
                )
            key, raw = positional.pop(0), arg
        if key in data:
            raise ValueError(f"could not read {text!r} as a distribution: {key} given twice (e.g. {cls._example})")
        data[key] = parse_distribution(raw) if (family == "truncated" and key == "base") else number(raw)
    if family == "quantiles":
        data["points"] = points
    if family == "mixture":
        data["weights"], data["parts"] = weights, parts
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as err:
        raise ValueError(
            _with_example(f"could not read {text!r} as a distribution: {_format_errors(err)}", cls._example)
        ) from None


# --------------------------------------------------------------------------
# scenario helpers
# --------------------------------------------------------------------------


def coerce_number_or_distribution(value: Any) -> float | Distribution:
    """Turn scenario input into a float or a Distribution.

    Accepts a number (not bool), a numeric string, a compact string such as
    ``"uniform(0.2, 0.6)"``, a mapping with a ``dist:`` key, or a Distribution.
    """
    if isinstance(value, DistributionBase):
        return value  # type: ignore[return-value]
    if isinstance(value, bool):
        raise ValueError(f"got {value!r}; expected a number such as 0.5 or a distribution such as 'uniform(0.2, 0.6)'")
    if isinstance(value, numbers.Real):
        if not math.isfinite(value):
            raise ValueError(f"got {value!r}; expected a finite number such as 0.5")
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return parse_distribution(value)
        if not math.isfinite(number):
            raise ValueError(f"got {value!r}; expected a finite number such as 0.5")
        return number
    if isinstance(value, Mapping):
        prepared = _prepare(value)
        try:
            return _ADAPTER.validate_python(prepared)
        except ValidationError as err:
            raise ValueError(
                _with_example(
                    f"could not read {dict(value)!r} as a distribution: {_format_errors(err)}",
                    "{dist: uniform, low: 0.2, high: 0.6}",
                )
            ) from None
    raise ValueError(
        f"got {value!r}; expected a number such as 0.5, text such as 'uniform(0.2, 0.6)' "
        f"or a mapping such as {{dist: uniform, low: 0.2, high: 0.6}}"
    )


def draw(value: float | Distribution, u: float) -> float:
    """The value of a parameter for one replication: a float as is, else ``ppf(u)``."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, DistributionBase):
        return float(value.ppf(u))
    raise ValueError(f"draw() needs a number or a Distribution; got {value!r}")
