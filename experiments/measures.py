"""Per-replicate measures beyond ``model.metrics()``, for the calibration and the claims report.

Each measure reads a finished :class:`sim.ReferralModel` and returns plain numbers. They are the
model counterparts of figures in ``shared/SEED_FACTS.md``:

- realised conversion per exposure by channel (F3, F4, F5): first orders decided, credited to a
  channel, divided by that channel's exposures that reached a non-customer (a group buy's
  orders decided at the group price count when decided, whether or not their teams fill);
- the share of customers who bought within ``memory_days`` of first seeing the product (F8);
- the share of gross margin from customers with two or more orders (P1);
- repurchase of retention-programme members and of everyone else (P3, P4, P5);
- the channel each customer's referral chain started from, and how concentrated customers are
  in the largest referral trees and the best KOCs (F2, F6);
- team fill of the group-buy scheme (C1);
- CAC and ROI counting the commissions earned after the budget ran out, which the run's own
  ``cac`` and ``roi`` leave out (``commissions_unbooked``; C4, C6).

Undefined ratios are NaN, as in ``sim.metrics``.
"""

from __future__ import annotations

import math

import numpy as np

import sim
from sim.metrics import cascade_forest, ratio, roots_and_depths, sizes_by_root
from sim.state import ACQUISITION_CHANNELS, Channel, channel_name

HEAD = 0.01  # "the 1% head" of fact F6


def realised_conversion(model: sim.ReferralModel) -> dict[str, float]:
    """First orders decided per exposure that reached a non-customer (``conv_<channel>``).

    Under ``referral=group_buy`` a friend's order decided at the group price counts on the day
    it is decided, whether its team fills (the order placed at that price), dissolves (kept at
    full price or dropped) or is still open at the end: the conversion the offer brought.
    """
    return {
        f"conv_{channel_name(c)}": ratio(model.decided[c], model.exposures_seen[c])
        for c in ACQUISITION_CHANNELS
    }


def decided_within_window(model: sim.ReferralModel) -> float:
    """Share of customers whose first order came within ``memory_days`` of their first exposure.

    ``memory_days = 3`` counts the day of the first exposure and the two days after it: the
    window in which the model lets exposures add up (fact F8: 89% decide within 3 days).
    """
    consumers = model.consumers
    acquired = consumers.acquired()
    waited = consumers.first_order_day[acquired] - consumers.first_aware_day[acquired]
    return ratio((waited < model.config.population.memory_days).sum(), len(waited))


def repeat_buyer_margin_share(model: sim.ReferralModel) -> float:
    """Share of the customers' orders (hence of gross margin: one price) from repeat buyers."""
    orders = model.consumers.orders[model.consumers.acquired()]
    return ratio(orders[orders >= 2].sum(), orders.sum())


def member_repurchase(model: sim.ReferralModel) -> dict[str, float]:
    """Repurchase rate of retention-programme members and of the other customers (P3-P5)."""
    consumers = model.consumers
    acquired = consumers.acquired()
    member = getattr(model.retention, "member", np.zeros(model.n, dtype=bool))
    repeat = consumers.orders >= 2
    return {
        "repurchase_members": ratio((repeat & acquired & member).sum(), (acquired & member).sum()),
        "repurchase_others": ratio((repeat & acquired & ~member).sum(), (acquired & ~member).sum()),
        "member_share": ratio((acquired & member).sum(), acquired.sum()),
    }


def origin_channel(model: sim.ReferralModel) -> np.ndarray:
    """For every consumer, the channel its chain of friend referrals started from.

    A customer won through a friend's share inherits the origin of that friend, back to the
    first customer in the chain who came through an ad, a KOL post, a KOC post or as a seed.
    Consumers who never bought get ``Channel.NONE``.
    """
    return model.consumers.channel[chain_roots(model)]


def chain_roots(model: sim.ReferralModel) -> np.ndarray:
    """For every consumer, the first consumer of its chain of friend (peer) referrals."""
    consumers = model.consumers
    peer = consumers.channel == Channel.PEER
    root, _ = roots_and_depths(np.where(peer, consumers.referrer, -1))
    return root


def origin_shares(model: sim.ReferralModel) -> dict[str, float]:
    """Share of customers whose referral chain started at each channel (``origin_<channel>``)."""
    acquired = model.consumers.acquired()
    origin = origin_channel(model)[acquired]
    total = len(origin)
    return {
        f"origin_{channel_name(c)}": ratio((origin == c).sum(), total)
        for c in (Channel.AD, Channel.KOL, Channel.KOC, Channel.SEED)
    }


def every_tree_size(model: sim.ReferralModel) -> np.ndarray:
    """Size of every referral tree among consumers, single members included (``sim.metrics``)."""
    _, nodes, root, _ = cascade_forest(model.consumers, model.n)
    sizes = sizes_by_root(nodes, root, model.n)
    return sizes[sizes > 0]


def head_share(amounts: np.ndarray, head: float = HEAD) -> float:
    """Share of the total held by the largest ``head`` fraction of the items (at least one)."""
    if not len(amounts) or amounts.sum() == 0:
        return math.nan
    top = max(1, math.ceil(head * len(amounts)))
    return float(np.sort(amounts)[::-1][:top].sum() / amounts.sum())


def recruited_kocs(model: sim.ReferralModel) -> np.ndarray:
    """Consumer ids of the recruited KOCs (KOC matrix, alone or within ``mixed``)."""
    return np.sort(model.seeding.recruited_kocs())


def koc_head_share(model: sim.ReferralModel) -> float:
    """Share of KOC-originated customers brought (directly or down the chain) by the top 1% KOCs."""
    recruits = recruited_kocs(model)
    if not len(recruits):
        return math.nan
    consumers = model.consumers
    root = chain_roots(model)
    acquired = consumers.acquired()
    from_koc = acquired & (consumers.channel[root] == Channel.KOC)
    koc_of = consumers.referrer[root[from_koc]]
    counts = np.bincount(np.searchsorted(recruits, koc_of), minlength=len(recruits))
    return head_share(counts[: len(recruits)])


def team_fill(model: sim.ReferralModel) -> float:
    """Share of group-buy teams that filled, paid or not (NaN for other schemes or no team)."""
    referral = model.referral
    if getattr(referral, "filled_teams", None) is None:
        return math.nan
    filled = referral.filled_teams + referral.unpaid_teams
    return ratio(filled, filled + referral.expired_teams)


def counting_unbooked(metrics: dict[str, float]) -> dict[str, float]:
    """CAC and ROI with the commissions the budget could not pay counted as spend.

    The run's ``cac`` and ``roi`` leave them out (spend never exceeds the budget); a brand that
    owes them pays them. NaN where there is no customer or no spend, as ``cac`` and ``roi``.
    """
    unbooked = metrics["commissions_unbooked"]
    return {
        "cac_counting_unbooked": ratio(
            metrics["spend_acquisition"] + unbooked, metrics["customers"]
        ),
        "roi_counting_unbooked": ratio(metrics["revenue"], metrics["spend_total"] + unbooked),
    }


def measure(model: sim.ReferralModel) -> dict[str, float]:
    """Every measure of this module for one finished replicate, with the run metrics."""
    sizes = every_tree_size(model)
    row = dict(model.metrics())
    row.update(counting_unbooked(row))
    row.update(realised_conversion(model))
    row.update(member_repurchase(model))
    row.update(origin_shares(model))
    row.update(
        decided_within_window=decided_within_window(model),
        repeat_buyer_margin_share=repeat_buyer_margin_share(model),
        tree_head_share=head_share(sizes),
        koc_head_share=koc_head_share(model),
        team_fill=team_fill(model),
        share_events=float(model.timeseries()["sharers"].sum()),
        peer_exposures=float(model.exposures_seen[Channel.PEER]),
        kol_exposures=float(model.exposures_seen[Channel.KOL]),
    )
    return row
