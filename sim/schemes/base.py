"""The scheme interface: how a campaign seeds, what a referral earns, what keeps customers.

Each scheme is one small class with a config dataclass (its YAML option extends the
dataclass's ``schema_<group>_<name>`` schema). A scheme is built with its config and the model,
and is asked for decisions by the daily step; it never loops over agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.dynamics.referrals import FAKE, fund_referrals, is_referral
from sim.exposures import Exposures
from sim.params import fail

if TYPE_CHECKING:
    from sim.dynamics.purchase import Purchases
    from sim.model import ReferralModel


class Scheme:
    """Common base: holds the config and the model.

    Attributes:
        name: the option name in its config group.
        config_class: the option's config dataclass.

    """

    name: ClassVar[str]
    config_class: ClassVar[type]

    def __init__(self, config: object, model: ReferralModel) -> None:
        self.config = config
        self.model = model


class SeedingScheme(Scheme):
    """How the campaign starts and which paid or owned channels broadcast each day.

    Attributes:
        key: where its keys are, for messages: ``seeding.``, or ``seeding.koc.`` for a channel
            of ``seeding=mixed``.

    """

    def __init__(self, config: object, model: ReferralModel, key: str = "seeding.") -> None:
        super().__init__(config, model)
        self.key = key

    def initial_customers(self) -> np.ndarray:
        """Consumers who are customers before day 1 (they buy on day 0 and share on day 1).

        ``config.initial_customers`` of them, uniformly at random.
        """
        count, n = self.config.initial_customers, self.model.n
        if count > n:  # a loaded network's size is known only now
            fail("seeding.initial_customers", count, f"at most the network's {n} consumers")
        return np.sort(self.model.rng.choice(n, size=count, replace=False))

    def broadcast(self, day: int) -> Exposures:
        """Today's exposures from ads, KOL and KOC posts (spend booked in the ledger)."""
        return Exposures.empty()

    def after_orders(self, first: Purchases, repeat: np.ndarray) -> None:
        """Book what today's orders cost the channel (commissions on attributed sales)."""

    def is_idle(self, day: int) -> bool:
        """Whether the scheme will broadcast nothing after ``day`` (no more exposures)."""
        return True

    def chosen_kocs(self) -> np.ndarray:
        """Consumer ids of the KOCs the scheme asks to recruit (none unless it recruits)."""
        return np.zeros(0, dtype=np.int64)

    def recruited_kocs(self) -> np.ndarray:
        """Consumer ids of the KOCs recruited so far (none unless the scheme recruits)."""
        return np.zeros(0, dtype=np.int64)

    def hired_kols(self) -> np.ndarray:
        """Indices ``j`` of the KOLs hired (none unless the scheme hires)."""
        return np.zeros(0, dtype=np.int64)


class ReferralScheme(Scheme):
    """What a successful referral earns the referrer and offers the referee."""

    def referee_discount(self) -> float:
        """Discount in yuan offered to a friend who buys through a referral link."""
        return 0.0

    def referrer_reward(self, referrers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Face value (yuan) and reward-kind code of the reward for each referrer's next referral.

        Args:
            referrers: consumer ids (may repeat).

        Returns:
            ``(face_value, kind)`` arrays; kinds are indices into ``REWARD_KINDS``.

        """
        return np.zeros(len(referrers)), np.zeros(len(referrers), dtype=np.int8)

    def offers_anything(self) -> bool:
        """Whether the scheme pays or discounts at all."""
        return False

    def perceived_value(self, sharers: np.ndarray) -> np.ndarray:
        """Value (yuan) each sharer perceives in sharing today's offer (drives sharing)."""
        face, kind = self.referrer_reward(sharers)
        perceived = face * self.model.reward_table.perceived[kind]
        weight = self.model.config.share.referee_weight
        return perceived + weight * self.referee_discount()

    def extractable_value(self, sharers: np.ndarray) -> np.ndarray:
        """Cash value (yuan) a fraudster extracts per fake referee (drives fraud, fact R1)."""
        face, kind = self.referrer_reward(sharers)
        value = face * self.model.reward_table.extractable[kind]
        return value + self.model.config.fraud.discount_extractable * self.referee_discount()

    def one_referral_cost(self) -> float:
        """Cost of funding one more referral; offers close when the budget cannot pay it."""
        face, kind = self.referrer_reward(np.zeros(1, dtype=np.int64))
        return self.referee_discount() + float(self.model.reward_table.cost_of(face[0], kind[0]))

    def admit(self, purchases: Purchases, fakes: np.ndarray) -> Purchases:
        """Today's first orders as placed: all of those decided (a group buy holds some back).

        Args:
            purchases: the first orders decided today.
            fakes: the referrer of each fake referee made today.

        """
        return purchases

    def book_first_orders(self, purchases: Purchases, fakes: np.ndarray) -> None:
        """Pay for today's referred first orders, then for the fake referees'."""
        model = self.model
        referred = is_referral(purchases.channel)
        discount = purchases.discount[referred] * model.config.product.price
        self.book(purchases.source[referred], purchases.buyers[referred], discount)
        discount = np.full(len(fakes), model.offer_share * model.config.product.price)
        self.book(fakes, np.full(len(fakes), FAKE), discount)

    def book(self, referrers: np.ndarray, referees: np.ndarray, discount: np.ndarray) -> None:
        """Pay for today's referred first orders (referee :data:`FAKE` for fake accounts).

        Args:
            referrers: consumer id of each referrer.
            referees: consumer id of each referee or FAKE.
            discount: discount each referee was offered (yuan).

        """
        self.fund_first_orders(referrers, referees, discount)

    def fund_first_orders(
        self, referrers: np.ndarray, referees: np.ndarray, discount: np.ndarray
    ) -> int:
        """Fund today's referrals in order while the budget lasts and count the funded ones.

        Args:
            referrers: consumer id of each referrer.
            referees: consumer id of each referee or FAKE.
            discount: discount each referee was offered (yuan).

        Returns:
            How many referrals were funded (a prefix of the arrays): none while offers are
            closed, since those referrals were made without a reward on offer.

        """
        if not self.model.offers_open:
            return 0
        face, kind = self.referrer_reward(referrers)
        reward = self.model.reward_table.cost_of(face, kind)
        funded = fund_referrals(self.model, referrers, referees, discount, reward)
        count_referrals(self.model, referrers[:funded])
        return funded

    def fanout(self) -> float:
        """Share of friends a group share reaches under this scheme."""
        return self.model.config.share.fanout

    def after_repeat_orders(self, buyers: np.ndarray) -> None:
        """React to today's repeat orders (commissions)."""

    def end_of_day(self) -> None:
        """Close the day (expire what has expired)."""

    def is_idle(self) -> bool:
        """Whether nothing of the scheme's is left to expire or settle on a later day."""
        return True

    @property
    def held_orders(self) -> int:
        """First orders decided but not yet placed (a group buy's, waiting for their teams)."""
        return 0

    @property
    def team_counts(self) -> tuple[int, int]:
        """Group-buy teams so far: ``(filled and paid, dissolved)``; none under other schemes."""
        return 0, 0

    @property
    def verify(self) -> str:
        """When a referrer reward is paid: ``none``, ``second_order`` or ``holdback``."""
        return getattr(self.config, "verify", "none")

    @property
    def holdback_days(self) -> int:
        """Days a reward waits under ``holdback`` verification."""
        return getattr(self.config, "holdback_days", 0)


def count_referrals(model: ReferralModel, referrers: np.ndarray) -> None:
    """Credit funded referrals (fake ones included) to their referrers."""
    counted, times = model.scratch.tally(referrers)
    model.consumers.referrals[counted] += times


class RetentionScheme(Scheme):
    """What keeps customers buying: hazard and churn multipliers and their cost."""

    def hazard_multiplier(self, customers: np.ndarray) -> np.ndarray | float:
        """Multiplier on the daily repurchase hazard of each active customer."""
        return 1.0

    def churn_multiplier(self, customers: np.ndarray) -> np.ndarray | float:
        """Multiplier on the daily churn probability of each active customer."""
        return 1.0

    def daily_cost(self, customers: np.ndarray) -> float:
        """Cost of running the programme today for the active customers (yuan)."""
        return 0.0

    def after_orders(self, first: np.ndarray, repeat: np.ndarray) -> float:
        """Enrol new customers and return what today's orders cost the programme (yuan)."""
        return 0.0
