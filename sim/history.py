"""The daily time series of a run, written into preallocated arrays (one row a day, day 0 first)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.state import ACQUISITION_CHANNELS, channel_name

if TYPE_CHECKING:
    from sim.model import ReferralModel

NEW_BY_CHANNEL = tuple((int(c), f"new_customers_{channel_name(c)}") for c in ACQUISITION_CHANNELS)
"""Each acquisition channel's code and its column of new customers."""
ACQUISITION_CODES = np.array(ACQUISITION_CHANNELS, dtype=np.int64)
COUNT_COLUMNS = (
    "customers",
    "new_customers",
    *(name for _, name in NEW_BY_CHANNEL),
    "aware",
    "orders",
    "repeat_orders",
    "active_customers",
    "sharers",
    "fake_referrals",
)
"""Integer columns. ``customers`` is cumulative real customers at the end of the day (seeds
excluded), ``aware`` cumulative consumers ever aware (seeds included), ``orders`` the day's real
orders (first and repeat), ``sharers`` consumers who shared that day (group shares and talk)."""


class History:
    """Accumulates one row per day."""

    def __init__(self, days: int) -> None:
        self.rows = 0
        self.counts = {name: np.zeros(days + 1, dtype=np.int64) for name in COUNT_COLUMNS}
        self.spend_total = np.zeros(days + 1)

    def record(
        self, model: ReferralModel, channels: np.ndarray, repeat_orders: int, sharers: int
    ) -> None:
        """Append today's row.

        Args:
            model: the model, at the end of its day.
            channels: acquisition channel of each of today's new customers.
            repeat_orders: repeat orders placed today.
            sharers: consumers who shared today.

        """
        row, counts = self.rows, self.counts
        new = np.bincount(channels.astype(np.int64), minlength=max(ACQUISITION_CHANNELS) + 1)
        new_real = int(new[ACQUISITION_CODES].sum())
        counts["new_customers"][row] = new_real
        counts["customers"][row] = new_real + (counts["customers"][row - 1] if row else 0)
        for channel, name in NEW_BY_CHANNEL:
            counts[name][row] = new[channel]
        counts["aware"][row] = model.aware_count
        counts["orders"][row] = (new_real if row else 0) + repeat_orders
        counts["repeat_orders"][row] = repeat_orders
        counts["active_customers"][row] = len(model.active)
        counts["sharers"][row] = sharers
        counts["fake_referrals"][row] = model.fraud.fakes
        self.spend_total[row] = model.ledger.total
        self.rows += 1

    def repeat_last(self, days: int) -> None:
        """Append ``days`` rows of a settled model: cumulative columns kept, daily ones zero."""
        cumulative = ("customers", "aware", "active_customers", "fake_referrals")
        last, end = self.rows - 1, self.rows + days
        for name, values in self.counts.items():
            values[self.rows : end] = values[last] if name in cumulative else 0
        self.spend_total[self.rows : end] = self.spend_total[last]
        self.rows = end

    def frame(self) -> pd.DataFrame:
        """The series so far as a DataFrame (columns ``day``, counts, ``spend_total``)."""
        data = {"day": np.arange(self.rows)}
        data.update({name: values[: self.rows] for name, values in self.counts.items()})
        data["spend_total"] = self.spend_total[: self.rows]
        return pd.DataFrame(data)
