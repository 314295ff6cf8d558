"""Random streams: one root seed, split into independent, named streams.

careersim never touches global random state. A replication's randomness comes
from ``numpy.random.SeedSequence(root_seed, spawn_key=(replication, stream))``:
one child per replication and per *kind* of random decision (common random
numbers). Two mechanisms draw from a stream:

* ``Streams.generator(name)`` gives an ordinary ``numpy.random.Generator`` for
  draws made once per replication (parameter values, advisor qualities).
* ``Streams.key(name)`` gives a 64-bit key for *counter-based* uniforms:
  ``uniform(key, agent, tick, slot)`` hashes its four arguments into a number
  in (0, 1). The value an agent gets for a decision at a tick depends on nothing
  else, so a policy that changes one person's path leaves every other person's
  draws, and every other kind of draw, exactly as they were. This is what makes
  paired comparisons between scenarios sharp.

The hash is two rounds of the SplitMix64 finaliser (Steele, Lea & Flood 2014,
"Fast splittable pseudorandom number generators", OOPSLA), applied to the key
combined with the agent id, then with the tick and slot. It is compiled with
numba for the monthly step and has a numpy twin for the institutions' rounds;
a test checks that the two agree bit for bit and that the output is uniform.
"""

from __future__ import annotations

import zlib

import numpy as np

from careersim.core.compiled import njit

# Stable registry of stream names. Append only: an index never changes meaning.
STREAMS: tuple[str, ...] = (
    "params",  # parameter values drawn once per replication
    "traits",  # entrants' traits, background and initial skills
    "track",  # intended starting track and sub-kind
    "feedback",  # Poisson counts of feedback signals
    "hazard",  # exits and their reasons
    "transition",  # choices at graduation, moves between tracks
    "admissions",  # PhD admission portfolios
    "advisors",  # advisor qualities and safety interest
    "grants",  # grant decisions and review times
    "programme",  # mentorship programme selection
    "hiring",  # lead-opening selection
    "arrival",  # transformative-AI arrival time
    "agenda_fit",  # each person's fit with a lead source's agenda, and its drift
    "outside",  # outside applicants for lead positions and the exits of outside hires
    "posterior",  # the joint sample of fitted parameters a replication draws from a calibration's posterior
)
STREAM_INDEX = {name: i for i, name in enumerate(STREAMS)}

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_S20 = np.uint64(20)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def agent_hash(key, agent):
    """The first hashing round of :func:`uniform`, shared by all of an agent's draws."""
    return _mix(np.uint64(key) + np.uint64(agent) * _GOLD)


@njit(cache=True, inline="always")
def uniform_at(h, tick, slot):
    """:func:`uniform` given ``h = agent_hash(key, agent)``: the same number, one round cheaper."""
    z = _mix(h ^ ((np.uint64(tick) << _S20) + np.uint64(slot)) * _GOLD)
    return (np.float64(z >> _S11) + 0.5) * _INV53


@njit(cache=True, inline="always")
def uniform(key, agent, tick, slot):
    """A uniform number in (0, 1) determined by (key, agent, tick, slot)."""
    return uniform_at(agent_hash(key, agent), tick, slot)


def uniforms(key: int, agents: np.ndarray, tick: int, slot: int = 0) -> np.ndarray:
    """Vectorised twin of :func:`uniform` for an array of agent ids."""
    return _uniforms(np.uint64(key), np.asarray(agents, dtype=np.int64), int(tick), int(slot))


@njit(cache=True)
def _uniforms(key, agents, tick, slot):
    out = np.empty(len(agents))
    for k in range(len(agents)):
        out[k] = uniform(key, agents[k], tick, slot)
    return out


def _mix_np(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def poisson_given_p0(lam, p0, u):
    """:func:`poisson_from_uniform` with ``p0 = exp(-lam)`` computed by the caller."""
    if u <= p0 or lam <= 0.0:
        return 0
    p = p0
    f = p0
    k = 0
    while u > f and k < 1000:
        k += 1
        p *= lam / k
        f += p
        if p == 0.0 and f < u:  # numerical tail: stop rather than loop
            break
    return k


@njit(cache=True, inline="always")
def poisson_from_uniform(lam, u):
    """Inverse-CDF Poisson draw: the smallest k with F(k) >= u.

    Consumes exactly one uniform whatever ``lam`` is, so draws stay aligned
    between scenarios (numpy's own Poisson sampler does not).
    """
    if lam <= 0.0:
        return 0
    if u <= (1.0 - lam) - 1e-15:  # exp(-lam) >= 1 - lam: no signal, and no exp needed
        return 0
    return poisson_given_p0(lam, np.exp(-lam), u)


# --- numpy's seeding of a PCG64 generator from a SeedSequence, computed directly ---------
# Building ``Generator(PCG64(SeedSequence(...)))`` costs tens of microseconds of Python
# work; a round that needs a fresh generator every time instead sets the state of one
# it keeps to the state that construction would give (same draws after that).
_PCG64_MULT = 0x2360ED051FC65DA44385DF649FCCF645  # PCG's default 128-bit multiplier
_M128 = (1 << 128) - 1


@njit(cache=True)
def _seed_sequence_states(words):
    """``SeedSequence(...).generate_state(4, np.uint64)`` for each row of ``words``, the
    assembled entropy of a seed sequence (32-bit words held in uint64: the seed's words,
    padded with zeros to four when there is a spawn key, then the spawn key's words):
    numpy's hash mixing of the entropy into a pool of four words, then the pool hashed
    out into eight 32-bit words paired little-endian into four 64-bit ones."""
    mult_a, mult_b = np.uint64(0x931E8875), np.uint64(0x58F38DED)
    mix_l, mix_r = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)
    m32 = np.uint64(0xFFFFFFFF)
    s16 = np.uint64(16)
    n_words = words.shape[1]
    out = np.zeros((words.shape[0], 4), dtype=np.uint64)
    pool = np.zeros(4, dtype=np.uint64)
    for k in range(words.shape[0]):
        h = np.uint64(0x43B0D7E5)
        for i in range(4):
            v = (words[k, i] if i < n_words else np.uint64(0)) ^ h
            h = (h * mult_a) & m32
            v = (v * h) & m32
            pool[i] = v ^ (v >> s16)
        for src in range(max(4, n_words)):
            for dst in range(4):
                if src == dst:
                    continue
                v = (pool[src] if src < 4 else words[k, src]) ^ h
                h = (h * mult_a) & m32
                v = (v * h) & m32
                v = v ^ (v >> s16)
                x = ((mix_l * pool[dst]) - (mix_r * v)) & m32
                pool[dst] = x ^ (x >> s16)
        h = np.uint64(0x8B51F9DD)
        for i in range(8):
            v = pool[i % 4] ^ h
            h = (h * mult_b) & m32
            v = (v * h) & m32
            v = v ^ (v >> s16)
            out[k, i // 2] |= v << np.uint64(32 * (i % 2))
    return out


def _words32(x: int) -> list[int]:
    """A non-negative integer as 32-bit words, least significant first (at least one)."""
    if x < 0:
        raise ValueError(f"seeds and spawn keys must be non-negative integers, got {x}")
    words = [x & 0xFFFFFFFF]
    x >>= 32
    while x:
        words.append(x & 0xFFFFFFFF)
        x >>= 32
    return words


def pcg64_states(root_seed: int, spawn_keys: list[tuple[int, ...]]) -> list[dict]:
    """The ``state`` of ``PCG64(SeedSequence(root_seed, spawn_key=key))`` as built, for
    each of ``spawn_keys``, without building them: ``bit_generator.state = state`` gives
    the same draws."""
    root = _words32(int(root_seed))
    entropy = []
    for key in spawn_keys:
        spawn = [w for k in key for w in _words32(int(k))]
        words = root + [0] * (4 - len(root)) if spawn and len(root) < 4 else root
        entropy.append(words + spawn)
    if len({len(e) for e in entropy}) == 1:  # one call for all
        states = _seed_sequence_states(np.array(entropy, dtype=np.uint64)).tolist()
    else:
        states = [_seed_sequence_states(np.array([e], dtype=np.uint64))[0].tolist() for e in entropy]
    out = []
    for s in states:
        seed = (s[0] << 64) | s[1]
        inc = ((((s[2] << 64) | s[3]) << 1) | 1) & _M128
        state = ((inc + seed) * _PCG64_MULT + inc) & _M128  # PCG's srandom: a step from 0, add the seed, a step
        out.append({"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0})
    return out


class Streams:
    """The named random streams of one replication."""

    def __init__(self, root_seed: int, replication: int = 0):
        if isinstance(root_seed, bool) or not isinstance(root_seed, (int, np.integer)):
            raise TypeError(f"seed must be a non-negative integer, got {root_seed!r}")
        if root_seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {root_seed}")
        self.root_seed = int(root_seed)
        self.replication = int(replication)
        self._keys: dict[str, int] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.root_seed, spawn_key=(self.replication, STREAM_INDEX[name]))

    def key(self, name: str) -> int:
        if name not in self._keys:
            self._keys[name] = int(self.seed_sequence(name).generate_state(1, np.uint64)[0])
        return self._keys[name]

    def generator(self, name: str, *sub: str | int) -> np.random.Generator:
        """A Generator for ``name``; ``sub`` labels give independent sub-streams
        (for example one per parameter path, so adding an uncertain parameter
        does not change the draws of the others)."""
        ss = np.random.SeedSequence(self.root_seed, spawn_key=self._spawn_key(name, sub))
        return np.random.Generator(np.random.PCG64(ss))

    def generator_states(self, name: str, subs: list) -> list[dict]:
        """The bit generator's state ``generator(name, sub)`` starts in, for each of ``subs``
        (a single label or a tuple of labels each): set a kept generator's
        ``bit_generator.state`` to one to make that generator's draws."""
        subs = [sub if isinstance(sub, tuple) else (sub,) for sub in subs]
        return pcg64_states(self.root_seed, [self._spawn_key(name, sub) for sub in subs])

    def _spawn_key(self, name: str, sub: tuple) -> tuple[int, ...]:
        return (self.replication, STREAM_INDEX[name]) + tuple(zlib.crc32(str(s).encode()) for s in sub)

    def u(self, name: str, agents: np.ndarray, tick: int, slot: int = 0) -> np.ndarray:
        return uniforms(self.key(name), agents, tick, slot)
