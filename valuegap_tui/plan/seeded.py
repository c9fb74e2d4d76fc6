"""NumPy's ``default_rng(seed).permutation(n)``, bit for bit, in plain Python.

A run's option orders are drawn from ``numpy.random.default_rng`` (SeedSequence -> PCG64 ->
Generator.shuffle), and stored plans depend on them, so the draws must never change. Importing
NumPy costs about 0.1 s of a `valuegap run start` whose first request needs only a few dozen
permutations; this module draws the very same ones without it. tests/test_seeded.py checks it
against NumPy itself over thousands of seeds and sizes.

The steps, as NumPy implements them: the seed's 32-bit words are mixed into a pool of four by
SeedSequence's hash mix; four 64-bit words generated from the pool seed PCG64 (XSL-RR 128/64);
Generator.shuffle is a Fisher-Yates shuffle whose bounded draws reject masked 32-bit outputs
(each 64-bit output serves two 32-bit draws, low half first).
"""

from __future__ import annotations

_M32 = 0xFFFFFFFF
_M64 = (1 << 64) - 1
_M128 = (1 << 128) - 1
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_XSHIFT = 16
_POOL_SIZE = 4
_PCG_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645


def _words(seed: int) -> list[int]:
    if seed < 0:
        raise ValueError("the seed must be non-negative")
    words = []
    while True:
        words.append(seed & _M32)
        seed >>= 32
        if not seed:
            return words


def _seed_pool(seed: int) -> list[int]:
    """SeedSequence(seed).pool."""
    entropy = _words(seed)
    hash_const = _INIT_A

    def hashmix(value: int) -> int:
        nonlocal hash_const
        value ^= hash_const
        hash_const = (hash_const * _MULT_A) & _M32
        value = (value * hash_const) & _M32
        return value ^ (value >> _XSHIFT)

    def mix(x: int, y: int) -> int:
        result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _M32
        return result ^ (result >> _XSHIFT)

    pool = [hashmix(entropy[i] if i < len(entropy) else 0) for i in range(_POOL_SIZE)]
    for i_src in range(_POOL_SIZE):
        for i_dst in range(_POOL_SIZE):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hashmix(pool[i_src]))
    for i_src in range(_POOL_SIZE, len(entropy)):
        for i_dst in range(_POOL_SIZE):
            pool[i_dst] = mix(pool[i_dst], hashmix(entropy[i_src]))
    return pool


def _state_words(pool: list[int], n_words: int) -> list[int]:
    """SeedSequence.generate_state(n_words, uint64)."""
    hash_const = _INIT_B
    out32 = []
    for i in range(2 * n_words):
        value = pool[i % len(pool)] ^ hash_const
        hash_const = (hash_const * _MULT_B) & _M32
        value = (value * hash_const) & _M32
        out32.append(value ^ (value >> _XSHIFT))
    return [out32[2 * k] | (out32[2 * k + 1] << 32) for k in range(n_words)]


class SeededRandom:
    """The draws of ``numpy.random.default_rng(seed)`` that ``permutation`` uses."""

    __slots__ = ("_state", "_inc", "_half")

    def __init__(self, seed: int):
        s0, s1, i0, i1 = _state_words(_seed_pool(seed), 4)
        initstate, initseq = (s0 << 64) | s1, (i0 << 64) | i1
        self._inc = ((initseq << 1) | 1) & _M128
        self._state = 0
        self._step()
        self._state = (self._state + initstate) & _M128
        self._step()
        self._half: int | None = None  # the upper 32 bits of the last 64-bit output, not yet used

    def _step(self) -> None:
        self._state = (self._state * _PCG_MULTIPLIER + self._inc) & _M128

    def next64(self) -> int:
        self._step()
        state = self._state
        value = ((state >> 64) ^ state) & _M64
        rot = state >> 122
        return ((value >> rot) | (value << ((-rot) & 63))) & _M64

    def next32(self) -> int:
        if self._half is not None:
            value, self._half = self._half, None
            return value
        value = self.next64()
        self._half = value >> 32
        return value & _M32

    def interval(self, top: int) -> int:
        """A uniform integer in [0, top] (NumPy's random_interval)."""
        if top == 0:
            return 0
        mask = top
        for shift in (1, 2, 4, 8, 16, 32):
            mask |= mask >> shift
        draw = self.next32 if top <= _M32 else self.next64
        while True:
            value = draw() & mask
            if value <= top:
                return value

    def permutation(self, n: int) -> list[int]:
        """``Generator.permutation(n)``: 0 .. n-1 shuffled."""
        values = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.interval(i)
            values[i], values[j] = values[j], values[i]
        return values


def _hash_pairs(start: int, multiplier: int, count: int) -> list[tuple[int, int]]:
    """(the hash constant before, after) each of ``count`` hashmix steps from ``start``."""
    pairs, h = [], start
    for _ in range(count):
        after = (h * multiplier) & _M32
        pairs.append((h, after))
        h = after
    return pairs


_PAIRS_A = _hash_pairs(_INIT_A, _MULT_A, _POOL_SIZE + _POOL_SIZE * (_POOL_SIZE - 1))
#: SeedSequence's pool: its four words hashed in, then every word mixed into every other
_INIT_STEPS = _PAIRS_A[:_POOL_SIZE]
_MIX_STEPS = [(i_src, i_dst, *_PAIRS_A[_POOL_SIZE + k]) for k, (i_src, i_dst) in
              enumerate((s, d) for s in range(_POOL_SIZE) for d in range(_POOL_SIZE) if s != d)]
#: generate_state(4, uint64): eight 32-bit words from the pool, in turn
_GENERATE_STEPS = [(i % _POOL_SIZE, *pair) for i, pair in enumerate(_hash_pairs(_INIT_B, _MULT_B, 8))]
#: the smallest all-ones mask covering i (NumPy's bounded draws), for the square sizes a plan draws
_MASKS = [(1 << i.bit_length()) - 1 for i in range(64)]


def latin_square_rows(seed: int, n: int) -> list[list[int]]:
    """The rows of ``plan.latin_square(default_rng(seed), n)``: the cyclic square with rows,
    columns and symbols shuffled (drawn in that order).

    The same steps as ``SeededRandom(seed).permutation(n)`` three times, written out with local
    variables: a plan draws one square per item and question (1,232 for 616 dilemmas), and this
    takes a third of the time of the method calls."""
    if n - 1 > _M32:
        rng = SeededRandom(seed)
        rows, cols, symbols = rng.permutation(n), rng.permutation(n), rng.permutation(n)
        return [[symbols[(r + c) % n] for c in cols] for r in rows]
    # SeedSequence(seed).pool, then generate_state(4, uint64); the hash constants run through a fixed
    # sequence whatever the seed, so each step's pair is read from a table (_MIX_STEPS, _GENERATE_STEPS)
    entropy = _words(seed)
    pool = []
    for i, (x, m) in enumerate(_INIT_STEPS):
        v = (((entropy[i] if i < len(entropy) else 0) ^ x) * m) & _M32
        pool.append(v ^ (v >> _XSHIFT))
    sources = pool if len(entropy) <= _POOL_SIZE else None
    for i_src, i_dst, x, m in _MIX_STEPS:
        v = ((pool[i_src] ^ x) * m) & _M32
        r = (_MIX_MULT_L * pool[i_dst] - _MIX_MULT_R * (v ^ (v >> _XSHIFT))) & _M32
        pool[i_dst] = r ^ (r >> _XSHIFT)
    if sources is None:
        pool = _seed_pool(seed)  # more than four words of seed: the general path
    words = []
    for i, x, m in _GENERATE_STEPS:
        v = ((pool[i] ^ x) * m) & _M32
        words.append(v ^ (v >> _XSHIFT))
    initstate = ((words[0] | words[1] << 32) << 64) | words[2] | words[3] << 32
    initseq = ((words[4] | words[5] << 32) << 64) | words[6] | words[7] << 32
    # PCG64: seed, then three Fisher-Yates shuffles of 0..n-1 with masked 32-bit draws
    inc = ((initseq << 1) | 1) & _M128
    state = inc  # one step from 0
    state = ((state + initstate) * _PCG_MULTIPLIER + inc) & _M128
    half = -1
    shuffled = []
    for _ in range(3):
        values = list(range(n))
        for i in range(n - 1, 0, -1):
            mask = _MASKS[i] if i < 64 else (1 << i.bit_length()) - 1
            while True:
                if half >= 0:
                    draw, half = half, -1
                else:
                    state = (state * _PCG_MULTIPLIER + inc) & _M128
                    x = ((state >> 64) ^ state) & _M64
                    rot = state >> 122
                    out = ((x >> rot) | (x << ((-rot) & 63))) & _M64
                    draw, half = out & _M32, out >> 32
                draw &= mask
                if draw <= i:
                    break
            values[i], values[draw] = values[draw], values[i]
        shuffled.append(values)
    rows, cols, symbols = shuffled
    return [[symbols[(r + c) % n] for c in cols] for r in rows]
