"""Properties of random valid configurations at small n, checked with Hypothesis.

Every declared key of the chosen options (``tests.declared``) gets a random value inside its
declared range, so a key added to a config dataclass is varied without touching this file; the
market is kept small (n <= 120, days <= 40). Every example must keep the accounting identities,
spend within the budget, customers within n, cumulative series that never decrease, NaN only
where ``docs/model.md`` documents it, and repeat exactly with the same seed.

Hypothesis runs derandomized (a fixed seed, no example database), so CI sees the same examples
on every run: 300 random configurations and 500 random edge lists.
``REFERRAL_SIM_EXAMPLES_SCALE=5 pytest tests/test_properties.py`` searches five times wider.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import sim
from sim.config import Config
from sim.configure import check_option_names, option_classes
from sim.metrics import SHAPES
from sim.network.io import load_edgelist
from sim.params import check
from sim.schemes.referral import REWARD_KINDS, Tier
from sim.state import State
from tests.conftest import assert_invariants, assert_same_run
from tests.declared import Key, keys_of

SCALE = float(os.environ.get("REFERRAL_SIM_EXAMPLES_SCALE", "1"))
CI = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
CONFIGURATIONS = int(300 * SCALE)  # about 20 s
EDGE_LISTS = int(500 * SCALE)  # about 3 s
MAX_N, MAX_DAYS = 120, 40
NETWORKS = [name for name in option_classes()["network"] if name != "edgelist"]
RINGS = {"small_world", "lattice", "scale_free"}  # an even degree k in [2, n - 1]
# Drawn together (constraints between keys) rather than one by one.
JOINT = {"seed", "days", "run.replicates", "population.threshold", "budget.total"}
MIXED_SHARES = ("ads_share", "kol_share", "koc_share", "referral_share")
# NaN exactly when (docs/model.md, "Outputs"):
UNDEFINED = {
    "cac": lambda m, model: m["customers"] == 0,
    "repurchase_rate": lambda m, model: m["customers"] == 0,
    "orders_per_customer": lambda m, model: m["customers"] == 0,
    "repurchase_30d": lambda m, model: not _acquired_30_days_before_the_end(model),
    "referred_repurchase_30d": lambda m, model: (
        not _acquired_30_days_before_the_end(model, channels=(sim.Channel.PEER, sim.Channel.KOC))
    ),
    "roi": lambda m, model: m["spend_total"] == 0,
    "fraud_share": lambda m, model: m["fake_referrals"] + m["referred_customers"] == 0,
    **dict.fromkeys(SHAPES, lambda m, model: not model.consumers.is_customer().any()),
}


def _acquired_30_days_before_the_end(model: sim.ReferralModel, channels=None) -> bool:
    """Whether a customer (of ``channels``, default any but a seed) was won 30+ days back."""
    first, channel = model.consumers.first_order_day, model.consumers.channel
    acquired = (first >= 1) & (channel != sim.Channel.SEED)
    if channels is not None:
        acquired &= np.isin(channel, channels)
    return bool((acquired & (first <= model.day - 30)).any())


# ----- strategies ----------------------------------------------------------------------------
def value_of(key: Key, days: int) -> st.SearchStrategy:
    """Any allowed value of ``key``, kept small where the range is open above."""
    if key.item_class is not None:
        base = tiers()
    elif key.kind == list[int]:
        base = st.lists(st.integers(1, days + 5), max_size=4)
    elif key.kind is bool:
        base = st.booleans()
    elif key.choices:
        base = st.sampled_from(key.choices)
    elif key.kind is int:
        low = int(key.range.low)
        day = days + 5 if "day" in key.name else 0  # start_day, holdback_days, ...
        high = _high(key) or max(low + 4, 2 * _default(key), day)
        base = st.integers(low, int(high))
    else:
        high = _high(key) or OPEN_HIGH.get(key.name.rsplit(".", 1)[-1], max(1.0, 3 * _default(key)))
        base = st.floats(key.range.low, high, exclude_min=key.range.low_open)
    return st.one_of(st.none(), base) if key.optional else base


OPEN_HIGH = {"commission_reserve": 100.0}
"""Highs of open ranges whose default (0) says nothing of their scale: a reserve of up to 1
yuan a recruit never bound the recruiting that free products of 20-60 yuan bind (a review)."""


def _high(key: Key) -> float | None:
    return key.range.high


def _default(key: Key) -> float:
    default = key.field.default
    return default if isinstance(default, int | float) else 0


def tiers() -> st.SearchStrategy:
    """Tiers starting at referral 1, starts strictly increasing."""
    later = st.lists(st.integers(2, 10), unique=True, max_size=2).map(sorted)
    tier = st.tuples(st.floats(0, 60), st.sampled_from(REWARD_KINDS))
    return later.flatmap(
        lambda starts: st.lists(tier, min_size=len(starts) + 1, max_size=len(starts) + 1).map(
            lambda values: [
                Tier(start, reward, kind)
                for start, (reward, kind) in zip([1, *starts], values, strict=True)
            ]
        )
    )


def thresholds() -> st.SearchStrategy:
    """Simple contagion, or a share of consumers needing 2 to 4 distinct exposures."""
    mixed = st.tuples(st.floats(0, 1), st.integers(2, 4)).map(
        lambda pair: {"1": pair[0], str(pair[1]): 1.0 - pair[0]}
    )
    return st.one_of(st.just({"1": 1.0}), mixed)


@st.composite
def networks(draw, name: str) -> dict[str, Any]:
    """The network keys that depend on each other: n, k, communities."""
    n = draw(st.integers(3 if name in RINGS else 2, MAX_N))
    values: dict[str, Any] = {"n": n}
    if name in RINGS:
        values["k"] = 2 * draw(st.integers(1, min(n - 1, 12) // 2))
    elif name == "random":
        values["k"] = draw(st.floats(0, min(n - 1, 12)))
    elif name == "complete":
        values["k"] = draw(st.integers(0, 12))
    elif name == "circles":
        values["communities"] = draw(st.integers(1, min(n, 10)))
    return values


@st.composite
def configurations(draw) -> Config:
    """A random valid configuration: random options, every key of them random."""
    classes = option_classes()
    chosen = {group: draw(st.sampled_from(sorted(set(classes[group]) & _usable(group))))
              for group in classes}  # fmt: skip
    config = Config(**{group: classes[group][name]() for group, name in chosen.items()})
    days = draw(st.integers(1, MAX_DAYS))
    network = draw(networks(chosen["network"]))
    for key in keys_of(tuple(f"{group}={name}" for group, name in chosen.items())):
        if key.field.name == "name" or key.name in JOINT:
            continue
        last = key.name.rsplit(".", 1)[-1]
        value = network[last] if key.name.startswith("network.") and last in network else None
        set_key(config, key.name, value if value is not None else draw(value_of(key, days)))
    config.seed, config.days, config.run.replicates = draw(st.integers(0, 2**32)), days, 1
    config.population.threshold = draw(thresholds())
    config.budget.total = draw(st.one_of(st.none(), st.floats(0, 20_000)))
    _fit(config, draw)
    try:
        check(config)
        check_option_names(config)
    except sim.ConfigError:
        assume(False)
    return config


def _usable(group: str) -> set[str]:
    return set(NETWORKS) if group == "network" else set(option_classes()[group])


def _fit(config: Config, draw) -> None:
    """Satisfy the constraints between keys: seeds within n, KOLs hired within those there are,
    channel shares of ``seeding=mixed`` summing to at most 1."""
    seeding = config.seeding
    seeding.initial_customers = min(seeding.initial_customers, config.network.n)
    if hasattr(seeding, "hired"):
        seeding.hired = min(seeding.hired, config.influencers.kols)
    if seeding.name == "mixed":
        weights = draw(st.lists(st.floats(0, 1), min_size=5, max_size=5))
        total = sum(weights) or 1.0
        for name, weight in zip(MIXED_SHARES, weights, strict=False):
            setattr(seeding, name, weight / total)


def set_key(config: Config, key: str, value: Any) -> None:
    """``config.<key> = value`` for a dotted key."""
    *path, last = key.split(".")
    node = config
    for part in path:
        node = getattr(node, part)
    setattr(node, last, value)


# ----- properties ----------------------------------------------------------------------------
def assert_books_balance(model: sim.ReferralModel) -> None:
    """Identities beyond ``assert_invariants``: revenue, profit, rates and counts."""
    metrics, series, config = model.metrics(), model.timeseries(), model.config
    revenue = config.product.price * series["orders"].sum()
    assert metrics["revenue"] == pytest.approx(revenue, rel=1e-12)
    profit = metrics["revenue"] * config.product.margin - metrics["spend_total"]
    assert metrics["gross_profit"] == pytest.approx(profit, rel=1e-9, abs=1e-6)
    paid = ("ads", "kol", "koc", "referral_reward", "referral_discount")  # docs/model.md
    acquisition = math.fsum(metrics[f"spend_{name}"] for name in paid)
    assert metrics["spend_acquisition"] == pytest.approx(acquisition, rel=1e-12, abs=1e-6)
    total = math.fsum(model.ledger.spent.values())  # every component the ledger booked
    assert metrics["spend_total"] == pytest.approx(total, rel=1e-12, abs=1e-6)
    assert metrics["spend_retention"] == pytest.approx(model.ledger.spent["retention"], abs=1e-6)
    if metrics["spend_total"] > 0:
        assert metrics["roi"] == pytest.approx(revenue / total, rel=1e-9)
    assert metrics["adoption_rate"] == metrics["customers"] / model.n
    assert 0 <= metrics["referred_customers"] <= metrics["customers"] <= model.n
    assert series["new_customers"].sum() == metrics["customers"]
    assert metrics["aware_rate"] <= 1 and (series["aware"] <= model.n).all()
    kol_customers = series["new_customers_kol"].sum()
    assert len(model.referrals()) == metrics["referred_customers"] + kol_customers
    customers = (model.consumers.state >= State.CUSTOMER) & (
        model.consumers.channel != sim.Channel.SEED
    )
    assert customers.sum() == metrics["customers"]


def assert_nan_only_where_documented(model: sim.ReferralModel) -> None:
    metrics = model.metrics()
    for name, value in metrics.items():
        undefined = UNDEFINED.get(name, lambda m, model: False)(metrics, model)
        assert math.isnan(value) == undefined, (name, value)
        assert undefined or math.isfinite(value) or _overflows(name, metrics), (name, value)
        assert undefined or name in ("gross_profit",) or value >= 0, (name, value)
    series = model.timeseries()
    assert not series.isna().any().any() and (series.drop(columns="day") >= 0).all().all()


def _overflows(name: str, metrics: dict[str, float]) -> bool:
    """ROI is +inf when spend is positive but below about 1e-290 yuan (the ratio overflows)."""
    return name == "roi" and metrics["roi"] == math.inf and 0 < metrics["spend_total"] < 1e-290


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # tiny scales: exact
@settings(CI, max_examples=CONFIGURATIONS)
@given(configurations())
def test_random_valid_configurations_keep_every_invariant_and_repeat_exactly(config):
    model = sim.ReferralModel(config).run()
    assert_invariants(model)
    assert_books_balance(model)
    assert_nan_only_where_documented(model)
    assert_same_run(model, sim.ReferralModel(config).run())


# ----- edge lists ----------------------------------------------------------------------------
TEXT_IDS = st.text(st.sampled_from("abcxyzßéΩ北京_"), min_size=1, max_size=4)
NUMBER_IDS = st.integers(-(2**70), 2**70)  # beyond int64 both ways
EDGES = st.one_of(
    st.lists(st.tuples(NUMBER_IDS, NUMBER_IDS), min_size=1, max_size=40),
    st.lists(st.tuples(TEXT_IDS, TEXT_IDS), min_size=1, max_size=40),
)


@settings(CI, max_examples=EDGE_LISTS)
@given(EDGES)
def test_an_edge_list_becomes_exactly_its_distinct_people_and_friendships(pairs):
    nodes = {node for pair in pairs for node in pair}
    friendships = {frozenset(pair) for pair in pairs if pair[0] != pair[1]}
    degrees = Counter(node for friendship in friendships for node in friendship)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "edges.txt"
        path.write_text("".join(f"{u} {v}\n" for u, v in pairs), encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dropped duplicates and self-loops
            if len(nodes) < 2:  # self-loops of one person: no network
                with pytest.raises(sim.ConfigError, match=r"has 1 node.*at least 2 consumers"):
                    load_edgelist(path)
                return
            graph = load_edgelist(path)
    assert (graph.n, graph.edges) == (len(nodes), len(friendships))
    expected = sorted([degrees[node] for node in nodes])
    assert sorted(graph.degree().tolist()) == expected
    assert np.all(graph.indices >= 0)
