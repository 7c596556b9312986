"""A read-only hash table from uint64 keys to their position, with vectorised (numpy) look-ups.

Why: turning millions of n-gram hashes into column numbers is the hot loop of prediction. A binary
search (``np.searchsorted``) into a 100k-entry vocabulary costs ~16 cache misses per key; an
open-addressing table at load <= 0.25 answers most look-ups at the first probe. Both build and look-up are whole-array
numpy operations (linear probing, one round per probe distance), so there is no Python loop per key.

Only the sorted keys are pickled; the table is rebuilt on load (a few ms), which keeps the model file
small.
"""

from __future__ import annotations

import numpy as np

_MULT = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64 constants
_MULT2 = np.uint64(0x94D049BB133111EB)


class HashIndex:
    """Maps each of ``keys`` (unique uint64) to its index in ``keys``; anything else to -1."""

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = np.ascontiguousarray(keys, dtype=np.uint64)
        self._build()

    def _build(self) -> None:
        n = len(self.keys)
        self._bits = max(4, int(np.ceil(np.log2(max(n, 1) * 4))))
        size = 1 << self._bits
        self._mask = np.int64(size - 1)
        self._slot_pos = np.full(size, -1, dtype=np.int32)
        self._slot_key = np.zeros(size, dtype=np.uint64)
        home = self._home(self.keys)
        pending = np.arange(n, dtype=np.int64)
        probe = 0
        while len(pending):
            slots = (home[pending] + probe) & self._mask
            free = self._slot_pos[slots] == -1
            cand, cslots = pending[free], slots[free]
            won_slots, first = np.unique(cslots, return_index=True)  # one winner per free slot
            winners = cand[first]
            self._slot_pos[won_slots] = winners
            self._slot_key[won_slots] = self.keys[winners]
            placed = np.zeros(n, dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            if len(pending):
                probe += 1
        self._max_probe = probe

    def _home(self, keys: np.ndarray) -> np.ndarray:
        # xor-shift, multiply, take the top bits: the keys are polynomial hashes (linear in the
        # characters), and a multiplication alone keeps that lattice in the top bits, which makes
        # long probe runs; the xor-shift first breaks the linearity.
        x = keys ^ (keys >> np.uint64(29))
        x *= _MULT
        return (x >> np.uint64(64 - self._bits)).astype(np.int64)

    def lookup(self, query: np.ndarray) -> np.ndarray:
        """Index in ``keys`` of each query key, or -1 when absent."""
        query = np.asarray(query, dtype=np.uint64)
        if not len(self.keys) or not len(query):
            return np.full(len(query), -1, dtype=np.int64)
        home = self._home(query)
        pos = self._slot_pos[home]
        found = self._slot_key[home] == query
        out = np.where(found, pos, -1)
        rest = np.flatnonzero((pos >= 0) & ~found)  # slot taken by another key: probe further
        probe = 1
        while len(rest) and probe <= self._max_probe:
            slots = (home[rest] + probe) & self._mask
            pos = self._slot_pos[slots]
            found = self._slot_key[slots] == query[rest]
            out[rest[found]] = pos[found]
            rest = rest[(pos >= 0) & ~found]
            probe += 1
        return out

    def __len__(self) -> int:
        return len(self.keys)

    def __getstate__(self) -> dict:
        return {"keys": self.keys}

    def __setstate__(self, state: dict) -> None:
        self.keys = state["keys"]
        self._build()
