"""Word of mouth: group shares after a purchase and ongoing talk to one friend a day.

A share is a *peer* exposure carrying the sharer's referral link and the scheme's offer.
Incentives raise the probability of sharing with diminishing returns in the reward's perceived
value: ``p * (1 + lift * (1 - exp(-perceived / scale)))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.exposures import Exposures
from sim.state import Channel

if TYPE_CHECKING:
    from sim.model import ReferralModel


def incentive_lift(model: ReferralModel, sharers: np.ndarray) -> np.ndarray:
    """Multiplier on each sharer's sharing probability from today's offer."""
    if not model.offers_open:
        return np.ones(len(sharers))
    share = model.config.share
    perceived = model.referral.perceived_value(sharers)
    return 1.0 + share.incentive_lift * -np.expm1(-perceived / share.incentive_scale)


def _who_shares(
    model: ReferralModel, candidates: np.ndarray, base: float, rng: np.random.Generator
) -> np.ndarray:
    if base == 0 or not len(candidates):
        return candidates[:0]
    if base >= 1:  # everyone shares whatever the offer
        return candidates
    probability = np.minimum(base * incentive_lift(model, candidates), 1.0)
    return candidates[rng.random(len(candidates)) < probability]


def _peer_exposures(
    model: ReferralModel, owner: np.ndarray, friend: np.ndarray, rng: np.random.Generator
) -> Exposures:
    """Peer exposures, keeping only friends who can still buy (the rest cannot change).

    Each exposure's purchase draw comes from ``rng`` (the phase of these shares' purchase
    draws) before the others are dropped, so an exposure made under two schemes is decided by
    the same draw whoever else bought (common random numbers).
    """
    draw = rng.random(len(friend))
    can_buy = model.consumers.can_buy(friend)
    offer = model.offer_share
    return Exposures.of(friend[can_buy], owner[can_buy], Channel.PEER, offer, draw[can_buy])


def group_shares(model: ReferralModel, buyers: np.ndarray) -> tuple[Exposures, np.ndarray]:
    """Yesterday's buyers share with a fraction ``fanout`` of their friends.

    Returns:
        The exposures and the consumers who shared.

    """
    share = model.config.share
    graph, rng = model.network, model.draws("share_fanout")
    sharers = _who_shares(model, buyers, share.after_purchase, model.draws("share"))
    fanout = model.referral.fanout() if model.offers_open else share.fanout
    if graph.is_mixing:
        reached = rng.binomial(graph.mixing_contacts, fanout, size=len(sharers))
        owner = np.repeat(sharers, reached)
        friend = graph.random_friend(owner, rng)
    else:
        owner, friend = graph.friends_of(sharers)
        if fanout < 1:
            chosen = rng.random(len(friend)) < fanout
            owner, friend = owner[chosen], friend[chosen]
    return _peer_exposures(model, owner, friend, model.draws("share_purchase")), sharers


def word_of_mouth(model: ReferralModel) -> tuple[Exposures, np.ndarray]:
    """Each active customer tells one random friend with daily probability ``share.daily``.

    Returns:
        The exposures and the consumers who talked.

    """
    talkers = _who_shares(model, model.active, model.config.share.daily, model.draws("talk"))
    if not len(talkers):  # share.daily = 0 (the IC limit), or nobody active: no friend to pick
        return Exposures.empty(), talkers
    friend = model.network.random_friend(talkers, model.draws("talk_friend"))
    has = friend >= 0
    return _peer_exposures(model, talkers[has], friend[has], model.draws("talk_purchase")), talkers
