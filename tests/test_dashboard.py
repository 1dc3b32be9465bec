"""The dashboard: control mapping, network sample, components, and a real browser session.

The browser test needs Debian's chromium and the ``viz`` extra with Playwright; both are
installed by ``scripts/ci-browser-setup.sh``. It skips only when chromium is absent.
"""

from __future__ import annotations

import inspect
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
import warnings
from html import unescape
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
import solara
import solara.widgets

import sim
from sim.dashboard import components, params, serve
from sim.dashboard.model import CHANNEL_SERIES, REPORTERS, DashboardModel
from sim.dashboard.serve import APP, parse, solara_command
from sim.state import Channel, State

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STEPS = 6


def controls(**changes) -> dict:
    return {**params.DEFAULTS, **changes}


# ----- controls -> configuration ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("group", "options"),
    [
        ("network", params.NETWORKS),
        ("seeding", params.SEEDINGS),
        ("referral", params.REFERRALS),
        ("retention", params.RETENTIONS),
    ],
)
def test_every_offered_option_composes(group, options):
    for option in options:
        config = sim.compose(params.overrides(**controls(**{group: option, "n": 500})))
        assert getattr(config, group).name == option
        assert config.network.n == 500


@pytest.mark.parametrize(
    ("referral", "path", "control", "value"),
    [
        ("one_sided", "referrer_reward", "referrer_reward", 35.0),
        ("two_sided", "referee_discount", "referee_discount", 15.0),
        ("two_sided", "referrer_reward", "referrer_reward", 35.0),
        ("tiered", "referee_discount", "referee_discount", 15.0),
        ("group_buy", "group_discount", "referee_discount", 25.0),
        ("commission", "rate", "commission_rate", 0.2),
    ],
)
def test_scheme_parameters_reach_the_configuration(referral, path, control, value):
    config = sim.compose(params.overrides(**controls(referral=referral, **{control: value})))
    assert getattr(config.referral, path) == value


@pytest.mark.parametrize(("seeding", "budget"), [("ads", 900.0), ("mixed", 150.0)])
def test_ad_budget_reaches_the_configuration(seeding, budget):
    config = sim.compose(params.overrides(**controls(seeding=seeding, ad_budget=budget)))
    ads = config.seeding.ads if seeding == "mixed" else config.seeding
    assert ads.daily_budget == budget


def test_controls_are_the_model_keywords_with_valid_defaults():
    from mesa.visualization.solara_viz import _check_model_params

    keywords = set(inspect.signature(DashboardModel.__init__).parameters) - {"self"}
    offered = params.model_params()
    assert set(offered) == keywords == set(params.DEFAULTS)
    _check_model_params(DashboardModel.__init__, offered)
    for name, control in offered.items():
        value = control.value if hasattr(control, "value") else control["value"]
        if isinstance(control, dict) and control["type"] == "Select":
            assert value in control["values"], name
        elif hasattr(control, "min"):  # a slider: its default is one of its positions
            assert control.min <= value <= control.max, name
            steps = (value - control.min) / control.step
            assert steps == pytest.approx(round(steps)), name


# ----- the model wrapper and its data collector ---------------------------------------------------
def test_collected_series_match_the_model():
    model = DashboardModel(n=1000, referral="one_sided", seed=3)
    for _ in range(15):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(REPORTERS)
    assert len(frame) == 16
    by_channel = frame[["Ads", "KOL", "KOC", "Peer"]].iloc[-1].sum()
    metrics = model.metrics()
    assert by_channel == metrics["customers"] > 0
    assert frame["Ads"].is_monotonic_increasing
    assert frame["CAC"].iloc[-1] == pytest.approx(metrics["cac"])
    assert frame["Repurchase rate"].iloc[-1] == pytest.approx(metrics["repurchase_rate"])


# ----- the network sample -----------------------------------------------------------------------
def test_sample_is_bounded_and_starts_from_the_customers():
    model = DashboardModel(n=5000, seed=1)
    for _ in range(10):
        model.step()
    nodes = components.sample_nodes(model)
    customers = np.flatnonzero(model.consumers.first_order_day >= 0)
    assert 0 < len(customers) < components.SAMPLE_LIMIT // 2
    assert len(nodes) == components.SAMPLE_LIMIT == len(np.unique(nodes))
    assert np.isin(customers, nodes).all()
    edges = components.sample_edges(model, nodes)
    assert len(edges) > len(nodes)
    assert np.isin(edges, nodes).all()
    assert (edges[:, 0] < edges[:, 1]).all()


def test_a_layer_too_large_for_the_sample_gives_every_customer_a_friend_first():
    # the layer was cut at the lowest ids: 158 of the 251 customers drawn had no friend drawn
    model = DashboardModel(n=20000, seed=1)
    for _ in range(30):
        model.step()
    nodes = components.sample_nodes(model)
    customers = np.flatnonzero(model.consumers.first_order_day >= 0)
    assert len(customers) > components.SAMPLE_LIMIT // 2  # a half-sample of customers
    drawn = customers[np.isin(customers, nodes)]
    edges = components.sample_edges(model, nodes)
    assert np.isin(drawn, edges).all()  # each customer drawn with a friendship
    assert len(nodes) == components.SAMPLE_LIMIT == len(np.unique(nodes))


def test_small_network_is_drawn_whole():
    model = DashboardModel(n=300)
    assert np.array_equal(components.sample_nodes(model), np.arange(300))


def test_positions_stay_put_between_steps():
    model = DashboardModel(n=2000, seed=2)
    model.step()
    nodes = components.sample_nodes(model)
    before = components.layout(model, nodes, components.sample_edges(model, nodes))
    for _ in range(5):
        model.step()
    nodes = components.sample_nodes(model)
    after = components.layout(model, nodes, components.sample_edges(model, nodes))
    kept = set(before) & set(after)
    assert kept
    assert all(np.array_equal(before[u], after[u]) for u in kept)


def test_node_colours_follow_state_and_channel():
    model = DashboardModel(n=1000, seeding="organic", referral="one_sided")
    for _ in range(20):
        model.step()
    nodes = np.arange(model.n)
    colours = components.node_colours(model, nodes)
    channel = model.consumers.channel
    for code, colour in components.CHANNEL_COLOURS.items():
        assert {colours[i] for i in np.flatnonzero(channel == code)} <= {colour}
    seeds = np.flatnonzero(channel == Channel.SEED)
    assert len(seeds) == model.config.seeding.initial_customers
    assert {colours[i] for i in np.flatnonzero(channel < 0)} <= set(
        components.STATE_COLOURS.values()
    )


def test_customers_are_drawn_larger_than_others_and_lapsed_larger_still():
    model = DashboardModel(n=1500, referral="two_sided")
    for _ in range(60):
        model.step()
    nodes = np.arange(model.n)
    sizes = components.node_sizes(model, nodes)
    state, channel = model.consumers.state, model.consumers.channel
    lapsed = state == State.LAPSED
    assert lapsed.any() and (channel >= 0).any() and (channel < 0).any()
    assert sizes[lapsed].min() > sizes[(channel >= 0) & ~lapsed].max()
    assert sizes[(channel >= 0) & ~lapsed].min() > sizes[channel < 0].max()
    (ax,) = components.network_figure(model).axes
    drawn = ax.collections[-1]
    assert sorted(set(drawn.get_sizes())) == sorted(set(components.NODE_SIZES.values()))


@pytest.mark.parametrize("network", ["complete", "circles"])
def test_network_figure_draws_every_sampled_node(network):
    model = DashboardModel(network=network, n=1500, referral="two_sided")
    for _ in range(5):
        model.step()
    figure = components.network_figure(model)
    (ax,) = figure.axes
    assert len(ax.collections[-1].get_offsets()) == components.SAMPLE_LIMIT
    assert "day 5" in ax.get_title()


def test_summary_rows_read_the_metrics():
    model = DashboardModel(n=1000)
    rows = dict(components.summary_rows(model))
    assert rows["Customers won"] == "0" and rows["CAC (yuan per customer won)"] == "n/a"
    for _ in range(10):
        model.step()
    rows = dict(components.summary_rows(model))
    assert rows["Customers won"] == f"{int(model.metrics()['customers']):,}" != "0"
    assert "Seed customers (not counted as won)" not in rows  # ads seeding seeds nobody
    assert rows["Day"] == "10 of 90"
    # "Spend" was spend_total, which is not CAC's numerator under a retention scheme
    model = DashboardModel(n=1000, seeding="koc_matrix", retention="community", days=40)
    for _ in range(40):
        model.step()
    rows, metrics = dict(components.summary_rows(model)), model.metrics()
    acquisition = float(rows["Acquisition spend (yuan; CAC's numerator)"].replace(",", ""))
    assert acquisition / metrics["customers"] == pytest.approx(metrics["cac"], abs=0.5)
    assert metrics["spend_total"] > metrics["spend_acquisition"]
    assert rows["Spend, retention included (yuan)"] == f"{metrics['spend_total']:,.0f}"


def test_a_group_buys_card_shows_its_teams_and_held_orders():
    # the card of a group buy whose teams never fill read a low CAC with no word of why
    model = DashboardModel(n=2000, referral="group_buy", days=30)
    for _ in range(30):
        model.step()
    rows, metrics = dict(components.summary_rows(model)), model.metrics()
    filled, dissolved = metrics["teams_filled"], metrics["teams_dissolved"]
    assert dissolved > 0
    assert rows["Group-buy teams filled (paid) / dissolved"] == f"{filled:,} / {dissolved:,}"
    assert rows["Group-buy orders held (in no customers)"] == f"{metrics['orders_held']:,}"
    plain = dict(components.summary_rows(DashboardModel(n=500, referral="two_sided")))
    assert not [label for label in plain if label.startswith("Group-buy")]


def test_the_charts_draw_while_a_step_is_collecting():
    # with Mesa's "Use Threads" a step collected while the page drew: the first series had a
    # day more than the others and the page became "All arrays must be of the same length"
    model = DashboardModel(n=500)
    for _ in range(3):
        model.step()
    model.datacollector.model_vars["Ads"].append(99)  # day 4, collected for one series only
    for chart in components.CHARTS:
        (axes,) = components.chart_figure(model, chart).axes
        assert all(len(line.get_xdata()) == 4 for line in axes.get_lines())


def test_the_configurations_warnings_are_noted_on_the_card_at_every_reset():
    # mixed seeding's ads stopped at their share's cap on day 32 under the dashboard's 600
    # yuan a day, with nothing on the page to say so (the command line warns)
    for _ in range(2):  # warnings are said once per process: a Reset must note them again
        model = DashboardModel(n=2000, seeding="mixed", ad_budget=600)
        (note,) = model.notes
        assert "caps the ads: they stop on about day 32" in note
    assert DashboardModel(n=2000, seeding="mixed", ad_budget=210).notes == []
    (note,) = DashboardModel(n=1000, seeding="mixed", ad_budget=210).notes  # a pool of 10
    assert note.startswith("seeding.koc.recruits=20 is more than the KOC pool of 10")


@pytest.mark.parametrize("typed", ["abc", "", "-1", "1.5", str(2**63)])
def test_a_refused_seed_runs_the_default_and_says_why(typed):
    model = DashboardModel(n=300, days=5, seed=typed)
    assert model.config.seed == params.DEFAULTS["seed"]
    assert f"Seed {typed!r} is not a whole number" in model.problem
    assert f"seed={params.DEFAULTS['seed']}" in components.command_line(model)


@pytest.mark.parametrize(
    ("typed", "seed"), [("0", 0), (" 7 ", 7), (3, 3), (str(2**63 - 1), 2**63 - 1)]
)
def test_a_typed_seed_in_range_is_used(typed, seed):
    model = DashboardModel(n=300, days=5, seed=typed)
    assert model.config.seed == seed and model.problem is None


# ----- the command ------------------------------------------------------------------------------
def test_console_script_serves_the_app():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["referral-sim-dashboard"] == "sim.dashboard.serve:main"
    command = solara_command(parse(["--port", "9999"]))
    assert command[1:5] == ["-m", "solara", "run", APP]
    assert "--no-open" in command and command[command.index("--port") + 1] == "9999"


# ----- a real browser ---------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_served(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"dashboard server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"dashboard not served at {url} within {timeout} s")


@pytest.fixture
def dashboard_url(tmp_path):
    port = _free_port()
    env = {**os.environ, "HOME": str(tmp_path)}
    command = [sys.executable, "-m", "sim.dashboard", "--host", "127.0.0.1", "--port", str(port)]
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_served(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _customers(page) -> int:
    label = page.locator("td", has_text=re.compile(r"^\s*Customers won\s*$"))
    row = page.locator("tr").filter(has=label)
    return int(row.locator("td").nth(1).inner_text().replace(",", ""))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not at /usr/bin/chromium")
def test_browser_changes_scheme_steps_and_customers_rise(dashboard_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1300})
        requests: list[str] = []
        failed: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
        page.goto(dashboard_url)

        expect(page.get_by_text("Summary", exact=True)).to_be_visible(timeout=30_000)
        expect(page.get_by_text("ads / two_sided / none")).to_be_visible()
        page.locator(".v-select", has_text="Referral scheme").click()
        page.get_by_role("option", name="one_sided", exact=True).click()
        page.get_by_role("button", name="Reset").click()
        expect(page.get_by_text("ads / one_sided / none")).to_be_visible(timeout=15_000)
        expect(page.get_by_text("0 of 90", exact=True)).to_be_visible()
        page.get_by_text("The same run from the command line").click()
        command = page.get_by_text(re.compile(r"^referral-sim network=small_world .*"))
        expect(command).to_contain_text("referral=one_sided")
        before = _customers(page)
        for day in range(1, STEPS + 1):
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text(f"{day} of 90", exact=True)).to_be_visible(timeout=15_000)
        after = _customers(page)

        page.get_by_role("button", name="▶").click()  # play, then pause
        expect(page.get_by_text(f"{STEPS + 2} of 90", exact=True)).to_be_visible(timeout=20_000)
        page.get_by_role("button", name="❚❚").click()
        expect(page.get_by_role("button", name="Step")).to_be_enabled(timeout=10_000)

        images = page.locator("img")
        expect(images).to_have_count(4)  # network and three charts
        for index in range(4):
            assert images.nth(index).evaluate("img => img.naturalWidth") > 200
        page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
        if target := os.environ.get("DASHBOARD_SCREENSHOT"):
            page.screenshot(path=target, full_page=True)

        seed = page.get_by_role("textbox", name="Seed", exact=True)
        seed.fill("abc")
        seed.press("Enter")
        page.get_by_role("button", name="Reset").click()  # a refused seed: said, not a traceback
        expect(page.get_by_text("Seed 'abc' is not a whole number")).to_be_visible(timeout=15_000)
        expect(page.get_by_text("0 of 90", exact=True)).to_be_visible()
        browser.close()

    assert before == 0
    assert after > before
    hosts = {urlparse(url).hostname for url in requests if url.startswith("http")}
    assert hosts == {"127.0.0.1"}, f"page fetched from elsewhere: {hosts}"
    assert not failed, f"assets missing (served from a CDN?): {failed}"


@pytest.mark.parametrize("chart", list(components.CHARTS))
def test_the_charts_plot_every_collected_day_against_days_not_mesa_steps(chart):
    model = DashboardModel(n=300, days=10)
    for _ in range(4):
        model.step()
    figure = components.chart_figure(model, chart)
    axes = figure.axes[0]
    assert axes.get_xlabel() == "day" and axes.get_title() == components.CHARTS[chart][1]
    days = model.datacollector.get_model_vars_dataframe().index.to_numpy()
    assert list(axes.lines[0].get_xdata()) == list(days) and days[-1] == model.day == 4


def test_the_shown_command_line_repeats_the_dashboard_run(tmp_path):
    model = DashboardModel(n=600, referral="commission", commission_rate=0.2, days=15, seed=7)
    model.run()
    program, *arguments = shlex.split(components.command_line(model))
    assert program == "referral-sim"
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", *arguments, "run.replicates=1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (written,) = (tmp_path / "outputs").rglob("metrics.parquet")
    cli_metrics = pd.read_parquet(written).iloc[0]
    for key, value in model.metrics().items():
        assert cli_metrics[key] == pytest.approx(value, nan_ok=True), key
    assert model.metrics()["customers"] > 0 and "referral.rate=0.2" in arguments


def test_steps_past_the_last_day_change_nothing():
    # Mesa's Step button runs "render interval" steps without checking running
    model = DashboardModel(n=300, days=10)
    for _ in range(10):
        model.step()
    metrics, rows = pd.Series(model.metrics()), len(model.datacollector.get_model_vars_dataframe())
    for _ in range(3):
        model.step()
    assert not model.running and model.day == 10
    assert pd.Series(model.metrics()).equals(metrics)  # NaN-aware
    assert len(model.datacollector.get_model_vars_dataframe()) == rows
    assert dict(components.summary_rows(model))["Day"] == "10 of 10"


def test_seeds_beyond_32_bits_draw_the_network():
    model = DashboardModel(n=600, seed=str(2**63 - 1))  # networkx layouts take seeds < 2**32
    assert model.config.seed == 2**63 - 1  # the seed typed is the seed run, not a fallback
    (ax,) = components.network_figure(model).axes
    assert len(ax.collections[-1].get_offsets()) == components.SAMPLE_LIMIT


@pytest.mark.parametrize("network", ["small_world", "complete"])
def test_the_network_drawing_keeps_its_size_as_customers_arrive(network):
    # newcomers used to drift outwards until the first 500 nodes shrank into a dot
    model = DashboardModel(network=network)
    spans, gaps = [], None
    for _ in range(31):
        nodes = components.sample_nodes(model)
        positions = np.array(
            list(components.layout(model, nodes, components.sample_edges(model, nodes)).values())
        )
        spans.append(np.ptp(positions, axis=0).max())
        model.step()
    distances = np.linalg.norm(positions[:, None] - positions[None, :], axis=-1)
    np.fill_diagonal(distances, np.inf)
    gaps = distances.min(axis=1)
    assert len(positions) == components.SAMPLE_LIMIT and max(spans) <= 2.0 + 1e-9  # [-1, 1]
    assert np.median(gaps) > 0.01 * spans[0]  # most nodes are apart, not piled up


def test_charts_start_at_day_0_and_show_a_lone_value():
    model = DashboardModel(n=2000)
    model.step()  # CAC has one value (day 0 has no customer yet)
    axes = components.chart_figure(model, "cac").axes[0]
    (line,) = axes.get_lines()
    assert line.get_marker() == "o" and np.isfinite(line.get_ydata()).sum() == 1
    assert axes.get_xlim()[0] < 0 < 1 < axes.get_xlim()[1] and axes.get_ylim()[0] == 0
    assert all(tick == int(tick) for tick in axes.get_xticks())


def test_the_repurchase_chart_reads_in_percent_as_the_card_does():
    # the card said "Repurchase rate 12.3%" while the chart's axis read 0.12
    model = DashboardModel(n=2000, days=40)
    model.run()
    rate = model.metrics()["repurchase_rate"]
    assert 0 < rate < 1
    card = dict(components.summary_rows(model))["Repurchase rate"]
    assert card == f"{rate:.1%}"
    figure = components.chart_figure(model, "repurchase")
    figure.canvas.draw()
    axes = figure.axes[0]
    labels = [label.get_text() for label in axes.get_yticklabels() if label.get_text()]
    assert labels and all(label.endswith("%") for label in labels)
    assert axes.lines[0].get_ydata()[-1] == pytest.approx(rate)  # the data stay a share
    assert "%" in axes.get_ylabel()


def test_seed_customers_are_shown_apart_from_customers_won():
    model = DashboardModel(n=300, seeding="organic", days=5)
    rows = dict(components.summary_rows(model))
    seeds = int(np.count_nonzero(model.consumers.channel == Channel.SEED))
    assert seeds > 0 and rows["Seed customers (not counted as won)"] == str(seeds)
    assert rows["Customers won"] == "0"


# ----- added by the hand mutation review of sim/dashboard ----------------------------------------
def test_every_slider_reaches_the_configurations_own_default():
    """Each slider's range covers the value ``conf/`` gives its parameter.

    The dashboard's defaults differ from the configuration's (docs/dashboard.md), so a user who
    wants the command line's default run sets the slider to it: a range that stopped short (a
    consumers slider ending at 2,000 under small_world's 10,000) would make that run impossible.
    """
    offered = params.model_params()
    conf = {
        "n": [sim.compose([f"network={network}"]).network.n for network in params.NETWORKS],
        "ad_budget": [
            sim.compose(["seeding=ads"]).seeding.daily_budget,
            sim.compose(["seeding=mixed"]).seeding.ads.daily_budget,
        ],
        "referrer_reward": [
            sim.compose([f"referral={name}"]).referral.referrer_reward
            for name in params.REWARD_KEYS
        ],
        "referee_discount": [
            getattr(sim.compose([f"referral={name}"]).referral, key)
            for name, key in params.DISCOUNT_KEYS.items()
        ],
        "commission_rate": [sim.compose(["referral=commission"]).referral.rate],
        "days": [sim.compose([]).days],
    }
    for name, values in conf.items():
        slider = offered[name]
        for value in values:
            assert slider.min <= value <= slider.max, (name, value)
            steps = (value - slider.min) / slider.step  # a position the slider can stop at
            assert steps == pytest.approx(round(steps)), (name, value, slider.step)


def test_each_channel_series_counts_its_own_customers():
    """Every channel column of the data collector counts the customers of that channel.

    Each channel holds a different number of customers, and there are seed customers too, so a
    column that read another channel (or the seed customers) would differ.
    """
    model = DashboardModel(n=1000, seeding="mixed", ad_budget=210.0, days=5)
    # a run's own counts are luck (at this size KOL is 0 for about 1 seed in 4, and counts of
    # 1 to 5 often tie): set the channels so that each has its own number, then collect
    codes = [Channel.SEED] * 5 + [Channel.AD] + [Channel.KOL] * 2 + [Channel.KOC] * 3
    codes += [Channel.PEER] * 4
    model.consumers.channel[:] = Channel.NONE
    model.consumers.channel[: len(codes)] = codes
    model.datacollector.collect(model)
    last = model.datacollector.get_model_vars_dataframe().iloc[-1]
    counts = {"Ads": 1, "KOL": 2, "KOC": 3, "Peer": 4}
    assert {name: int(last[name]) for name in counts} == counts


def test_the_sample_gives_half_its_places_to_the_earliest_customers_and_the_rest_to_friends():
    """With more customers than the sample holds, it draws the 250 earliest and their friends.

    Later customers come in only as friends of the earliest (docs/dashboard.md: "the customers
    (earliest first, up to 250) and breadth-first layers of their friends").
    """
    model = DashboardModel(n=2000, ad_budget=3000.0)
    while np.count_nonzero(model.consumers.first_order_day >= 0) <= components.SAMPLE_LIMIT:
        model.step()
    first_day = model.consumers.first_order_day
    customers = np.flatnonzero(first_day >= 0)
    earliest = customers[np.argsort(first_day[customers], kind="stable")]
    earliest = earliest[: components.SAMPLE_LIMIT // 2]
    nodes = components.sample_nodes(model)
    _, friends = model.network.friends_of(earliest)
    assert len(nodes) == components.SAMPLE_LIMIT
    assert np.isin(earliest, nodes).all()
    assert np.isin(np.setdiff1d(nodes, earliest), friends).all()  # the first layer fills it
    assert np.count_nonzero(np.isin(nodes, customers)) < components.SAMPLE_LIMIT


def test_the_network_title_counts_the_drawn_of_all_consumers():
    """The network's title reads "Network: <drawn> of <all> consumers, day <day>"."""
    model = DashboardModel(n=1200, days=5)
    model.step()
    (ax,) = components.network_figure(model).axes
    assert ax.get_title() == f"Network: {components.SAMPLE_LIMIT} of 1,200 consumers, day 1"


def test_every_friendship_and_referral_link_between_drawn_consumers_is_drawn():
    """Grey lines join drawn friends; dark lines join each drawn referee to its referrer."""
    model = DashboardModel(n=400, referral="two_sided", days=30)
    model.run()
    referrer = model.consumers.referrer
    referees = np.flatnonzero(referrer >= 0)
    assert len(referees) > 0
    referrer[referees[0]] = 0  # consumer 0 is an id like any other (no referrer is -1)
    (ax,) = components.network_figure(model).axes
    pos = components.layout(model, np.arange(model.n), np.zeros((0, 2), int))
    drawn = {tuple(map(tuple, segment)) for segment in ax.collections[1].get_segments()}
    expected = {(tuple(pos[int(referrer[u])]), tuple(pos[int(u)])) for u in referees}
    assert drawn == expected
    friendships = components.sample_edges(model, np.arange(model.n))
    assert len(friendships) > 0 and len(ax.collections[0].get_segments()) == len(friendships)


def test_summary_rows_read_each_metric():
    """Each row of the summary card shows its own metric, formatted as its label says.

    The run is chosen so that the metrics a row could be confused with differ (referred
    customers, customers won and the largest cascade; the aware share and the repurchase rate).
    """
    model = DashboardModel(n=1000, referral="two_sided", days=30)
    model.run()
    m = model.metrics()
    assert len({m["customers"], m["referred_customers"], m["cascade_max_size"]}) == 3
    assert m["aware_rate"] != m["repurchase_rate"] and m["roi"] != m["cac"]
    rows = dict(components.summary_rows(model))
    assert rows["Referred customers (peer and KOC links)"] == f"{int(m['referred_customers']):,}"
    assert rows["Aware"] == f"{100 * m['aware_rate']:.1f}%"
    assert rows["CAC (yuan per customer won)"] == f"{m['cac']:.1f}"
    assert rows["ROI (revenue / spend)"] == f"{m['roi']:.2f}"
    assert rows["Largest cascade"] == f"{int(m['cascade_max_size']):,}"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "ad budget/day 600, referrer reward 10, referee discount 10"),
        (
            {"seeding": "mixed", "ad_budget": 150.0, "referral": "commission"},
            "ad budget/day 150, commission rate 0.1",
        ),
        ({"seeding": "organic", "referral": "group_buy"}, "group discount 10"),
        ({"seeding": "kol", "referral": "tiered", "referee_discount": 5.0}, "referee discount 5"),
        ({"seeding": "organic", "referral": "none"}, "no scheme parameters"),
    ],
)
def test_the_settings_line_names_the_running_schemes_parameters(changes, expected):
    """The card's settings line states the value of every scheme parameter the run has."""
    model = DashboardModel(**controls(n=300, days=5, **changes))
    assert components.scheme_settings(model) == expected


@solara.component
def _card_page(model) -> None:
    components.SummaryCard(model)


def _card_html(model) -> list[tuple[str, str]]:
    _, rc = solara.render(_card_page(model), handle_error=False)
    return [(w.tag, w.unsafe_innerHTML) for w in rc.find(solara.widgets.HTML).widgets]


def test_the_card_says_the_refused_seed_the_notes_the_settings_and_the_command():
    """The summary card shows, in order, the refused seed, the configuration's warnings, the
    settings line (network and n as run), the table and the command line that repeats the run."""
    model = DashboardModel(n=1000, seeding="mixed", ad_budget=210.0, days=5, seed="x")
    assert model.problem and len(model.notes) == 2
    html = _card_html(model)
    tags = [tag for tag, _ in html]
    assert tags == ["div", "div", "div", "div", "table", "pre"]
    texts = [unescape(text) for _, text in html]
    assert texts[0] == model.problem
    assert texts[1:3] == [f"Note: {note}" for note in model.notes]
    assert texts[3].startswith("small_world, n = 1,000; ad budget/day 210")
    assert texts[5] == components.command_line(model)


def test_the_server_listens_on_localhost_only_by_default():
    """The default command serves localhost:8765 (as documented), in production mode, with
    this interpreter, and keeps the browser closed."""
    args = parse([])
    command = solara_command(args)
    assert command[:5] == [sys.executable, "-m", "solara", "run", APP]
    assert command[command.index("--host") + 1] == "localhost"
    assert command[command.index("--port") + 1] == "8765"
    assert "--production" in command and "--no-open" in command and "--open" not in command
    command = solara_command(parse(["--host", "127.0.0.1", "--open"]))
    assert command[command.index("--host") + 1] == "127.0.0.1" and "--open" in command


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "invalid int value: 'abc'"),
        ("-1", "-1 is not a port: expected 0 to 65535"),  # accepted until 2 Dec 2026
        ("70000", "70000 is not a port: expected 0 to 65535"),
    ],
)
def test_a_port_that_is_not_a_port_number_is_refused(capsys, value, message):
    """``--port abc`` stops with argparse's message, not a server that fails later."""
    with pytest.raises(SystemExit) as stopped:
        parse(["--port", value])
    assert stopped.value.code == 2
    assert f"argument --port: {message}" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "65535"])
def test_the_ends_of_the_port_range_are_accepted(value):
    assert parse(["--port", value]).port == int(value)


@pytest.mark.parametrize(("before", "after"), [(None, "False"), ("True", "True")])
def test_the_command_turns_telemetry_off_unless_the_user_set_it(monkeypatch, before, after):
    """``main`` replaces itself with the solara command, telemetry off unless set already."""
    if before is None:
        # set first, so that monkeypatch records the variable and removes what main sets
        monkeypatch.setenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "unset by the test")
        monkeypatch.delenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE")
    else:
        monkeypatch.setenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", before)
    executed = []
    monkeypatch.setattr(os, "execv", lambda path, argv: executed.append((path, argv)))
    serve.main(["--port", "8800"])
    ((path, argv),) = executed
    assert path == sys.executable and argv == solara_command(parse(["--port", "8800"]))
    assert os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == after


def test_the_charts_plot_the_collected_series_in_their_channel_colours():
    """Each chart line is its data-collector column; the customer lines carry the network
    view's channel colours."""
    model = DashboardModel(n=1000, seeding="mixed", ad_budget=210.0, days=10)
    model.run()
    frame = components.collected(model)
    (axes,) = components.chart_figure(model, "customers").axes
    lines = {line.get_label(): line for line in axes.get_lines()}
    assert list(lines) == list(CHANNEL_SERIES)
    for name, colour in CHANNEL_SERIES.items():
        assert np.array_equal(lines[name].get_ydata(), frame[name])
        assert lines[name].get_color() == colour
    for chart, column in [("cac", "CAC"), ("repurchase", "Repurchase rate")]:
        (line,) = components.chart_figure(model, chart).axes[0].get_lines()
        assert np.array_equal(line.get_ydata(), frame[column], equal_nan=True)
    assert not frame["CAC"].equals(frame["Repurchase rate"])


def test_the_notes_survive_a_process_that_ignores_warnings():
    """The card's notes do not depend on the process's warning filters (``-W ignore`` or
    ``PYTHONWARNINGS=ignore`` in the server's environment)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (note,) = DashboardModel(n=2000, seeding="mixed", ad_budget=600).notes
    assert "caps the ads: they stop on about day 32" in note


@pytest.mark.parametrize("chart", list(components.CHARTS))
def test_the_charts_span_day_0_to_day_1_before_the_first_step(chart):
    """On day 0 (one collected row) each chart's x axis still reads whole days from 0 to 1."""
    model = DashboardModel(n=300, days=5)
    (axes,) = components.chart_figure(model, chart).axes
    low, high = axes.get_xlim()
    assert low == pytest.approx(-0.03) and high == pytest.approx(1.03)


def test_the_page_holds_the_card_and_a_drawing_per_view():
    """The page as Solara renders it: the summary card and one PNG each for the network and
    every chart (this needs no chromium, which the browser test does)."""
    import ipywidgets

    from sim.dashboard import app

    _, rc = solara.render(app.Page(), handle_error=False)
    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 1 + len(components.CHARTS)
    assert all(bytes(image.value[:4]) == b"\x89PNG" for image in images)
    assert {"table", "pre"} <= {widget.tag for widget in rc.find(solara.widgets.HTML).widgets}


# ----- added by the strategist's review of the dashboard (3 Dec 2026) ----------------------------
def test_mesas_clock_stands_still_after_the_last_day():
    """The page's *Information* card shows Mesa's ``time``: one click of *Step* with a render
    interval of 100 in a 10-day run read ``Time: 100.0`` beside the card's day 10 of 10."""
    model = DashboardModel(n=300, days=10)
    for _ in range(100):
        model.step()
    assert model.day == model.time == model.steps == 10 and not model.running


def test_the_customers_chart_counts_whole_customers_from_0_to_at_least_1():
    """Its y axis read 0.00 to 0.05 customers on day 0 and 2.5, 7.5, 12.5 customers later."""
    model = DashboardModel(n=2000)
    for day in range(4):
        figure = components.chart_figure(model, "customers")
        figure.canvas.draw()
        (axes,) = figure.axes
        ticks = [tick for tick in axes.get_yticks() if 0 <= tick <= axes.get_ylim()[1]]
        assert axes.get_ylim()[1] >= 1 and len(ticks) >= 2, day
        assert all(tick == int(tick) for tick in ticks), (day, ticks)
        model.step()


def test_the_customers_chart_of_day_0_reads_from_0_to_1_customer():
    """No customer yet: one whole customer at the top, not 0.05 (nor an axis to 2)."""
    (axes,) = components.chart_figure(DashboardModel(n=300), "customers").axes
    assert axes.get_ylim() == (0.0, 1.0)


@pytest.mark.parametrize("chart", ["cac", "repurchase"])
def test_a_chart_with_no_value_yet_says_so_as_the_card_does(chart):
    """Before the first customer the card says n/a; the chart drew an empty axis from 0 to 0.05
    yuan per customer (KOL seeding wins nobody for about two weeks)."""
    model = DashboardModel(n=300, days=5)
    (axes,) = components.chart_figure(model, chart).axes
    assert [text.get_text() for text in axes.texts] == [components.NO_VALUE]
    assert list(axes.get_yticks()) == [0]
    for _ in range(5):
        model.step()
    assert model.metrics()["customers"] > 0
    (axes,) = components.chart_figure(model, chart).axes
    assert len(axes.texts) == 0 and len(axes.get_yticks()) > 1


def test_the_card_separates_thousands_in_the_cac_and_the_settings_line():
    """A saturated small market: the card read CAC 1350.5 beside spend 270,100, and its settings
    line "ad budget/day 3000" beside n = 2,000."""
    model = DashboardModel(network="lattice", n=200, ad_budget=3000.0, days=90)
    model.run()
    cac = model.metrics()["cac"]
    assert cac >= 1000
    assert dict(components.summary_rows(model))["CAC (yuan per customer won)"] == f"{cac:,.1f}"
    assert components.scheme_settings(model).startswith("ad budget/day 3,000,")


def test_the_network_legend_says_what_a_pink_consumer_waits_for():
    """The legend's pink dot read "held", which says nothing to a user who does not know that a
    group-buy friend's first order waits for the team to fill (docs/dashboard.md)."""
    (ax,) = components.network_figure(DashboardModel(n=300, referral="group_buy")).axes
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[:3] == ["unaware", "aware", "group-buy order held"]
