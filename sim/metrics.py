"""Scalar outcomes of a run (DESIGN.md §1.5); their names are the public contract.

Definitions (``customers`` always excludes fakes and the day-0 seeds):

- ``adoption_rate`` = customers / n; ``aware_rate`` = consumers ever aware / n (seeds included).
- ``referred_customers``: acquired through a consumer's link (channels ``peer`` and ``koc``).
- Cascades are the trees of referral links among consumers (seeds and customers acquired by
  ads or KOLs are roots; a recruited KOC who brought customers in without buying is a member,
  the root of their tree). ``structural_virality`` is the mean pairwise distance in the largest
  tree (Goel et al. 2016; 0 for a single node; the mean over the largest trees when several
  tie); ``reproduction_number`` the mean successful
  referrals per customer: customers brought in by a consumer who is (by the end) a customer
  too, over customers, seeds included in both counts (a recruited KOC who never bought is a
  seeding channel here, like a KOL); ``single_adopter_share`` the share of trees of size 1.
- ``cac`` = spend_acquisition / customers; ``roi`` = revenue / spend_total (GMV per yuan spent,
  the convention of the source documents' ROI figures); ``gross_profit`` = revenue x margin -
  spend_total. ``revenue`` counts the real orders of days 1.. at list price (discounts are spend),
  the seeds' repeat orders included.
  ``rewards_pending``: referrer rewards promised and still awaiting verification at the end
  (``verify=holdback``: due after the last day; ``second_order``: paid if the referee re-buys)
  whose referee is still a customer (those of fakes and lapsed referees will never be paid);
  in no spend and so in no CAC, the cost a verification rule defers past the run.
  ``commissions_unbooked``: KOL and KOC commissions, and ``referral=commission``'s
  commissions on referees' repeat orders, earned on sales made after the budget (or the
  channel's cap) ran out, which could not be paid: in no spend and so in no CAC.
  ``commission_reserve_left``: budget a KOC matrix held for its recruits' commissions
  (``commission_reserve``) and did not pay out by the end: in no spend (0 without a reserve,
  and with no budget and no ``koc`` cap, when nothing is held).
- ``repurchase_rate``: customers with 2+ orders; ``repurchase_30d``: of customers acquired at
  least 30 days before the end, the share who re-bought within 30 days;
  ``referred_repurchase_30d``: the same of the referred customers only (channels ``peer`` and
  ``koc``), to set against ``repurchase_30d``: do referred customers come back?
- ``fraud_share`` = fake_referrals / (fake + real referrals).
- ``kocs_chosen`` and ``kocs_recruited``: the KOCs a KOC matrix asks (``recruits``, at most the
  pool) and those whose free product (and ``commission_reserve``) the budget (or the ``koc`` cap
  under ``mixed``) paid on day 1; only recruits post (0 and 0 under every other seeding).
- ``orders_held``: ``referral=group_buy``'s first orders still waiting for their teams at the
  end (decided at the group price within the last ``window_days``): placed after the run if
  the team fills, or at full price by most of them if it does not; in no customers (0 under
  every other scheme).
- ``teams_filled`` and ``teams_dissolved``: ``referral=group_buy``'s teams that filled and were
  paid, and those that dissolved (not filled within ``window_days``, or filled when the budget
  could not pay them), by the end; teams still open at the end are in neither (0 under every
  other scheme). A group buy whose teams seldom fill pays almost nothing, whatever it wins.

Undefined ratios are NaN: ``cac``, ``repurchase_rate``, ``orders_per_customer`` with no
customers; the cascade ratios (:data:`SHAPES`) with no buyer at all (seeds included);
``repurchase_30d`` with no customer acquired 30+ days before the end (and
``referred_repurchase_30d`` with no referred one); ``roi`` with no spend;
``fraud_share`` with no referral at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.dynamics.referrals import is_referral, payable_pending
from sim.ledger import ACQUISITION, COMPONENTS, RETENTION
from sim.state import ConsumerState

if TYPE_CHECKING:
    from sim.model import ReferralModel

REPURCHASE_WINDOW = 30
UNDEFINED_WHEN = {
    "cac": "no customer won",
    "repurchase_rate": "no customer won",
    "orders_per_customer": "no customer won",
    "repurchase_30d": "no customer acquired 30+ days before the end",
    "referred_repurchase_30d": "no referred customer acquired 30+ days before the end",
    "roi": "no spend",
    "fraud_share": "no referral",
    **dict.fromkeys(
        ("structural_virality", "reproduction_number", "single_adopter_share"),
        "nobody bought, seeds included",
    ),
}
"""Why each ratio metric can be undefined (NaN), in a few words, as the tables say it."""

SHAPES = ("structural_virality", "reproduction_number", "single_adopter_share")
"""Cascade metrics that are ratios: NaN in a run where nobody bought, seeds included (no tree)."""
COUNTS = (  # whole numbers, kept as int; every other metric is a float (NaN when undefined)
    "customers",
    "referred_customers",
    "cascade_max_size",
    "cascade_max_depth",
    "fake_referrals",
    "kocs_chosen",
    "kocs_recruited",
    "orders_held",
    "teams_filled",
    "teams_dissolved",
)


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, NaN when the denominator is 0."""
    return float(numerator) / denominator if denominator else float("nan")


def run_metrics(model: ReferralModel) -> dict[str, float | int]:
    """Compute every scalar metric of ``model`` as it stands (:data:`COUNTS` as int)."""
    consumers, n = model.consumers, model.n
    acquired = consumers.acquired()
    customers = int(acquired.sum())
    referred = int((acquired & is_referral(consumers.channel)).sum())
    metrics: dict[str, float] = {
        "customers": customers,
        "adoption_rate": customers / n,
        "aware_rate": model.aware_count / n,
        "referred_customers": referred,
    }
    metrics.update(cascade_metrics(consumers, n))
    metrics.update(money_metrics(model, customers))
    metrics.update(repurchase_metrics(consumers, acquired, model.day))
    fakes = model.fraud.fakes
    metrics["fake_referrals"] = fakes
    metrics["fraud_spend"] = model.fraud.spend
    metrics["fraud_share"] = ratio(fakes, fakes + referred)
    metrics["kocs_chosen"] = len(model.seeding.chosen_kocs())
    metrics["kocs_recruited"] = len(model.seeding.recruited_kocs())
    metrics["orders_held"] = model.referral.held_orders
    metrics["teams_filled"], metrics["teams_dissolved"] = model.referral.team_counts
    return {key: int(value) if key in COUNTS else float(value) for key, value in metrics.items()}


def money_metrics(model: ReferralModel, customers: int) -> dict[str, float]:
    """Spend by component, CAC, revenue, profit and ROI."""
    spent = model.ledger.spent
    result = {f"spend_{name}": spent[name] for name in COMPONENTS}
    acquisition = sum(spent[name] for name in ACQUISITION)
    total = acquisition + sum(spent[name] for name in RETENTION)
    revenue = model.orders_total * model.config.product.price
    result.update(
        spend_total=total,
        spend_acquisition=acquisition,
        spend_retention=total - acquisition,
        cac=ratio(acquisition, customers),
        revenue=revenue,
        gross_profit=revenue * model.config.product.margin - total,
        roi=ratio(revenue, total),
        rewards_pending=payable_pending(model),
        commissions_unbooked=model.ledger.unbooked,
        commission_reserve_left=model.ledger.reserves.get("koc", 0.0),
    )
    return result


def repurchase_metrics(consumers: ConsumerState, acquired: np.ndarray, day: int) -> dict:
    """Repeat-purchase rates of the customers acquired during the run, and of those referred."""
    orders = consumers.orders[acquired]
    within, eligible = _rebought_within_window(consumers, acquired, day)
    referred = is_referral(consumers.channel[acquired])
    return {
        "repurchase_rate": ratio((orders >= 2).sum(), len(orders)),
        "repurchase_30d": ratio((within & eligible).sum(), eligible.sum()),
        "referred_repurchase_30d": ratio(
            (within & eligible & referred).sum(), (eligible & referred).sum()
        ),
        "orders_per_customer": ratio(orders.sum(), len(orders)),
    }


def _rebought_within_window(
    consumers: ConsumerState, acquired: np.ndarray, day: int
) -> tuple[np.ndarray, np.ndarray]:
    """Of the customers ``acquired``: who re-bought within the window, who had the window."""
    first = consumers.first_order_day[acquired]
    second = consumers.second_order_day[acquired]
    eligible = first <= day - REPURCHASE_WINDOW
    return (second >= 0) & (second - first <= REPURCHASE_WINDOW), eligible


def cascade_metrics(consumers: ConsumerState, n: int) -> dict[str, float]:
    """Size, depth and shape of the referral trees among consumers."""
    parent, nodes, root, depth = cascade_forest(consumers, n)
    if not len(nodes):
        undefined = dict.fromkeys(SHAPES, float("nan"))
        return {"cascade_max_size": 0, "cascade_max_depth": 0, **undefined}
    sizes = sizes_by_root(nodes, root, n)
    of_trees = sizes[sizes > 0]
    largest = np.flatnonzero(sizes == of_trees.max())  # roots of the largest trees (ties: all)
    return {
        "cascade_max_size": int(of_trees.max()),
        "cascade_max_depth": int(depth[nodes].max()),
        "structural_virality": structural_virality(in_trees(nodes, root, largest), parent, depth),
        "reproduction_number": reproduction_number(consumers, n),
        "single_adopter_share": float((of_trees == 1).mean()),
    }


def in_trees(nodes: np.ndarray, root: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """The members of ``nodes`` whose tree is rooted at one of ``roots``."""
    return nodes[np.isin(root[nodes], roots)]


def reproduction_number(consumers: ConsumerState, n: int) -> float:
    """Mean successful referrals per customer (seeds included; NaN without customers).

    Counts every customer whose referrer is a consumer who bought at some point, whether the
    referral came before or after the referrer's own order (a KOC promoting first).
    """
    customer = consumers.is_customer()
    referrer = consumers.referrer[customer]
    by_consumers = referrer[(referrer >= 0) & (referrer < n)]
    referred_by_customers = int(customer[by_consumers].sum())
    return ratio(referred_by_customers, customer.sum())


def tree_size_counts(consumers: ConsumerState, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sizes of the referral trees with two members or more, and how many trees have each.

    The trees of :func:`cascade_forest`, those of ``cascade_max_size`` (``cascades.parquet``).
    """
    _, nodes, root, _ = cascade_forest(consumers, n)
    sizes = sizes_by_root(nodes, root, n)
    return np.unique(sizes[sizes >= 2], return_counts=True)


def sizes_by_root(nodes: np.ndarray, root: np.ndarray, n: int) -> np.ndarray:
    """Members of the tree rooted at each consumer (0 where none is), as :func:`cascade_forest`."""
    return np.bincount(root[nodes], minlength=n)


def cascade_forest(
    consumers: ConsumerState, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The referral forest among consumers.

    Returns:
        ``(parent, nodes, root, depth)``: each consumer's parent (see :func:`cascade_parents`),
        the forest's members (customers and the consumers who referred one), and each
        consumer's root and depth.

    """
    parent = cascade_parents(consumers, n)
    member = consumers.is_customer()
    member[parent[parent >= 0]] = True
    root, depth = roots_and_depths(parent)
    return parent, np.flatnonzero(member), root, depth


def cascade_parents(consumers: ConsumerState, n: int) -> np.ndarray:
    """Parent of each consumer in the referral forest, -1 for roots.

    A consumer who brought someone in before buying (a KOC promoting without being a
    customer yet) is a *promoter*: the root of what it started, whatever brought it in later.
    Without this a KOC later brought in by its own referees' referrals would close a cycle;
    with it every remaining link points strictly back in time, so the forest is acyclic.
    Links to KOLs (ids ``>= n``) are dropped: the forest is among consumers.
    """
    referrer = consumers.referrer
    linked = np.flatnonzero((referrer >= 0) & (referrer < n))
    parents = referrer[linked]
    parent_day = consumers.first_order_day[parents]
    promoted_first = (parent_day < 0) | (parent_day >= consumers.first_order_day[linked])
    parent = np.full(len(referrer), -1, dtype=np.int64)
    parent[linked] = parents
    parent[parents[promoted_first]] = -1
    return parent


def roots_and_depths(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Root and depth of every node of a forest given by parent pointers (-1 at roots).

    Pointer doubling: ``log2(depth)`` vectorised passes.

    Raises:
        ValueError: if the pointers contain a cycle (they then describe no forest).

    """
    index = np.arange(len(parent))
    jump = np.where(parent >= 0, parent, index)
    depth = (parent >= 0).astype(np.int64)
    for _ in range(max(len(parent), 1).bit_length() + 1):
        ahead = jump[jump]
        if np.array_equal(ahead, jump):
            return jump, depth
        depth = depth + depth[jump]
        jump = ahead
    raise ValueError("parent pointers contain a cycle: they describe no forest")


def structural_virality(trees: np.ndarray, parent: np.ndarray, depth: np.ndarray) -> float:
    """Mean shortest-path distance over pairs of nodes of a tree (Goel et al. 2016).

    Uses the Wiener index of a tree: the sum over edges of ``s * (N - s)``, ``s`` the size of
    the subtree below the edge.

    Args:
        trees: the members of one tree, or of several trees of one size (the largest trees,
            when several tie): their mean virality, which no consumer id decides.
        parent: each consumer's parent in the forest (-1 for roots).
        depth: each consumer's depth in the forest.

    Returns:
        The (mean) virality; 0 for a tree of one node.

    """
    edges = trees[parent[trees] >= 0]
    count = len(trees) - len(edges)  # one root per tree
    size = len(trees) // count
    if size < 2:
        return 0.0
    subtree = np.zeros(len(parent), dtype=np.int64)
    subtree[trees] = 1
    order = trees[np.argsort(-depth[trees], kind="stable")]
    levels = depth[order]
    bounds = np.flatnonzero(np.diff(levels)) + 1
    for level in np.split(order, bounds):
        children = level[parent[level] >= 0]
        np.add.at(subtree, parent[children], subtree[children])
    below = subtree[edges]
    wiener = float((below * (size - below)).sum()) / count
    return wiener / (size * (size - 1) / 2)
