"""The dashboard's controls and how they map onto :func:`sim.compose` overrides.

Each control is a keyword of :class:`sim.dashboard.model.DashboardModel`. Scheme parameters
apply only where the chosen scheme has them (e.g. the referee discount under ``two_sided``).
"""

from __future__ import annotations

from mesa.visualization import Slider

from sim.network.options import NETWORK_OPTIONS
from sim.params import INT64_MAX
from sim.schemes import GROUPS

# every option of each group, from the registries (edgelist needs a file: not offered)
NETWORKS = tuple(name for name in NETWORK_OPTIONS if name != "edgelist")
SEEDINGS = tuple(GROUPS["seeding"])
REFERRALS = tuple(GROUPS["referral"])
RETENTIONS = tuple(GROUPS["retention"])

DEFAULTS = {
    "network": "small_world",
    "n": 2000,
    "seeding": "ads",
    "ad_budget": 600.0,
    "referral": "two_sided",
    "referrer_reward": 10.0,
    "referee_discount": 10.0,
    "commission_rate": 0.1,
    "retention": "none",
    "days": 90,
    "seed": 0,
}
"""Default control values; a 2,000-consumer market keeps a step well under 0.1 s."""


def read_seed(typed: object) -> tuple[int, str | None]:
    """The seed typed in the Seed box, or the default seed and why the typed one was refused.

    The box is free text: a refused entry must not replace the page with a traceback.

    Returns:
        ``(seed, None)`` for a whole number in range, else ``(DEFAULTS["seed"], message)``.

    """
    try:
        seed = int(str(typed).strip())
    except ValueError:
        seed = -1
    if 0 <= seed <= INT64_MAX:  # the configuration's range of ``seed``
        return seed, None
    default = DEFAULTS["seed"]
    return (
        default,
        f"Seed {str(typed)!r} is not a whole number from 0 to 2**63 - 1, "
        f"so this run uses seed {default}.",
    )


REWARD_KEYS = {"one_sided": "referrer_reward", "two_sided": "referrer_reward"}
DISCOUNT_KEYS = {
    "two_sided": "referee_discount",
    "tiered": "referee_discount",
    "group_buy": "group_discount",
}
AD_BUDGET_KEYS = {"ads": "seeding.daily_budget", "mixed": "seeding.ads.daily_budget"}


def overrides(
    *,
    network: str,
    n: int,
    seeding: str,
    ad_budget: float,
    referral: str,
    referrer_reward: float,
    referee_discount: float,
    commission_rate: float,
    retention: str,
    days: int,
    seed: int,
) -> list[str]:
    """Hydra overrides for :func:`sim.compose` from the dashboard's control values.

    Returns:
        e.g. ``["network=small_world", "network.n=2000", ..., "referral.referrer_reward=10.0"]``.

    """
    result = [
        f"network={network}",
        f"network.n={int(n)}",
        f"seeding={seeding}",
        f"referral={referral}",
        f"retention={retention}",
        f"days={int(days)}",
        f"seed={int(seed)}",
    ]
    if seeding in AD_BUDGET_KEYS:
        result.append(f"{AD_BUDGET_KEYS[seeding]}={float(ad_budget)}")
    if referral in REWARD_KEYS:
        result.append(f"referral.{REWARD_KEYS[referral]}={float(referrer_reward)}")
    if referral in DISCOUNT_KEYS:
        result.append(f"referral.{DISCOUNT_KEYS[referral]}={float(referee_discount)}")
    if referral == "commission":
        result.append(f"referral.rate={float(commission_rate)}")
    return result


def _select(label: str, values: tuple[str, ...], key: str) -> dict:
    return {"type": "Select", "label": label, "value": DEFAULTS[key], "values": list(values)}


def model_params() -> dict:
    """The ``model_params`` dict for ``SolaraViz``: one control per ``DashboardModel`` keyword."""
    return {
        "network": _select("Network", NETWORKS, "network"),
        "n": Slider("Consumers (n)", DEFAULTS["n"], 200, 20000, 200),
        "seeding": _select("Seeding", SEEDINGS, "seeding"),
        "ad_budget": Slider("Ad budget (yuan/day)", DEFAULTS["ad_budget"], 0.0, 3000.0, 10.0),
        "referral": _select("Referral scheme", REFERRALS, "referral"),
        "referrer_reward": Slider(
            "Referrer reward (yuan)", DEFAULTS["referrer_reward"], 0.0, 100.0, 5.0
        ),
        "referee_discount": Slider(
            "Referee discount (yuan)", DEFAULTS["referee_discount"], 0.0, 50.0, 5.0
        ),
        "commission_rate": Slider("Commission rate", DEFAULTS["commission_rate"], 0.0, 0.5, 0.01),
        "retention": _select("Retention scheme", RETENTIONS, "retention"),
        "days": Slider("Days", DEFAULTS["days"], 10, 365, 5),
        "seed": {"type": "InputText", "label": "Seed", "value": DEFAULTS["seed"]},
    }
