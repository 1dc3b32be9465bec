"""Dashboard components: the network sample, the summary card and the charts.

Everything here reads the model (arrays, ``metrics()``, the data collector) and draws; no
model logic. Figures are matplotlib PNGs, so the page needs no JavaScript chart library from
a CDN.
"""

from __future__ import annotations

import math
import shlex
import weakref
from html import escape
from operator import attrgetter

import networkx as nx
import numpy as np
import pandas as pd
import solara
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.arrays import occurrence_rank
from sim.dashboard.model import CHANNEL_SERIES, DashboardModel, acquired_by
from sim.model import ReferralModel
from sim.state import Channel, State

SAMPLE_LIMIT = 500
"""Most consumers drawn: customers first (earliest first), then their friends."""

STATE_COLOURS = {State.UNAWARE: "#d0d0d0", State.AWARE: "#f2c744", State.HELD: "#f7b6d2"}
STATE_LABELS = {State.UNAWARE: "unaware", State.AWARE: "aware", State.HELD: "group-buy order held"}
"""Legend labels of the states drawn: "held" alone did not say what holds the order (its team)."""
CHANNEL_COLOURS = {
    Channel.SEED: "black",
    Channel.AD: CHANNEL_SERIES["Ads"],
    Channel.KOL: CHANNEL_SERIES["KOL"],
    Channel.KOC: CHANNEL_SERIES["KOC"],
    Channel.PEER: CHANNEL_SERIES["Peer"],
}
LAPSED_EDGE = "#c0392b"
RING_WIDTHS = {"white": 0.3, LAPSED_EDGE: 1.2}  # a thin white edge, a lapsed customer's ring
NODE_SIZES = {"other": 10, "customer": 26, "lapsed": 44}
"""Marker areas (points^2): customers stand out from the unaware and aware by size as well as
colour, and a lapsed customer's ring is drawn around a dot large enough to show its fill."""
SETTINGS = (
    ("ad budget/day", "seeding.daily_budget"),
    ("ad budget/day", "seeding.ads.daily_budget"),
    ("referrer reward", "referral.referrer_reward"),
    ("referee discount", "referral.referee_discount"),
    ("group discount", "referral.group_discount"),
    ("commission rate", "referral.rate"),
)
"""Scheme parameters the summary card shows where the running configuration has them."""

CARD = {"height": "100%", "overflow-y": "auto"}
"""Style of the summary card: the height of its grid cell, scrolling when expanded."""

PROBLEM = {"color": "#b00020", "font-weight": "bold", "margin-bottom": "6px"}
"""Style of a refused control's message at the top of the summary card."""

NOTE = {"color": "#8a5a00", "margin-bottom": "6px", "font-size": "13px"}
"""Style of a configuration warning at the top of the summary card."""

COMMAND = {"white-space": "pre-wrap", "overflow-wrap": "anywhere", "font-size": "12px"}
"""Style of the summary card's command line: wrapped inside the card, small."""

_positions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def sample_nodes(model: ReferralModel, limit: int = SAMPLE_LIMIT) -> np.ndarray:
    """At most ``limit`` consumer ids around the customers, read from the CSR arrays.

    Half the budget goes to customers (seeds included, earliest first); breadth-first layers of
    friends fill the rest, then the lowest ids. A layer too large for what is left is taken a
    friend of each node at a time (:func:`_friends`): until 4 Dec 2026 the lowest ids came
    first, and customers of high ids were drawn without a friend. Before the first customer
    the search starts from consumer 0.
    """
    if model.n <= limit:
        return np.arange(model.n)
    first_day = model.consumers.first_order_day
    customers = np.flatnonzero(first_day >= 0)
    customers = customers[np.argsort(first_day[customers], kind="stable")][: limit // 2]
    chosen = customers if len(customers) else np.zeros(1, dtype=np.int64)
    frontier = chosen
    while len(chosen) < limit and len(frontier):
        frontier = _friends(model, frontier, chosen)[: limit - len(chosen)]
        chosen = np.concatenate([chosen, frontier])
    if len(chosen) < limit:  # random mixing stores no edges; small components run dry
        others = np.setdiff1d(np.arange(model.n), chosen)[: limit - len(chosen)]
        chosen = np.concatenate([chosen, others])
    return np.sort(chosen)


def _friends(model: ReferralModel, nodes: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The friends of ``nodes`` not in ``chosen``, once each, round by round.

    Each node's first new friend, in the order of ``nodes``, then each one's second, and so
    on: any first part of the result spreads over the nodes.
    """
    owners, friends = model.network.friends_of(nodes)
    new = ~np.isin(friends, chosen)
    owners, friends = owners[new], friends[new].astype(np.int64)
    friends = friends[np.argsort(occurrence_rank(owners), kind="stable")]  # rows: by node
    _, first = np.unique(friends, return_index=True)
    return friends[np.sort(first)]


def sample_edges(model: ReferralModel, nodes: np.ndarray) -> np.ndarray:
    """Friendships with both ends in ``nodes`` (sorted ids), as an ``(m, 2)`` array."""
    owners, friends = model.network.friends_of(nodes)
    keep = (owners < friends) & np.isin(friends, nodes)
    return np.column_stack([owners[keep], friends[keep]])


def layout(model: ReferralModel, nodes: np.ndarray, edges: np.ndarray) -> dict[int, np.ndarray]:
    """Spring-layout positions, kept per model so that nodes stay put between steps.

    The first sample gets a full layout (about 1 s for 500 nodes). Later newcomers start beside
    a placed friend of theirs in the sample (anywhere in the drawing when they have none),
    settle in a few iterations around the fixed nodes and stay inside the first layout's square
    (networkx scales it to [-1, 1]): left free, they drifted outwards step after step (a
    200-fold spread by day 45) until the others shrank into a dot.
    """
    known = _positions.setdefault(model, {})
    graph = nx.Graph()
    graph.add_nodes_from(int(u) for u in nodes)
    graph.add_edges_from((int(u), int(v)) for u, v in edges)
    fixed = [u for u in graph if u in known]
    if len(fixed) == len(graph):
        return {u: known[u] for u in graph}
    seed = int(model.config.seed) % 2**32  # networkx takes seeds below 2**32
    if not fixed:
        known.update(nx.spring_layout(graph, iterations=50, seed=seed, method="force"))
        return {u: known[u] for u in graph}
    low, high = -np.ones(2), np.ones(2)  # the first layout's square: networkx scales it there
    start = _newcomer_starts(graph, known, low, high, np.random.default_rng(seed + model.day))
    placed = nx.spring_layout(
        graph,
        pos={**start, **{u: known[u] for u in fixed}},
        fixed=fixed,
        iterations=15,
        seed=seed,
        method="force",
    )
    known.update({u: np.clip(placed[u], low, high) for u in start})
    return {u: known[u] for u in graph}


def _newcomer_starts(
    graph: nx.Graph, known: dict, low: np.ndarray, high: np.ndarray, rng: np.random.Generator
) -> dict[int, np.ndarray]:
    """Start positions of the nodes not yet placed: beside a placed friend, else anywhere."""
    jitter = 0.03 * (high - low)
    starts = {}
    for u in graph:
        if u in known:
            continue
        friends = [v for v in graph[u] if v in known]
        beside = known[friends[rng.integers(len(friends))]] if friends else rng.uniform(low, high)
        starts[u] = np.clip(beside + rng.normal(0, 1, 2) * jitter, low, high)
    return starts


def node_colours(model: ReferralModel, nodes: np.ndarray) -> list[str]:
    """Fill colour of each node: acquisition channel for customers, else state."""
    state, channel = model.consumers.state[nodes], model.consumers.channel[nodes]
    return [
        CHANNEL_COLOURS[Channel(c)] if c >= 0 else STATE_COLOURS[State(s)]
        for s, c in zip(state, channel, strict=True)
    ]


def node_sizes(model: ReferralModel, nodes: np.ndarray) -> np.ndarray:
    """Marker area of each node (see ``NODE_SIZES``)."""
    sizes = np.where(
        model.consumers.channel[nodes] >= 0, NODE_SIZES["customer"], NODE_SIZES["other"]
    )
    return np.where(model.consumers.state[nodes] == State.LAPSED, NODE_SIZES["lapsed"], sizes)


def network_figure(model: ReferralModel) -> Figure:
    """The sampled friendship network, referral links in bold, nodes coloured by state."""
    nodes = sample_nodes(model)
    edges = sample_edges(model, nodes) if not model.network.is_mixing else np.zeros((0, 2), int)
    pos = layout(model, nodes, edges)
    figure = Figure(figsize=(6.5, 4))
    ax = figure.subplots()
    ax.add_collection(
        LineCollection([(pos[u], pos[v]) for u, v in edges], colors="#e6e6e6", lw=0.5)
    )
    ax.add_collection(LineCollection(_referral_segments(model, pos), colors="#333333", lw=1.2))
    xy = np.array([pos[int(u)] for u in nodes])
    lapsed = model.consumers.state[nodes] == State.LAPSED
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=node_sizes(model, nodes),
        c=node_colours(model, nodes),
        zorder=3,
        edgecolors=np.where(lapsed, LAPSED_EDGE, "white"),
        linewidths=np.where(lapsed, RING_WIDTHS[LAPSED_EDGE], RING_WIDTHS["white"]),
    )
    ax.set_title(f"Network: {len(nodes)} of {model.n:,} consumers, day {model.day}")
    ax.set_axis_off()
    ax.autoscale()
    ax.legend(handles=_legend_handles(), loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
    return figure


def _referral_segments(model: ReferralModel, pos: dict) -> list:
    referrer = model.consumers.referrer
    return [(pos[int(r)], pos[u]) for u in pos if (r := referrer[u]) >= 0 and int(r) in pos]


def _legend_handles() -> list[Line2D]:
    def dot(colour: str, label: str, size: str, edge: str = "white") -> Line2D:
        return Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=colour,
            mec=edge,
            mew=RING_WIDTHS[edge],
            label=label,
            markersize=NODE_SIZES[size] ** 0.5,
        )

    names = {Channel.SEED: "seed", Channel.AD: "ad", Channel.KOL: "KOL", Channel.KOC: "KOC"}
    names[Channel.PEER] = "peer referral"
    handles = [dot(STATE_COLOURS[s], STATE_LABELS[s], "other") for s in STATE_COLOURS]
    handles += [
        dot(colour, f"customer: {names[c]}", "customer") for c, colour in CHANNEL_COLOURS.items()
    ]
    handles.append(dot("white", "lapsed (ring)", "lapsed", edge=LAPSED_EDGE))
    handles.append(Line2D([], [], color="#333333", lw=1.2, label="referral link"))
    return handles


def NetworkView(model: ReferralModel) -> solara.Element:
    """The network sample (SolaraViz wraps this in a component that redraws each step)."""
    return solara.FigureMatplotlib(network_figure(model), format="png", bbox_inches="tight")


def summary_rows(model: ReferralModel) -> list[tuple[str, str]]:
    """The summary card's (label, value) rows, from ``model.metrics()``.

    Customers won exclude the seed customers of organic seeding (as the ``customers`` metric
    does), which the network view draws in black: a row of their own says how many.
    """
    m = model.metrics()
    seeds = acquired_by(model, Channel.SEED)
    seeded = [("Seed customers (not counted as won)", f"{seeds:,}")] if seeds else []
    return [*_headline_rows(model, m, seeded), *_group_buy_rows(model, m)]


def _group_buy_rows(model: ReferralModel, m: dict) -> list[tuple[str, str]]:
    """Under ``referral=group_buy``: its teams filled and dissolved, and its orders held.

    A group buy whose teams seldom fill pays almost nothing, and its CAC reads low for it
    (:func:`sim.summary.teams_seldom_filled`); until 4 Dec 2026 the card did not show it.
    """
    if model.referral.name != "group_buy":
        return []
    return [
        (
            "Group-buy teams filled (paid) / dissolved",
            f"{m['teams_filled']:,} / {m['teams_dissolved']:,}",
        ),
        ("Group-buy orders held (in no customers)", f"{m['orders_held']:,}"),
    ]


def _headline_rows(model: ReferralModel, m: dict, seeded: list) -> list[tuple[str, str]]:
    """The card's rows every run has, the seed customers' after the customers won."""
    return [
        ("Day", f"{model.day} of {model.config.days}"),
        ("Customers won", f"{int(m['customers']):,}"),
        *seeded,
        ("Referred customers (peer and KOC links)", f"{int(m['referred_customers']):,}"),
        ("Aware", f"{m['aware_rate']:.1%}"),
        ("CAC (yuan per customer won)", _number(m["cac"], "{:,.1f}")),
        ("Repurchase rate", _number(m["repurchase_rate"], "{:.1%}")),
        ("Acquisition spend (yuan; CAC's numerator)", f"{m['spend_acquisition']:,.0f}"),
        ("Spend, retention included (yuan)", f"{m['spend_total']:,.0f}"),
        ("ROI (revenue / spend)", _number(m["roi"], "{:.2f}")),
        ("Largest cascade", f"{int(m['cascade_max_size']):,}"),
    ]


def scheme_settings(model: ReferralModel) -> str:
    """The main scheme parameters of the running model, e.g. ``reward 10, discount 10``."""
    parts = []
    for label, path in SETTINGS:
        try:
            value = attrgetter(path)(model.config)
        except AttributeError:
            continue
        parts.append(f"{label} {value:,g}")
    return ", ".join(parts) or "no scheme parameters"


def command_line(model: DashboardModel) -> str:
    """The command that repeats this run as its replicate 0 (``referral-sim`` + the controls)."""
    return shlex.join(["referral-sim", *model.overrides])


def _number(value: float, pattern: str) -> str:
    return "n/a" if math.isnan(value) else pattern.format(value)


def SummaryCard(model: ReferralModel) -> solara.Element:
    """Headline metrics of the run so far.

    An HTML table, not ``solara.Markdown``: Markdown loads KaTeX, which solara-assets 1.58.2
    does not bundle for solara 1.64.1, so offline it would be fetched from a CDN.
    """
    config = model.config
    schemes = f"{config.seeding.name} / {config.referral.name} / {config.retention.name}"
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td style='text-align:right'>{escape(value)}</td></tr>"
        for label, value in summary_rows(model)
    )
    subtitle = f"seeding / referral / retention: {schemes}"
    # its grid cell has a fixed height: the card scrolls within it rather than spill over
    with solara.Card("Summary", subtitle=subtitle, style=CARD) as card:
        if problem := getattr(model, "problem", None):
            solara.HTML(tag="div", unsafe_innerHTML=escape(problem), style=PROBLEM)
        for note in getattr(model, "notes", []):
            solara.HTML(tag="div", unsafe_innerHTML=escape(f"Note: {note}"), style=NOTE)
        settings = f"{config.network.name}, n = {model.n:,}; {scheme_settings(model)}"
        solara.HTML(tag="div", unsafe_innerHTML=escape(settings))
        solara.HTML(
            tag="table", unsafe_innerHTML=rows, style={"width": "100%", "margin-top": "8px"}
        )
        if isinstance(model, DashboardModel):
            command = solara.HTML(
                tag="pre", unsafe_innerHTML=escape(command_line(model)), style=COMMAND
            )
            solara.Details("The same run from the command line (replicate 0)", [command])
    return card


CHART_SIZE = (6.0, 3.2)
"""Chart size in inches."""

CHARTS = {
    "customers": (CHANNEL_SERIES, "Customers by acquisition channel", "customers (cumulative)"),
    "cac": ("CAC", "Customer acquisition cost", "yuan per customer"),
    "repurchase": ("Repurchase rate", "Repurchase rate", "customers with 2+ orders (%)"),
}
"""Each chart: the data-collector column(s) it plots (with colours), its title, its y label."""

PERCENT_CHARTS = {"repurchase"}
"""Charts of a share, shown in percent as on the summary card."""

COUNT_CHARTS = {"customers"}
"""Charts of a count of customers: whole numbers on the y axis, from 0 to at least 1."""

NO_VALUE = "n/a: no customer won yet"
"""Said across a chart whose series has no value yet, as the card says n/a."""


def chart_figure(model: ReferralModel, chart: str) -> Figure:
    """One of :data:`CHARTS` by day so far (Mesa's own plot component labels its x axis Step)."""
    columns, title, ylabel = CHARTS[chart]
    figure = Figure(figsize=CHART_SIZE)
    axes = figure.subplots()
    frame = collected(model)
    dots = {"marker": "o", "markersize": 2.5}  # a lone value (CAC on day 1) is a point, no line
    if isinstance(columns, str):
        axes.plot(frame.index, frame[columns], **dots)
    else:
        for column, colour in columns.items():
            axes.plot(frame.index, frame[column], label=column, color=colour, **dots)
        axes.legend(loc="best")
    axes.set(title=title, xlabel="day", ylabel=ylabel)
    last = max(int(frame.index.max()), 1)  # whole days from 0, even on day 0
    axes.set_xlim(-0.03 * last, 1.03 * last)  # room for the first and last dots
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _y_axis(axes, chart, frame[[columns] if isinstance(columns, str) else list(columns)])
    return figure


def _y_axis(axes: Axes, chart: str, plotted: pd.DataFrame) -> None:
    """From 0; in percent, or in whole customers (not 0.01 on day 0); n/a with no value yet."""
    axes.set_ylim(bottom=0)  # counts, costs and shares: never below 0
    if chart in PERCENT_CHARTS:
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    if chart in COUNT_CHARTS:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(top=max(axes.get_ylim()[1], 1))
    if not np.isfinite(plotted.to_numpy(dtype=float)).any():  # its axis read 0 to 0.05 yuan
        axes.set_yticks([0])
        axes.text(0.5, 0.5, NO_VALUE, transform=axes.transAxes, ha="center", color="grey")


def collected(model: ReferralModel) -> pd.DataFrame:
    """The data collector's series by day, cut to the days that every series has.

    With Mesa's *Use Threads* a step may be collecting while the page draws: the first series
    can hold a day the others do not have yet (``All arrays must be of the same length``
    replaced the page with a traceback).
    """
    series = {name: list(values) for name, values in model.datacollector.model_vars.items()}
    days = min(map(len, series.values()))
    return pd.DataFrame({name: values[:days] for name, values in series.items()})


def CustomersChart(model: ReferralModel) -> solara.Element:
    """Cumulative customers by acquisition channel (redrawn each step by SolaraViz)."""
    return solara.FigureMatplotlib(
        chart_figure(model, "customers"), format="png", bbox_inches="tight"
    )


def CacChart(model: ReferralModel) -> solara.Element:
    """CAC by day."""
    return solara.FigureMatplotlib(chart_figure(model, "cac"), format="png", bbox_inches="tight")


def RepurchaseChart(model: ReferralModel) -> solara.Element:
    """Repurchase rate by day."""
    return solara.FigureMatplotlib(
        chart_figure(model, "repurchase"), format="png", bbox_inches="tight"
    )
