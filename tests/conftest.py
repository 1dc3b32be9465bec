"""Shared helpers: small configurations and the invariants every run must satisfy."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import theory
from sim.ledger import ACQUISITION, CHANNEL_OF, COMPONENTS
from sim.state import State


@pytest.fixture(autouse=True)
def _root_logger_as_found():
    """Take off the handlers and level a test's in-process Hydra run left on the root logger.

    Hydra configures logging for its job: a handler on the stream pytest captured for that
    test, and the root at INFO. A later test's Mesa model then logged "Step 1 at time 1.0" each
    day into the closed stream: thousands of "--- Logging error ---" lines in its standard
    error (test_sweep_plan then test_report's notes test, in one process; 4 Dec 2026).
    pytest's own capture handlers come and go with each phase and are left to it.
    """
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in before and not type(handler).__module__.startswith("_pytest"):
            root.removeHandler(handler)
    root.setLevel(level)


REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
EGO_FACEBOOK = SHARED_DATA / "ego_facebook.txt"

# The independent-cascade limit of DESIGN.md §1.6 (defined with the theory it must match).
INDEPENDENT_CASCADE = list(theory.INDEPENDENT_CASCADE)


def small(*overrides: str, n: int = 2000) -> sim.Config:
    """A small configuration with the given overrides."""
    return sim.compose([f"network.n={n}", *overrides])


def run_model(config: sim.Config, replicate: int = 0) -> sim.ReferralModel:
    """Run one replicate and check the invariants on the way out."""
    model = sim.ReferralModel(config, replicate).run()
    assert_invariants(model)
    return model


def assert_invariants(model: sim.ReferralModel) -> None:
    """Accounting identities, the budget cap and monotone series hold exactly."""
    metrics = model.metrics()
    components = [metrics[f"spend_{c}"] for c in COMPONENTS]
    assert all(value >= 0 for value in components)
    assert metrics["spend_total"] == pytest.approx(math.fsum(components), rel=1e-12, abs=1e-9)
    acquisition = math.fsum(metrics[f"spend_{c}"] for c in ACQUISITION)
    assert metrics["spend_acquisition"] == pytest.approx(acquisition, rel=1e-12, abs=1e-9)
    if metrics["customers"] > 0:
        assert metrics["cac"] * metrics["customers"] == pytest.approx(
            metrics["spend_acquisition"], rel=1e-12, abs=1e-9
        )
    else:
        assert math.isnan(metrics["cac"])
    budget = model.config.budget.total
    if budget is not None:  # what a KOC matrix still holds for commissions is budget too
        assert metrics["spend_total"] + metrics["commission_reserve_left"] <= budget + 1e-6
    for channel, cap in model.ledger.caps.items():  # spent and held within each channel's cap
        used = sum(v for k, v in model.ledger.spent.items() if CHANNEL_OF[k] == channel)
        assert used + model.ledger.reserves.get(channel, 0.0) <= cap + 1e-6, channel
    assert 0 <= metrics["customers"] <= model.n
    series = model.timeseries()
    for column in ("customers", "aware", "spend_total", "fake_referrals"):
        assert (np.diff(series[column].to_numpy()) >= -1e-9).all(), column
    assert series["customers"].iloc[-1] == metrics["customers"]
    assert series["spend_total"].iloc[-1] == pytest.approx(metrics["spend_total"])
    by_channel = series.filter(like="new_customers_").sum(axis=1)
    assert (by_channel == series["new_customers"]).all()
    active = np.sort(model.active)  # every current customer once, nobody else
    np.testing.assert_array_equal(active, np.flatnonzero(model.consumers.state == State.CUSTOMER))
    held = model.consumers.state == State.HELD  # a group buy's orders waiting for their teams
    assert metrics["orders_held"] == held.sum()
    assert (model.consumers.first_order_day[held] < 0).all()
    # every order decided is placed, still held, or dropped after its group-buy team dissolved
    dropped = getattr(model.referral, "dropped_orders", 0)
    placed = series["new_customers"].sum()
    assert model.decided.sum() == placed + metrics["orders_held"] + dropped


def assert_same_metrics(one: dict[str, float], other: dict[str, float]) -> None:
    """The same metric names with bit-identical values (NaN equal to NaN, no float tolerance)."""
    pd.testing.assert_series_equal(pd.Series(one), pd.Series(other), check_exact=True)


def assert_same_run(one: sim.ReferralModel, other: sim.ReferralModel) -> None:
    """Bit-identical metrics (NaN equal to NaN), time series and referral edges."""
    assert_same_metrics(one.metrics(), other.metrics())
    pd.testing.assert_frame_equal(one.timeseries(), other.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(one.referrals(), other.referrals(), check_exact=True)
