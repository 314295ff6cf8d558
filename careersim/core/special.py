"""SciPy's inverse normal CDF and inverse incomplete beta function, for compiled code.

:func:`ndtri` and :func:`betaincinv` call the very routines behind
``scipy.special.ndtri`` and ``scipy.special.betaincinv`` (through the C interface of
``scipy.special.cython_special``), so a value computed in compiled code equals the
one the ufunc gives, bit for bit (``tests/test_distributions.py`` checks both). The
routines are linked by name: importing this module registers their addresses in this
process before any compiled code that calls them is loaded, so the compiled cache
holds no address.
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
import scipy.special.cython_special as cython_special
from numba import types
from numba.extending import get_cython_function_address

from careersim.core.compiled import njit
from careersim.core.distributions import U_EPS, Beta, Normal


def _link(symbol: str, name: str, c_signature: str, signature):
    """Register the address of ``cython_special``'s C function ``name`` as ``symbol``, after
    checking that its C signature is ``c_signature`` (a SciPy that reordered its fused
    versions would otherwise link, say, the float32 one without a word)."""
    capsule = repr(cython_special.__pyx_capi__[name])
    if f'"{c_signature}"' not in capsule:
        raise ImportError(f"scipy.special.cython_special.{name} is {capsule}, not {c_signature!r}")
    llvm.add_symbol(symbol, get_cython_function_address("scipy.special.cython_special", name))
    return types.ExternalFunction(symbol, signature)


# the last argument of each (cython's skip-dispatch flag) is 0
_NDTRI = _link(
    "careersim_ndtri", "ndtri", "double (double, int __pyx_skip_dispatch)", types.float64(types.float64, types.intc)
)
_BETAINCINV = _link(
    "careersim_betaincinv",
    "__pyx_fuse_0betaincinv",  # the float64 version of the fused function
    "double (double, double, double, int __pyx_skip_dispatch)",
    types.float64(types.float64, types.float64, types.float64, types.intc),
)


@njit(cache=True, inline="always")
def ndtri(p):
    """The standard normal's inverse CDF at ``p`` (``scipy.special.ndtri``)."""
    return _NDTRI(p, 0)


@njit(cache=True, inline="always")
def betaincinv(a, b, y):
    """The inverse of the regularised incomplete beta function I_x(a, b) at ``y``
    (``scipy.special.betaincinv``; NaN where it fails)."""
    return _BETAINCINV(a, b, y, 0)


#: families whose inverse CDF :func:`ppf_at` computes (:func:`compiled_form`)
F_NONE, F_NORMAL, F_BETA = 0, 1, 2


def compiled_form(dist) -> np.ndarray:
    """``dist`` as a row that :func:`ppf_at` reads: its family, then its parameters (a normal
    without truncation: mean, sd; a beta: a, b, low, high). Family :data:`F_NONE` for any
    other distribution, whose inverse CDF compiled code does not compute."""
    row = np.zeros(5)
    if isinstance(dist, Normal) and not dist.truncated:
        row[:3] = (F_NORMAL, dist.mean_, dist.sd)
    elif isinstance(dist, Beta):
        row[:] = (F_BETA, dist.a, dist.b, dist.low, dist.high)
    return row


@njit(cache=True, inline="always")
def ppf_at(form, u):
    """The inverse CDF at ``u`` (strictly inside (0, 1)) of the distribution in ``form``
    (:func:`compiled_form`), equal bit for bit to its ``ppf_open``; NaN where that would
    need the beta's lower-tail fallback (or for family :data:`F_NONE`), so the caller
    computes it with ``ppf_open`` instead."""
    if form[0] == F_NORMAL:
        return form[1] + form[2] * ndtri(min(max(u, U_EPS), 1.0 - U_EPS))
    if form[0] == F_BETA:
        y = betaincinv(form[1], form[2], u)
        if y != y:
            return y
        if form[3] == 0.0 and form[4] == 1.0:
            return min(max(y, 0.0), 1.0)
        return min(max(form[3] + (form[4] - form[3]) * y, form[3]), form[4])
    return np.nan
