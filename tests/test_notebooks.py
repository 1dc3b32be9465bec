"""The notebooks: committed without outputs, and each runs at a small size and draws its figures.

Each notebook's cell tagged ``parameters`` holds its sizes; the tests add a cell after it with
small values (as papermill would) and execute the notebook with nbclient in ``tmp_path``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.sweeps import sweep

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

SMALL = {
    "1.0-quickstart.ipynb": ("N = 2_000\nDAYS = 40", 2),
    "2.0-compare-schemes.ipynb": (
        'N = 1_500\nDAYS = 40\nREPLICATES = 4\nSCHEMES = ["none", "one_sided", "two_sided"]',
        2,
    ),
    "3.0-sweep-analysis.ipynb": ("N = 800\nDAYS = 30\nREPLICATES = 3", 3),
}
"""Per notebook: the small parameters and the number of figures it must draw."""


def test_every_notebook_is_tested():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(SMALL)


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(path):
    book = nbformat.read(path, as_version=4)
    dirty = [
        index
        for index, cell in enumerate(book.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: outputs in cells {dirty}; clear them before committing"


def with_small_parameters(book: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    """The notebook with a cell of ``source`` inserted after its ``parameters`` cell."""
    tagged = [i for i, c in enumerate(book.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "each notebook needs exactly one cell tagged 'parameters'"
    book.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell(source))
    return book


def images(book: nbformat.NotebookNode) -> int:
    """Number of PNG outputs of an executed notebook."""
    return sum(
        "image/png" in output.get("data", {})
        for cell in book.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


@pytest.fixture
def this_python_kernel(tmp_path, monkeypatch) -> str:
    """A kernelspec running this interpreter, found before any user-level ``python3`` spec."""
    return python_kernel(tmp_path, monkeypatch)


def python_kernel(folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of a kernelspec written under ``folder`` that runs this interpreter."""
    spec = folder / "jupyter" / "kernels" / "referral-sim"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "referral-sim", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    monkeypatch.setenv("JUPYTER_PATH", str(folder / "jupyter"))
    return "referral-sim"


VARIANTS = [
    # organic seeding without referral wins no customer by any channel: nothing to stack
    ("1.0-quickstart.ipynb", 'SEEDING = "organic"\nREFERRAL = "none"', r"0 trees"),
    # KOL links start no tree of consumers: they are counted apart (it printed "26 referral
    # links in 0 trees"), and a root won through a KOL is drawn as a root
    ("1.0-quickstart.ipynb", 'SEEDING = "kol"', r"between consumers in \d+ trees \(and [1-9]"),
    # a recruited KOC later brought in by its own referee closed a cycle in the links (the tree
    # cell found no root: StopIteration); the trees drawn are the cascades', with that link cut
    # (a cycle is rare: this run closes one, two_sided's of the same market no longer does
    # since each phase of the day has its own random stream)
    (
        "1.0-quickstart.ipynb",
        'SEEDING = "koc_matrix"\nREFERRAL = "group_buy"\nN = 10_000\nDAYS = 90',
        r"; [1-9]\d* cut",
    ),
    # compared by another parameter than referral, as for a sweep without referral in it
    ("3.0-sweep-analysis.ipynb", 'BY = "retention"\nBASELINE = "none"', r"retention against none"),
]
"""Settings of the parameters cell a user may choose, run on top of the small ones, each with a
pattern its printed output must contain."""


@pytest.mark.parametrize(
    ("name", "variant", "printed"),
    [(name, "", "") for name in sorted(SMALL)] + VARIANTS,
    ids=lambda value: value.split("\n")[0] if value else "defaults",
)
def test_notebook_runs_and_draws_its_figures(name, variant, printed, tmp_path, this_python_kernel):
    source, figures = SMALL[name]
    source = f"{source}\n{variant}"
    book = with_small_parameters(nbformat.read(NOTEBOOKS / name, as_version=4), source)
    client = NotebookClient(
        book,
        timeout=300,
        kernel_name=this_python_kernel,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [
        output
        for cell in book.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors
    assert images(book) >= figures
    assert re.search(printed, printed_text(book))


def printed_text(book: nbformat.NotebookNode) -> str:
    """Everything the executed notebook's cells printed."""
    return "".join(
        output.get("text", "")
        for cell in book.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_replicates_show_their_progress_in_a_notebook_as_in_a_terminal(
    tmp_path, this_python_kernel
):
    # a kernel's stderr is not a terminal: notebook 2 ran for half a minute with no output
    book = nbformat.v4.new_notebook()
    overrides = ["network.n=200", "days=5", "run.replicates=3"]
    book.cells = [
        nbformat.v4.new_code_cell(f"import sim\nshown = sim.run(sim.compose({overrides!r}))"),
        nbformat.v4.new_code_cell(f"quiet = sim.run(sim.compose({overrides!r}), progress=False)"),
    ]
    NotebookClient(
        book,
        timeout=120,
        kernel_name=this_python_kernel,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    shown, quiet = (
        "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stderr")
        for cell in book.cells
    )
    assert re.search(r"replicates: 100%.* 3/3", shown)
    assert quiet == ""


def test_sweep_notebook_on_one_configuration_says_to_use_the_report(tmp_path, this_python_kernel):
    from nbclient.exceptions import CellExecutionError

    import sim
    from sim import jobs

    run = tmp_path / "run"
    result = sim.run(sim.compose(["network.n=300", "days=10", "run.replicates=2"]), progress=False)
    jobs.write_job(run, result, {"run.replicates": 2}, "run.replicates=2")
    source = f"{SMALL['3.0-sweep-analysis.ipynb'][0]}\nSWEEP = {str(run)!r}"
    book = with_small_parameters(
        nbformat.read(NOTEBOOKS / "3.0-sweep-analysis.ipynb", as_version=4), source
    )
    client = NotebookClient(
        book,
        timeout=300,
        kernel_name=this_python_kernel,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    with pytest.raises(CellExecutionError, match="no parameter varies across its jobs") as caught:
        client.execute()
    assert "referral-sim-report FOLDER gives one configuration" in str(caught.value)


LABELS_SHOWN = '''
import json as _json

import matplotlib.pyplot as _plt
from matplotlib.colors import to_hex as _to_hex
from matplotlib.container import ErrorbarContainer as _Bars


def _show_with_labels(*args, _show=_plt.show, **kwargs):
    """Print each figure's title, legend entries, x tick labels and what it draws, then show it."""
    figure = _plt.gcf()
    figure.canvas.draw()
    for axes in figure.axes:
        legend = axes.get_legend()
        entries = [text.get_text() for text in legend.get_texts()] if legend else []
        ticks = [text.get_text() for text in axes.get_xticklabels()]
        shown = {"title": axes.get_title(), "legend": entries, "x": ticks}
        shown["boxes"] = {  # in display coordinates: x0, y0, x1, y1
            "figure": list(figure.bbox.extents),
            "axes": list(axes.get_window_extent().extents),
            "legend": list(legend.get_window_extent().extents) if legend else None,
        }
        drawn = [line for line in axes.lines if len(line.get_xdata())]
        shown["lines"] = [  # the labelled lines' colour and style
            [_to_hex(line.get_color()), line.get_linestyle()]
            for line in drawn if not line.get_label().startswith("_")
        ]
        shown["heads"] = [[*map(float, line.get_xydata()[0])] for line in drawn
                          if line.get_marker() == ">"]
        bars = [c for c in axes.containers if isinstance(c, _Bars) and c.has_xerr]
        shown["x_bars"] = [  # each horizontal error bar: low, high, y (a bar to inf: 1 point)
            [float(segment[:, 0].min()), float(segment[:, 0].max()), float(segment[0, 1])]
            for c in bars for segment in c.lines[2][0].get_segments()
        ]
        shown["xlim"] = [*map(float, axes.get_xlim())]
        print("FIGURE", _json.dumps(shown))
    _show(*args, **kwargs)


_plt.show = _show_with_labels
'''
"""Source added to the parameters: each figure the notebook shows prints what it labels."""


def figures_shown(book: nbformat.NotebookNode) -> dict[str, dict]:
    """Per title, the legend entries and x tick labels of the figures printed by LABELS_SHOWN."""
    lines = printed_text(book).splitlines()
    shown = [
        json.loads(line.removeprefix("FIGURE ")) for line in lines if line.startswith("FIGURE")
    ]
    return {figure["title"]: figure for figure in shown}


def results_shown(book: nbformat.NotebookNode) -> list[str]:
    """The text of each value an executed notebook's cell ended with (tables), in order."""
    return [
        output.get("data", {}).get("text/plain", "")
        for cell in book.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "execute_result"
    ]


def run_sweep_notebook(
    folder: Path, tmp_path: Path, kernel: str, parameters: str = ""
) -> nbformat.NotebookNode:
    """Notebook 3 executed on the multirun ``folder``, its figures' labels printed."""
    return run_notebook(
        "3.0-sweep-analysis.ipynb", tmp_path, kernel, f"SWEEP = {str(folder)!r}\n{parameters}"
    )


def run_notebook(
    name: str, tmp_path: Path, kernel: str, parameters: str = ""
) -> nbformat.NotebookNode:
    """Notebook ``name`` executed small, with ``parameters``, its figures' labels printed."""
    source = f"{SMALL[name][0]}\n{parameters}\n{LABELS_SHOWN}"
    book = with_small_parameters(nbformat.read(NOTEBOOKS / name, as_version=4), source)
    client = NotebookClient(
        book, timeout=300, kernel_name=kernel, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    return book


def test_sweep_notebook_keeps_a_setting_left_null(tmp_path, this_python_kernel):
    # budget.total=null (no cap) is NaN in the results: grouping dropped it from the adoption
    # curves and the boxplot, while the comparison table listed it as "default"
    folder = tmp_path / "budgets"
    sweep(folder, "budget.total=null,30000")
    figures = figures_shown(run_sweep_notebook(folder, tmp_path, this_python_kernel))
    assert figures["Adoption curves"]["legend"] == ["30000", "default"]
    assert figures["Reach against CAC (95% CIs; CAC pooled)"]["legend"] == ["30000", "default"]
    boxes = next(f for title, f in figures.items() if title.startswith("Repurchase rate by"))
    assert boxes["x"] == ["30000", "default"]


def test_sweep_notebook_on_a_folder_of_two_sweeps_shows_every_setting(tmp_path, this_python_kernel):
    # each sweep's jobs leave the other's parameter unset (NaN): grouping by both parameters
    # dropped them, and the paired differences came out as "Empty DataFrame"
    import sim

    both = tmp_path / "both"
    both.mkdir()
    sweep(both / "budgets", "budget.total=null,30000")
    sweep(both / "schemes", "referral=none,one_sided")
    frame = sim.results.load(both)
    swept = sim.results.swept(frame)
    settings = len(frame[swept].drop_duplicates())
    assert settings == len(frame.groupby(swept, dropna=False)) > len(frame.groupby(swept))

    book = run_sweep_notebook(both, tmp_path, this_python_kernel)
    figures = figures_shown(book)
    assert len(set(figures["Adoption curves"]["legend"])) == settings
    assert len(set(figures["Reach against CAC (95% CIs; CAC pooled)"]["legend"])) == settings
    assert not any("nan" in label for label in figures["Adoption curves"]["legend"])
    paired = results_shown(book)[-1]  # the paired differences, the last table
    assert "delta_customers" in paired
    assert "one_sided" in paired


def test_sweep_notebook_leaves_a_numeric_baseline_out_of_its_paired_table(
    tmp_path, this_python_kernel
):
    # a review: BASELINE = 0 against rewards recorded as 0.0 ("0.0" != "0" as text) kept the
    # baseline's own rows, Δ 0 [0, 0], among the paired differences
    folder = tmp_path / "rewards"
    sweep(folder, "referral=one_sided", "referral.referrer_reward=0,10")
    settings = 'BY = "referral.referrer_reward"\nBASELINE = 0'
    book = run_sweep_notebook(folder, tmp_path, this_python_kernel, settings)
    paired = results_shown(book)[-1].splitlines()  # the paired differences, the last table
    rows = {line.split()[0] for line in paired if line[:1].isdigit()}  # a block per few columns
    assert rows == {"10"}


BUDGETS = [300 + 100 * step for step in range(12)]
"""A sweep's settings of ``budget.total``: too many for a legend over the data; the smallest
campaigns win so few customers in :data:`tests.sweeps.TINY`'s 3 replicates that their
customers' interval reaches 0, and their CAC's has no upper end."""

REACH_CAC = "Reach against CAC (95% CIs; CAC pooled)"
"""The title of notebook 3's reach-against-CAC figure (notebook 2's starts with it)."""


@pytest.fixture(scope="module")
def many_budgets_shown(tmp_path_factory) -> dict[str, dict]:
    """Per title, the figures notebook 3 shows of a sweep of :data:`BUDGETS`."""
    folder = tmp_path_factory.mktemp("many_budgets")
    sweep(folder / "sweep", f"budget.total={','.join(map(str, BUDGETS))}")
    with pytest.MonkeyPatch.context() as monkeypatch:
        kernel = python_kernel(folder, monkeypatch)
        return figures_shown(run_sweep_notebook(folder / "sweep", folder, kernel))


@pytest.mark.parametrize("title", ["Adoption curves", REACH_CAC])
def test_sweep_notebook_puts_the_legend_of_many_settings_beside_the_data(many_budgets_shown, title):
    # the adoption curves' legend of 12 settings lay over the curves (ax.legend inside the axes)
    figure = many_budgets_shown[title]
    settings = [entry for entry in figure["legend"] if not entry.startswith("CAC's CI")]
    assert settings == [str(budget) for budget in BUDGETS]
    legend, axes, whole = (figure["boxes"][key] for key in ("legend", "axes", "figure"))
    assert legend[0] >= axes[2]  # right of the axes: over no data
    assert legend[2] <= whole[2] and legend[1] >= whole[1] and legend[3] <= whole[3]  # not cut


def test_sweep_notebook_gives_each_of_many_settings_its_own_line(many_budgets_shown):
    # matplotlib's 10 colours came round again: the 1st and 11th curves looked the same
    lines = many_budgets_shown["Adoption curves"]["lines"]
    assert len(lines) == len(BUDGETS) == len({tuple(line) for line in lines})


def assert_unbounded_cac_reaches_the_edge(figure: dict) -> None:
    """Each CAC bar unbounded above reaches the right edge, an arrowhead there, and is explained.

    The edge lies past every other bar and point, within the axes' right margin; the legend's
    last entry says what the arrowheads mean.
    """
    heads, bars = figure["heads"], figure["x_bars"]
    assert heads, "no arrowhead: the CAC's bar to inf was not drawn"
    edge = heads[0][0]
    assert all(x == edge for x, _ in heads)
    reaching = [(low, y) for low, high, y in bars if high == edge]
    assert sorted(y for _, y in reaching) == sorted(y for _, y in heads)  # one bar per head
    assert all(low < edge for low, _ in reaching)
    assert max(high for _, high, _ in bars) == edge
    left, right = figure["xlim"]
    assert edge < right <= edge + 0.1 * (right - left)  # at the edge, within its margin
    assert figure["legend"][-1] == "CAC's CI has no upper end (its customers' CI reaches 0)"


def test_sweep_notebook_draws_a_cac_with_no_upper_end_to_the_edge(many_budgets_shown):
    # Fieller's interval of a pooled CAC is [low, inf] where the customers' reaches 0: the
    # notebook drew no bar to inf, only the lower cap; the report draws it to the edge
    assert_unbounded_cac_reaches_the_edge(many_budgets_shown[REACH_CAC])


def test_compare_notebook_draws_a_cac_with_no_upper_end_to_the_edge(tmp_path, this_python_kernel):
    # 2 replicates of 3 days: the customers' t-interval of some schemes reaches 0
    small = "N = 600\nDAYS = 3\nREPLICATES = 2"
    book = run_notebook("2.0-compare-schemes.ipynb", tmp_path, this_python_kernel, small)
    figures = figures_shown(book)
    reach = next(figure for title, figure in figures.items() if title.startswith(REACH_CAC))
    assert_unbounded_cac_reaches_the_edge(reach)
    assert reach["legend"][:-1] == ["none", "one_sided", "two_sided"]
    teams = results_shown(book)[-1].splitlines()  # group-buy teams per run (since 4 Dec 2026)
    assert teams[0].split() == ["teams_filled", "teams_dissolved", "share_filled"]
    assert [row.split()[0] for row in teams[2:]] == ["none", "one_sided", "two_sided"]
    assert {tuple(row.split()[1:]) for row in teams[2:]} == {("0.0", "0.0", "NaN")}


def test_compare_notebook_shows_how_seldom_group_buy_teams_fill(tmp_path, this_python_kernel):
    # its table read group_buy's +79 customers at an incremental CAC near 0; the teams that
    # made it so were not shown (since 4 Dec 2026)
    small = 'N = 800\nDAYS = 30\nREPLICATES = 3\nSCHEMES = ["none", "group_buy"]'
    book = run_notebook("2.0-compare-schemes.ipynb", tmp_path, this_python_kernel, small)
    rows = {row.split()[0]: row.split()[1:] for row in results_shown(book)[-1].splitlines()[2:]}
    assert [float(value) for value in rows["none"][:2]] == [0, 0] and rows["none"][2] == "NaN"
    filled, dissolved, share = map(float, rows["group_buy"])
    assert dissolved > 10 and share == pytest.approx(filled / (filled + dissolved), abs=1e-6)
    assert share < 0.1  # seldom, as docs/model.md says of the default market


def test_sweep_notebook_varying_several_parameters_says_to_set_by(tmp_path, this_python_kernel):
    # with BY = None it failed with the command line's advice (--by, --baseline)
    from nbclient.exceptions import CellExecutionError

    folder = tmp_path / "two_parameters"
    sweep(folder, "retention=none,points", "budget.total=20000,30000")
    with pytest.raises(CellExecutionError, match="several parameters vary") as caught:
        run_sweep_notebook(folder, tmp_path, this_python_kernel)
    assert re.search(r"set BY .*and BASELINE .*at the top", str(caught.value))


def test_compare_notebook_reads_group_buy_as_the_model_runs_it():
    # since 2 Dec 2026 a member of a team that never fills buys at full price only with chance
    # p_full / p_group (docs/model.md); the notebook still spoke of full-price orders to refund,
    # and of a scheme that "pays nothing" where its table reads e.g. 0.0 [-0.0, 0.1]
    book = nbformat.read(NOTEBOOKS / "2.0-compare-schemes.ipynb", as_version=4)
    text = " ".join(cell.source for cell in book.cells if cell.cell_type == "markdown")
    model = (NOTEBOOKS.parent / "docs" / "model.md").read_text()
    assert "`p_full / p_group`" in model
    assert "`p_full / p_group`" in text
    assert "orders still waiting at the end count in no customers" in text
    assert "refund" not in text
    assert "pays nothing" not in text
    assert "incremental CAC of 0" not in text
