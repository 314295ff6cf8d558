"""A starting field in balance: with the default burn-in the first cohort's chance of a lead
role is within the spread of the next cohorts' (without it, the first cohort meets a field
with nobody ready and waiting, and does far better)."""

from __future__ import annotations

import numpy as np

import careersim as cs
from careersim.config.schema import baseline

SEEDS = range(1, 7)
NEXT = range(1, 5)  # the next few cohorts


def _by_cohort(burn_in: float) -> tuple[np.ndarray, np.ndarray]:
    """Entrants and those leading within the claims window (10 years), per entry year 0-4,
    summed over the replications."""
    sc = baseline().with_changes({"run.burn_in": burn_in})
    n, led = np.zeros(5), np.zeros(5)
    for seed in SEEDS:
        a = cs.simulate(sc, seed=seed).agents
        e = a[a.entrant]
        year = np.floor(e.entry_year.to_numpy()).astype(int)
        lead = (e.years_to_lead <= sc.run.claims_window).to_numpy()
        for k in range(5):
            n[k] += np.count_nonzero(year == k)
            led[k] += np.count_nonzero(lead & (year == k))
    return n, led


def _within_spread(n: np.ndarray, led: np.ndarray) -> tuple[bool, str]:
    p = led / n
    nxt = p[list(NEXT)]
    se = np.sqrt(p[0] * (1 - p[0]) / n[0])  # the first cohort's own sampling error
    lo, hi = nxt.min() - 2 * se, nxt.max() + 2 * se
    return bool(lo <= p[0] <= hi), f"first {p[0]:.3f}, next {np.round(nxt, 3).tolist()}, spread [{lo:.3f}, {hi:.3f}]"


def test_the_first_cohorts_lead_chance_is_within_the_spread_of_the_next_cohorts():
    assert baseline().run.burn_in == 10.0
    ok, text = _within_spread(*_by_cohort(10.0))
    assert ok, text


def test_without_a_burn_in_the_first_cohort_is_out_of_balance():
    """The check above can fail: starting outcomes from the stated field favours cohort 0."""
    ok, text = _within_spread(*_by_cohort(0.0))
    assert not ok, text
