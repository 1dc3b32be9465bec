"""A day's exposures: who saw what, from whom, through which channel, with which offer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.state import Channel


@dataclass
class Exposures:
    """One row per exposure.

    Attributes:
        target: consumer exposed.
        source: who exposed them: a consumer id, ``n + j`` for KOL ``j``, ``n + kols`` for ads.
        channel: :class:`~sim.state.Channel` code.
        discount: the offer carried, as a share of the list price (0 = none).
        draw: the uniform draw that decides each exposure's purchase, drawn by the channel
            with the exposure (None: the purchase phase draws them).

    """

    target: np.ndarray
    source: np.ndarray
    channel: np.ndarray
    discount: np.ndarray
    draw: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.target)

    @classmethod
    def empty(cls) -> Exposures:
        """No exposures."""
        return cls.of(np.zeros(0, np.int64), np.zeros(0, np.int64), Channel.PEER)

    @classmethod
    def of(
        cls,
        target: np.ndarray,
        source: np.ndarray,
        channel: Channel,
        discount: float = 0.0,
        draw: np.ndarray | None = None,
    ) -> Exposures:
        """Exposures of one channel with one offer (``draw``: their purchase draws, if drawn)."""
        size = len(target)
        source = np.asarray(source, dtype=np.int64)
        if source.shape != (size,):  # one source for all (callers pass fresh arrays otherwise)
            source = np.full(size, source, dtype=np.int64)
        return cls(
            np.asarray(target, dtype=np.int64),
            source,
            np.full(size, channel, dtype=np.int8),
            np.full(size, discount, dtype=np.float64),
            draw,
        )

    @classmethod
    def concat(cls, parts: list[Exposures]) -> Exposures:
        """Join several batches."""
        parts = [p for p in parts if p is not None and len(p)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:  # the usual day: shares only; no copy
            return parts[0]
        # each channel's purchase draws; when a batch has none (one made by hand), the purchase
        # phase draws them all
        drawn = all(p.draw is not None for p in parts)
        draw = np.concatenate([p.draw for p in parts]) if drawn else None
        return cls(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("target", "source", "channel", "discount")
            ),
            draw,
        )
