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
    spec = tmp_path / "jupyter" / "kernels" / "referral-sim"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "referral-sim", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "referral-sim"


VARIANTS = [
    # organic seeding without referral wins no customer by any channel: nothing to stack
    ("1.0-quickstart.ipynb", 'SEEDING = "organic"\nREFERRAL = "none"', r"0 trees"),
    # KOL links start no tree of consumers: they are counted apart (it printed "26 referral
    # links in 0 trees"), and a root won through a KOL is drawn as a root
    ("1.0-quickstart.ipynb", 'SEEDING = "kol"', r"between consumers in \d+ trees \(and [1-9]"),
    # a recruited KOC later brought in by its own referee closed a cycle in the links (the tree
    # cell found no root: StopIteration); the trees drawn are the cascades', with that link cut
    ("1.0-quickstart.ipynb", 'SEEDING = "koc_matrix"\nN = 10_000\nDAYS = 90', r"; [1-9]\d* cut"),
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


def _show_with_labels(*args, _show=_plt.show, **kwargs):
    """Print each figure's title, legend entries and x tick labels, then show it."""
    figure = _plt.gcf()
    figure.canvas.draw()
    for axes in figure.axes:
        legend = axes.get_legend()
        entries = [text.get_text() for text in legend.get_texts()] if legend else []
        ticks = [text.get_text() for text in axes.get_xticklabels()]
        print("FIGURE", _json.dumps({"title": axes.get_title(), "legend": entries, "x": ticks}))
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
    small = SMALL["3.0-sweep-analysis.ipynb"][0]
    source = f"{small}\nSWEEP = {str(folder)!r}\n{parameters}\n{LABELS_SHOWN}"
    book = with_small_parameters(
        nbformat.read(NOTEBOOKS / "3.0-sweep-analysis.ipynb", as_version=4), source
    )
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
