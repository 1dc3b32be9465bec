"""Bad input: every declared key with out-of-range and wrong-type values, and malformed networks.

Each is refused with one short paragraph naming the key, exit code 2 from the CLI, no traceback
and nothing written that could be read as a result. The cases are generated from the config
dataclasses' metadata (``tests.declared``), so a new key is covered without a new test.
"""

from __future__ import annotations

import operator
import os
import re
import shutil
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

import sim
from experiments.claims import CLAIMS, Setup
from experiments.claims.base import SCENARIO
from sim import cli, failures
from sim.configure import compose_with_hydra, conf_dir, describe_error, to_config
from sim.params import SAID_BY_SWEEP, warn_once
from tests.declared import Key, declared_keys, walk
from tests.sweeps import cli_process

TOO_BIG = str(2**63)


def bad_values(key: Key) -> list[str]:
    """Override values that must be refused for ``key``: out of range or of the wrong type."""
    if key.item_class is not None:
        return ["x", "[]", *_bad_items(key.item_class)]
    if key.kind is bool:
        return ["maybe"]
    if key.choices:
        return ["bogus", "3"]
    if key.field.name == "name":
        return ["bogus"]
    if key.field.name == "path":
        return ["", "/", "/no/such/edges.txt"]
    if key.kind == list[int]:
        return ["x", "[0]", "[1.5]", "[abc]"]
    if key.kind in (int, float):
        return ["abc", *_outside(key.range, key.kind is int)]
    return ["x"]  # a mapping (population.threshold); its entries: see EXPLICIT below


def _outside(allowed, integer: bool) -> list[str]:
    step = 1 if integer else 0.5
    values = [TOO_BIG, "1.5"] if integer else ["inf", "nan"]
    if allowed.low is not None:
        values.append(_number(allowed.low if allowed.low_open else allowed.low - step))
    if allowed.high is not None:
        values.append(_number(allowed.high + step))
    return values


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _bad_items(item_class: type) -> list[str]:
    """One-item lists with one bad field each (``referral.tiers=[{start:1,reward:-0.5,...}]``)."""
    fields = list(walk(item_class, ""))
    defaults = {k.name: str(k.field.default) for k in fields}
    return [
        "[{" + ",".join(f"{n}:{bad if n == k.name else v}" for n, v in defaults.items()) + "}]"
        for k in fields
        for bad in bad_values(k)
    ]


def bad_cases() -> list[tuple[Key, str, str]]:
    """``(key, override, kind)`` for every bad value of every key.

    The kind names the type and the position of the value in :func:`bad_values` (wrong type,
    beyond 64 bits, below the range, above it, ...), so that the CLI can try one of each.
    """
    return [
        (key, f"{key.name}={value}{_context(key)}", f"{_kind(key)}#{position}")
        for key in declared_keys()
        for position, value in enumerate(bad_values(key))
    ]


def _kind(key: Key) -> str:
    if key.item_class is not None or key.field.name in ("name", "path") or key.choices:
        return key.field.name if not key.choices else "choice"
    return getattr(key.kind, "__name__", str(key.kind))


def generated_cases() -> list:
    return [
        pytest.param(key.options, override, key.name, id=override.split(" ")[0])
        for key, override, _ in bad_cases()
    ]


def _context(key: Key) -> str:
    """Valid values the option needs besides the bad one (an edge list's file must exist)."""
    if "network=edgelist" in key.options and key.name != "network.path":
        return f" network.path={Path(__file__)}"  # only checked for existence before a run
    return ""


# Constraints between keys, mapping entries and unknown names: not derivable from one field.
EXPLICIT = [
    ((), "network.k=7", "network.k"),
    ((), "network.k=10 network.n=5", "network.k"),
    ((), "network.n=2", "network.n"),
    (("network=scale_free",), "network.n=2", "network.n"),
    (("network=random",), "network.k=5 network.n=5", "network.k"),
    (("network=circles",), "network.communities=6 network.n=5", "network.communities"),
    (("seeding=kol",), "seeding.hired=11", "seeding.hired"),
    (("seeding=mixed",), "seeding.kol.hired=11", "seeding.kol.hired"),
    (("seeding=mixed",), "seeding.ads.initial_customers=7", "seeding.ads.initial_customers"),
    (("seeding=mixed",), "seeding.kol.initial_customers=7", "seeding.kol.initial_customers"),
    (("seeding=mixed",), "seeding.koc.initial_customers=1", "seeding.koc.initial_customers"),
    (
        ("seeding=organic",),
        "seeding.initial_customers=6 network.n=5 network.k=2 network.rewire=0",
        "seeding.initial_customers",
    ),
    ((), "network.k=2 network.n=50", "network.k"),  # a rewired ring of degree 2: disconnected
    ((), "population.threshold.1=0 +population.threshold.40000=1", "population.threshold"),
    (("seeding=koc_matrix",), "seeding.chosen_by=community", "seeding.chosen_by"),
    (("seeding=mixed",), "seeding.koc.chosen_by=clustered", "seeding.koc.chosen_by"),
    (
        ("seeding=mixed",),
        "seeding.ads_share=0.9",
        "seeding.ads_share+kol_share+koc_share+referral_share",
    ),
    (
        ("seeding=koc_matrix",),
        "seeding.commission=0 seeding.commission_reserve=10",
        "seeding.commission_reserve",
    ),
    (
        ("seeding=mixed",),
        "seeding.koc.commission=0 seeding.koc.commission_reserve=10",
        "seeding.koc.commission_reserve",
    ),
    (("referral=tiered",), "referral.tiers=[{start:2}]", "referral.tiers"),
    (
        ("referral=tiered",),
        "referral.tiers=[{start:1,reward:5,kind:cash},{start:1,reward:9,kind:cash}]",
        "referral.tiers",
    ),
    ((), "population.threshold.1=0.5", "population.threshold"),
    ((), "population.threshold.1=abc", "population.threshold.1"),
    ((), "population.threshold.1=0.5 +population.threshold.0=0.5", "population.threshold"),
    ((), "population.threshold.1=0.5 +population.threshold.x=0.5", "population.threshold"),
    ((), "population.threshold.1=1.5 +population.threshold.2=-0.5", "population.threshold.1"),
    ((), "bogus=1", "bogus"),
    ((), "network.bogus=1", "network.bogus"),
]


def check_overrides(options: tuple[str, ...], overrides: str) -> sim.Config:
    """``sim.compose`` of the group choices and the key overrides (a few ms each)."""
    return sim.compose([*options, *overrides.split()])


def compose_by_hydra_alone(overrides: list[str]) -> sim.Config:
    """Hydra composes every override (about 0.1 s), errors described as ``sim.compose`` does."""
    try:
        cfg = compose_with_hydra(overrides)
    except (HydraException, OmegaConfBaseException, OverflowError) as error:
        raise sim.ConfigError(describe_error(error)) from error
    return to_config(cfg)


def assert_one_paragraph(message: str, key: str) -> None:
    """Names the key, no traceback, no blank line, a few lines."""
    assert key in message
    assert "Traceback" not in message and "\n\n" not in message.strip()
    assert len(message.strip().splitlines()) <= 6, message


def assert_starts_with_the_key(message: str, key: str) -> None:
    """The first line is about ``key``: ``key=value is not allowed: expected ...`` (or a path's
    own sentence, or ``... declares no key ...`` for an unknown key), or Hydra's ``Error merging
    override key=...`` / ``Could not override 'key'``.

    Naming the key anywhere is not enough: another key's message may mention it (``network.k=10
    ... with network.n=2`` when the rule about ``network.n`` itself is missing).
    """
    first = message.splitlines()[0]
    if first.startswith((f"Error merging override {key}=", f"Could not override '{key}'")):
        return
    # the key, an item of it (post_days[0], tiers[0].start), then its value or what it is
    assert re.match(rf"{re.escape(key)}(\[\d+\](\.\w+)?)?(=| is )", first), message
    reasons = (" is not allowed: expected ", " is not a ", " does not exist", " is empty")
    reasons += (" declares no key ",)  # an unknown key: the keys declared there follow
    assert any(reason in first for reason in reasons), message


def test_the_generated_cases_cover_every_declared_key():
    keys = {case.values[2] for case in generated_cases()}
    assert keys == {key.name for key in declared_keys()}
    assert len(generated_cases()) > 3 * len(keys)


def assert_explains(message: str, key: str) -> None:
    """One paragraph naming the key; a failed merge also says why (Hydra's line is not enough)."""
    assert_one_paragraph(message, key)
    assert_starts_with_the_key(message, key)
    if message.startswith("Error merging override"):
        reason = message.splitlines()[1:]
        assert reason and any(word in " ".join(reason) for word in ("Value", "assign")), message


@pytest.mark.parametrize(("options", "override", "key"), generated_cases())
def test_every_bad_value_of_every_key_is_refused_naming_the_key(options, override, key):
    with pytest.raises(sim.ConfigError) as refused:
        check_overrides(options, override)
    assert_explains(str(refused.value), key)


def sampled_cases() -> list:
    """The first case of each kind of bad value and every 10th case: ~90 of the ~580."""
    cases, kinds = [], set()
    for position, (key, override, kind) in enumerate(bad_cases()):
        if kind not in kinds or position % 10 == 0:
            kinds.add(kind)
            cases.append(pytest.param(key.options, override, key.name, id=override.split(" ")[0]))
    return cases


@pytest.mark.parametrize(("options", "override", "key"), sampled_cases())
def test_sim_compose_gives_the_message_hydra_alone_gives(options, override, key):
    # Hydra alone costs ~0.1 s a case (~60 s for all of them), so a sample goes the whole way
    with pytest.raises(sim.ConfigError) as composed:
        compose_by_hydra_alone([*options, *override.split()])
    assert_explains(str(composed.value), key)
    with pytest.raises(sim.ConfigError) as fast:
        check_overrides(options, override)
    assert str(fast.value) == str(composed.value)


@pytest.mark.parametrize(("options", "overrides", "key"), EXPLICIT)
def test_constraints_between_keys_are_refused_naming_the_key(options, overrides, key):
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose([*options, *overrides.split()])
    assert_one_paragraph(str(refused.value), key)
    assert_starts_with_the_key(str(refused.value), key)


def one_case_per_kind() -> list:
    """The first generated case of each kind of bad value, plus unknown options and keys."""
    first: dict[str, tuple[Key, str]] = {}
    for key, override, kind in bad_cases():
        first.setdefault(kind, (key, override))
    cases = [
        pytest.param([*key.options, *override.split()], key.name, id=override.split(" ")[0])
        for key, override in first.values()
    ]
    cases.append(pytest.param(["referral=bogus"], "referral/bogus", id="referral=bogus"))
    cases.append(pytest.param(["bogus=1"], "bogus", id="bogus=1"))
    return cases


def refused_in_process(tmp_path, monkeypatch, capsys, arguments: list[str]) -> str:
    """Run ``referral-sim arguments`` in this process from ``tmp_path``; exit 2, its stderr."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["referral-sim", *arguments])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_BAD_CONFIG == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(("arguments", "key"), one_case_per_kind())
def test_the_cli_refuses_each_kind_of_bad_value_with_exit_2_and_writes_nothing(
    tmp_path, monkeypatch, capsys, arguments, key
):
    stderr = refused_in_process(tmp_path, monkeypatch, capsys, arguments)
    assert stderr.startswith("referral-sim: invalid configuration:")
    assert_one_paragraph(stderr, key)
    assert not any(tmp_path.iterdir())


@pytest.mark.timeout(60)  # the old loop never ended
@pytest.mark.parametrize(
    "arguments",
    [["seeding=kol", "seeding.post_days=[1.5]"], ["network.n=abc"], ["run.replicates=1.5"]],
    ids=lambda arguments: arguments[-1],
)
def test_a_bad_value_is_refused_under_a_debugger_as_without_one(
    tmp_path, monkeypatch, capsys, arguments
):
    # Under a debugger or a coverage tracer (or OC_CAUSE=1) OmegaConf makes its ValidationError
    # its own cause; until 1 Dec 2026 describing that error looped for ever, and a cause that
    # is OmegaConf's template ("Value '$VALUE' of type '$VALUE_TYPE' ...") was a line of its own
    plain = refused_in_process(tmp_path, monkeypatch, capsys, arguments)
    monkeypatch.setenv("OC_CAUSE", "1")
    assert refused_in_process(tmp_path, monkeypatch, capsys, arguments) == plain
    key = arguments[-1].partition("=")[0]
    said = (f"{key}: Value", f"{key}[0]: Value", f"{key}=")  # a scalar's says its range
    assert any(start in plain for start in said)
    assert "$" not in plain and not any(tmp_path.iterdir())


def test_the_cli_gives_its_caller_back_its_sigterm_handler_and_environment(
    tmp_path, monkeypatch, capsys
):
    # an in-process caller (a test, a notebook) kept the CLI's SIGTERM handler for good, and
    # PYTHONWARNINGS grew an entry at each call
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    mine = signal.getsignal(signal.SIGTERM)
    for _ in range(2):
        refused_in_process(tmp_path, monkeypatch, capsys, ["network.n=abc"])
    assert signal.getsignal(signal.SIGTERM) is mine
    assert os.environ["PYTHONWARNINGS"] == "ignore:resource_tracker:UserWarning"


def test_a_wrong_type_in_a_sweep_stops_it_before_any_job_with_exit_2(tmp_path):
    folder = tmp_path / "sweep"
    result = cli_process(
        "-m", "network.n=50,abc", "days=2", f"hydra.sweep.dir={folder}", cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    assert_one_paragraph(result.stderr, "network.n")
    assert not list(tmp_path.rglob("*.parquet"))


def test_an_out_of_range_value_in_a_sweep_stops_it_before_any_job_with_exit_2(tmp_path):
    # until 1 Dec 2026 job 0 failed when it came and job 1 ran: the sweeper now checks ranges
    folder = tmp_path / "sweep"
    result = cli_process(
        "-m", "days=0,3", "network.n=60", f"hydra.sweep.dir={folder}", cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    assert_one_paragraph(result.stderr, "days=0 is not allowed")
    assert not list(tmp_path.rglob("*.parquet")) and not list(tmp_path.rglob("failed.json"))
    assert not (folder / "multirun.yaml").exists()  # no record of a sweep that never ran
    assert not folder.exists()  # nor the folder it made (until 2 Dec 2026: with a lock file)


def test_a_sweep_in_process_leaves_the_warnings_said_variable_as_it_found_it(
    tmp_path, monkeypatch, capsys
):
    # the sweeper sets it for its workers once every job passes its check, and puts it back
    # when the sweep ends, even refused (job 1, in the second batch): a caller's later runs
    # warn as before
    monkeypatch.setenv(SAID_BY_SWEEP, '["said before this sweep"]')
    # cli.main() runs Hydra with HYDRA_FULL_ERROR=1 and puts the caller's setting back (until
    # 2 Dec 2026 it stayed 1, and a later command line in the process printed tracebacks)
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    arguments = ["-m", "seed=0,-1", "hydra.sweeper.max_batch_size=1", "network.n=60", "days=2"]
    arguments += ["run.replicates=1", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    assert "seed=-1 is not allowed" in refused_in_process(tmp_path, monkeypatch, capsys, arguments)
    assert os.environ.get(SAID_BY_SWEEP) == '["said before this sweep"]'
    assert "HYDRA_FULL_ERROR" not in os.environ
    assert not failures.sweeping()  # its lock released, though no end-of-sweep callback ran


def test_a_value_the_network_refuses_fails_its_job_and_the_others_finish(tmp_path):
    # 500 seeds fit no configuration check (an edge list's size is known once it is read):
    # that job fails when it builds its network, and the sweep goes on
    edges = tmp_path / "ring.txt"
    edges.write_text("".join(f"{i} {(i + 1) % 60}\n" for i in range(60)))
    folder = tmp_path / "sweep"
    result = cli_process(
        "-m", "network=edgelist", f"network.path={edges}", "seeding=organic",
        "seeding.initial_customers=500,5", "days=3", f"hydra.sweep.dir={folder}", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert "1 of 2 jobs did not finish" in result.stderr
    assert "seeding.initial_customers=500 is not allowed" in result.stderr
    assert "Fix the values named above" in result.stderr  # not "run again", which cannot help
    assert "Run the same command again" not in result.stderr
    assert sim.results.load(folder)["seeding.initial_customers"].tolist() == [5]
    assert (folder / "0" / "failed.json").is_file() and not (
        folder / "0" / "metrics.parquet"
    ).exists()


# ----- edge-list files -----------------------------------------------------------------------
MALFORMED = {
    "empty.txt": ("", "has no edges"),
    "comments_only.txt": ("# nothing but a comment\n", "has no edges"),
    "blank_lines.txt": ("\n\n   \n", "has no edges"),
    "one_column.txt": ("1\n2\n3\n", "has one column .*spaces or tabs"),
    "one_column.csv": ("id\n1\n2\n", "has one column .*commas"),
    "semicolons.csv": ("1;2\n2;3\n", "has one column .*commas"),
    "binary.txt": (b"\x00\xff\xfe\x01 \x02\n", "could not be parsed: 'utf-8' codec"),
    "latin1.txt": ("Zo\xeb 1\n1 2\n".encode("latin-1"), "could not be parsed: 'utf-8' codec"),
    "broken.graphml": ("<graphml><graph><node id='a'/>", "is not valid GraphML"),
    "empty.graphml": ("", "is not valid GraphML"),
}


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def edgelist_model(path: Path | str) -> sim.ReferralModel:
    """Compose an edge-list market (checks the file exists) and build the model (reads it)."""
    config = sim.compose(["network=edgelist", f"network.path={path}", "days=2"])
    return sim.ReferralModel(config)


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_edge_list_is_refused_naming_the_key_and_the_problem(tmp_path, name):
    content, problem = MALFORMED[name]
    path = write(tmp_path, name, content)
    with pytest.raises(sim.ConfigError, match=f"network.path=.*{name}.*{problem}") as refused:
        edgelist_model(path)
    assert_one_paragraph(str(refused.value), "network.path")


NOT_A_FILE = {
    "": "is empty",
    "{tmp}": "is not a regular file",
    "{tmp}/missing.txt": "does not exist",
}


@pytest.mark.parametrize("path", NOT_A_FILE)
def test_a_missing_path_or_a_directory_is_refused_before_anything_runs(tmp_path, path):
    path = path.format(tmp=tmp_path)
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(["network=edgelist", f"network.path={path}"])  # before the model is built
    assert_one_paragraph(str(refused.value), "network.path")
    assert NOT_A_FILE[path.replace(str(tmp_path), "{tmp}")] in str(refused.value)
    with pytest.raises(sim.ConfigError) as loading:
        sim.network.load_edgelist(path)
    assert str(loading.value) == str(refused.value)  # one message, by config or by the API


def test_an_unreadable_edge_list_is_refused_naming_the_key(tmp_path, monkeypatch):
    path = write(tmp_path, "edges.txt", "1 2\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("sim.network.io.pd.read_csv", denied)  # root ignores chmod 000
    with pytest.raises(sim.ConfigError, match=r"network.path=.*could not be read: Permission"):
        edgelist_model(path)


# Unusual but valid files: what each becomes (ids are labels, relabelled 0..n-1 in order).
ODD_BUT_VALID = {
    "negative.txt": ("-1 2\n2 -3\n", 3, 2),
    "huge_ids.txt": ("99999999999999999999999 1\n99999999999999999999998 1\n", 3, 2),
    "int64_max.txt": ("9223372036854775807 1\n1 2\n", 3, 2),
    "text_ids.txt": ("alice bob\nbob carol\n", 3, 2),
    "unicode.txt": ("Zoë 北京\n北京 Ωmega\n", 3, 2),
    "float_ids.txt": ("1.5 2\n2 3\n", 3, 2),
    "three_columns.txt": ("1 2 0.5\n2 3 0.7\n", 3, 2),
    "tabs.txt": ("1\t2\n2\t3\n", 3, 2),
    "header.csv": ("source,target\n10,20\n20,30\n", 3, 2),
    "bom.csv": ("\ufeffsource,target\n1,2\n2,3\n", 3, 2),
    "self_loops_only.txt": ("1 1\n2 2\n", 2, 0),
    "one_edge.txt": ("0 1\n", 2, 1),
    "na_ids.txt": ("NA x\nnull NA\nx null\n", 3, 3),
    "short_line.txt": ("1 2\n3\n2 4\n", 3, 2),
}


@pytest.mark.filterwarnings("ignore:.*dropped")
@pytest.mark.parametrize("name", ODD_BUT_VALID)
def test_unusual_but_valid_edge_lists_give_a_defined_graph(tmp_path, name):
    content, nodes, edges = ODD_BUT_VALID[name]
    graph = edgelist_model(write(tmp_path, name, content)).network
    assert (graph.n, graph.edges) == (nodes, edges)


def test_ids_too_large_for_64_bits_are_never_merged(tmp_path):
    # Cast to float or int64 the two people below were one node (a silent wrong network).
    path = write(tmp_path, "e.txt", "99999999999999999999999 1\n99999999999999999999998 2\n")
    assert edgelist_model(path).network.edges == 2


def test_duplicates_and_self_loops_are_dropped_with_a_warning(tmp_path):
    path = write(tmp_path, "e.txt", "1 2\n2 1\n1 2\n3 3\n2 3\n")
    with pytest.warns(UserWarning, match="dropped 1 self-loop and 2 duplicate edges"):
        graph = edgelist_model(path).network
    assert (graph.n, graph.edges) == (3, 2)


def test_a_network_file_is_read_once_for_every_replicate_until_it_changes(tmp_path):
    # each replicate parsed it again (0.56 s for ego-Facebook) and said its warnings again
    path = write(tmp_path, "e.txt", "1 2\n2 1\n3 3\n2 3\n")
    config = sim.compose(["network=edgelist", f"network.path={path}", "days=2"])
    config.run.replicates = 3
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        sim.run(config)
    dropped = [w for w in said if "dropped 1 self-loop" in str(w.message)]
    assert len(dropped) == 1
    first, again = sim.ReferralModel(config).network, sim.ReferralModel(config).network
    assert first is again and not first.indices.flags.writeable  # shared, so read-only
    stat = path.stat()
    path.write_text("1 2\n2 3\n3 4\n", encoding="utf-8")  # edited: read again
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert sim.ReferralModel(config).network.n == 4


@pytest.mark.parametrize(
    ("content", "warning"),
    [
        ("1 2\n3\n2 4\n", "dropped 1 line with fewer than two ids"),
        ("u v\n1 2\n2 3\n", "read the first line \\('u v'\\) as a header"),
    ],
)
def test_lines_left_out_of_the_network_are_reported(tmp_path, content, warning):
    with pytest.warns(UserWarning, match=warning):
        edgelist_model(write(tmp_path, "edges.txt", content))


def test_more_seeds_than_the_loaded_network_has_is_refused(tmp_path):
    path = write(tmp_path, "e.txt", "0 1\n")
    config = sim.compose(["network=edgelist", f"network.path={path}", "seeding=organic"])
    with pytest.raises(sim.ConfigError, match=r"seeding.initial_customers=5 .*network's 2"):
        sim.ReferralModel(config)


def test_the_cli_refuses_a_malformed_edge_list_with_exit_2_and_no_result(tmp_path):
    path = write(tmp_path, "edges.txt", "1\n2\n")
    result = cli_process("network=edgelist", f"network.path={path}", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("referral-sim: invalid configuration: network.path=")
    assert_one_paragraph(result.stderr, "network.path")
    assert not list(tmp_path.rglob("*.parquet"))
    assert len(list(tmp_path.rglob("failed.json"))) == 1


def test_a_sweep_over_files_runs_the_good_ones_and_lists_the_bad_ones(tmp_path):
    good = write(tmp_path, "good.txt", "1 2\n2 3\n3 1\n")
    bad = write(tmp_path, "bad.txt", "")
    folder = tmp_path / "sweep"
    result = cli_process(
        "-m", "network=edgelist", f"network.path={bad},{good}", "days=3",
        f"hydra.sweep.dir={folder}", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert "1 of 2 jobs did not finish" in result.stderr and "has no edges" in result.stderr
    assert sim.results.load(folder)["network.path"].tolist() == [str(good)]


@pytest.mark.parametrize(
    ("script", "argument"),
    [
        ("sensitivity", "--samples=0"),
        ("sensitivity", "--replicates=-3"),
        ("calibrate", "--replicates=0"),
        ("seed_claims", "--replicates=0"),
        ("optimise", "--trials=0"),
        ("benchmark", "--repeats=0"),
    ],
)
def test_the_experiment_scripts_refuse_a_count_below_one_before_any_work(script, argument):
    result = subprocess.run(
        [sys.executable, "-m", f"experiments.{script}", argument],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    name, value = argument.split("=")
    # Sobol samples: a power of 2 from 4; the claims' verdicts need two replicates for a CI
    least = 4 if name == "--samples" else 2 if script == "seed_claims" else 1
    assert f"argument {name}: {value} is too small: at least {least}" in result.stderr


def test_a_lone_string_of_overrides_is_refused_with_the_list_to_write():
    # it was read letter by letter: "Error parsing override 'r'"
    with pytest.raises(sim.ConfigError, match=r"sim.compose\(\['referral=two_sided'\]\)"):
        sim.compose("referral=two_sided")


@pytest.mark.parametrize(
    ("override", "composed", "also"),
    [
        ("referral=none,two_sided", "for value in ['none', 'two_sided']].", r"-m \.\.\. referral="),
        ("seed=range(0,1000000000)", "for value in [0, 1, 2, ...]].", r"add -m on the command"),
        ("network.n=100,200", "for value in [100, 200]]", "network.n='100,200'.$"),
    ],
)
def test_a_sweep_given_to_compose_says_how_to_compose_each_value(override, composed, also):
    # Hydra's message asked a caller in Python to "add --multirun to your command line"
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(["days=5", override])
    said = str(refused.value)
    assert said.startswith(f"{override} gives {override.partition('=')[0]} several values")
    assert "--multirun" not in said
    assert composed in said
    assert re.search(also, said)


def test_a_forced_sweep_is_told_with_its_key_and_its_plus_signs_kept():
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(["++seed=1,2"])
    assert str(refused.value) == (
        "++seed=1,2 gives seed several values (a sweep), and a run has one: to run each, add -m "
        "on the command line (referral-sim -m ... ++seed=1,2); in Python, compose each, e.g. "
        "[sim.compose([f'++seed={value}']) for value in [1, 2]]. A list is written ++seed=[1,2], "
        "a text with a comma ++seed='1,2'."
    )


@pytest.mark.parametrize(
    ("override", "ending"),
    [
        ("seed=range(1,3)", "for value in [1, 2]]."),  # range(1,3) is no list of two texts
        ("referral=none,two_sided", "for value in ['none', 'two_sided']]."),  # a group's options
        ("fraud.max_rate=interval(0,1)", "for value in [...]]."),  # no values to list
        ("seed=sort(2,1,reverse=true)", "[sim.compose([f'seed={value}']) for value in [2, 1]]."),
        ("seed=shuffle(1,2)", "]]."),
        ("~seed=1,2", "for value in [1, 2]]."),
    ],
)
def test_a_sweep_is_offered_a_list_or_a_text_only_for_a_keys_plain_values(override, ending):
    # sort(2,1) and shuffle(1,2) are sweeps written as a call: "seed=[sort(2,1,reverse=true)]"
    # was offered as the list to write
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose([override])
    assert str(refused.value).endswith(ending)
    assert "A list is written" not in str(refused.value)


def test_a_sweep_of_quoted_texts_is_told_values_that_compose():
    # the values read [QuotedString(text='degree', quote=<Quote.single: 0>), ...], and the text
    # to write was influencers.koc_by=''degree','random''
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(["influencers.koc_by='degree','random'"])
    said = str(refused.value)
    values = re.search(r"for value in (\[.*\])\]\.", said).group(1)
    assert values == """["'degree'", "'random'"]"""
    for value in ["'degree'", "'random'"]:
        assert sim.compose([f"influencers.koc_by={value}"]).influencers.koc_by == value.strip("'")
    assert said.endswith(
        "A list is written influencers.koc_by=['degree','random'], a text with a comma "
        """influencers.koc_by="'degree','random'"."""
    )


@pytest.mark.parametrize("replicate", [-1, "1", 1.5, True])
def test_a_replicate_that_is_not_a_whole_number_from_zero_is_refused(replicate):
    config = sim.compose(["network.n=100"])
    with pytest.raises(sim.ConfigError, match=r"replicate=.* expected an integer >= 0"):
        sim.ReferralModel(config, replicate)


@pytest.mark.parametrize("config", [["referral=two_sided"], "referral=two_sided", None])
@pytest.mark.parametrize("runs", [sim.ReferralModel, sim.run])
def test_overrides_not_yet_composed_are_refused_with_how_to_compose_them(runs, config):
    # sim.ReferralModel failed with "must be called with a dataclass type or instance", sim.run
    # with "'list' object has no attribute 'run'"
    with pytest.raises(sim.ConfigError, match=r"^config: expected a configuration from sim.comp"):
        runs(config)


@pytest.mark.parametrize("runs", [sim.ReferralModel, sim.run])
def test_a_part_of_a_configuration_or_its_class_is_refused_as_no_configuration(runs):
    # config.network failed with "'SmallWorldConfig' object has no attribute 'seed'"
    with pytest.raises(sim.ConfigError, match=r"^config: expected .*, not SmallWorldConfig "):
        runs(sim.compose(["network.n=100"]).network)
    with pytest.raises(sim.ConfigError, match=r"^config: expected .*, not type <class 'sim\."):
        runs(type(sim.compose(["network.n=100"])))


def test_a_long_value_given_for_a_configuration_is_shown_cut_short():
    with pytest.raises(sim.ConfigError) as refused:
        sim.run(list(range(1000)))
    assert str(refused.value).endswith(", not list [0, 1, 2, 3, 4, 5, ...]")


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (2.0, "2.0"), ("3", "'3'")])
def test_a_replicate_count_set_in_code_is_checked_before_any_replicate_runs(value, shown):
    # sim.run read it unchecked: 0 failed with "not enough values to unpack (expected 5, got 0)"
    # and 2.0 with "'float' object cannot be interpreted as an integer"
    config = sim.compose(["network.n=100", "days=2"])
    config.run.replicates = value
    with pytest.raises(sim.ConfigError, match=rf"^run.replicates={shown} is not allowed"):
        sim.run(config, progress=False)


# ----- sim.compose (cached groups, Hydra's merge of key overrides) against Hydra alone --------
def composed_studies() -> list[tuple[str, ...]]:
    """Every configuration of the claims report, random key values, and orders Hydra allows."""
    setup = Setup((SCENARIO,), replicates=1, seed=0, out=Path("unused"))
    claims = [(*spec.overrides, f"seed={spec.seed}") for c in CLAIMS for spec in c.specs(setup)]
    draws = np.random.default_rng(0).uniform(size=(40, 4))
    samples = [
        (
            "referral=two_sided",
            f"share.fanout={fanout:.6f}",
            f"conversion.peer={0.1 * peer}",
            f"referral.referee_discount={40 * discount}",
            f"population.price_sensitivity={2 * price}",
        )
        for fanout, peer, discount, price in draws
    ]
    orders = [
        ("network.n=500", "referral=tiered", "network.n=700"),  # a key before its group; twice
        ("referral.referrer_reward=3", "referral=one_sided", "+scenario=gen_z_2026"),
        ("seeding=mixed", "seeding.kol.hired=1", "network=circles", "network.k_in=4"),
        ("retention=points", "retention.points_rate=0.2", "days=5", "seed=9"),
        ("network.n=700", "++network.n=300"),  # Hydra applies these in command-line order
        ("network.n=500", "network={n:700}"),
    ]
    return list(dict.fromkeys([*claims, *samples, *orders]))


def test_sim_compose_equals_hydra_alone_on_every_studys_configuration():
    studies = composed_studies()
    assert len(studies) > 100
    different = [o for o in studies if sim.compose(list(o)) != compose_by_hydra_alone(list(o))]
    assert different == []


@pytest.fixture
def two_sided_option(tmp_path, monkeypatch):
    """``referral/two_sided.yaml`` in a copy of ``conf/`` that ``sim.compose`` reads."""
    conf = tmp_path / "conf"
    shutil.copytree(conf_dir(), conf)
    monkeypatch.setattr(sim.configure, "conf_dir", lambda: conf)
    assert sim.compose(["referral=two_sided"]).referral.referrer_reward == 10
    return conf / "referral" / "two_sided.yaml"


def test_an_edited_option_file_is_composed_anew(two_sided_option):
    option = two_sided_option
    text = option.read_text()
    option.write_text(text.replace("referrer_reward: 10.0", "referrer_reward: 7.5", 1))
    assert sim.compose(["referral=two_sided"]).referral.referrer_reward == 7.5
    assert sim.compose(["referral=two_sided"]) == compose_by_hydra_alone(["referral=two_sided"])


def test_an_option_file_edited_to_the_same_size_is_composed_anew(two_sided_option):
    # the cache is keyed by each file's size and modification time: 10.0 -> 20.0 keeps the size
    option = two_sided_option
    text = option.read_text()
    edited = text.replace("referrer_reward: 10.0", "referrer_reward: 20.0", 1)
    assert len(edited) == len(text) and edited != text
    stat = option.stat()
    option.write_text(edited)
    os.utime(option, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert sim.compose(["referral=two_sided"]).referral.referrer_reward == 20


def test_sim_compose_leaves_a_callers_hydra_session_as_it_was(tmp_path):
    (tmp_path / "mine.yaml").write_text("answer: 42\n")
    sim.configure._composed.cache_clear()  # so that Hydra composes, not the cache
    with initialize_config_dir(config_dir=str(tmp_path), version_base="1.3"):
        sim.compose(["network.n=321", "referral=tiered"])
        assert hydra_compose(config_name="mine").answer == 42  # the caller's session is back


@pytest.mark.parametrize(("key", "value"), [("network.n", 3000.0), ("days", 30.0), ("seed", 1.0)])
def test_a_whole_float_set_in_code_for_an_integer_is_refused_by_name(key, value):
    # it passed the check and failed deep in numpy (an array size or index must be an int)
    config = sim.compose(["network.n=2000"])
    node, name = (config.network, "n") if key == "network.n" else (config, key)
    setattr(node, name, value)
    with pytest.raises(
        sim.ConfigError, match=rf"^{key}={value} is not allowed: expected an integer"
    ):
        sim.ReferralModel(config)


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [("days", True, "True"), ("network.n", False, "False"), ("share.daily", np.bool_(True), "")],
)
def test_a_boolean_set_in_code_for_a_number_is_refused_by_name(key, value, shown):
    # True is an int to Python: days=True would run one day, share.daily=True share daily
    config = sim.compose(["network.n=2000"])
    node, _, name = key.rpartition(".")
    setattr(operator.attrgetter(node)(config) if node else config, name, value)
    with pytest.raises(sim.ConfigError, match=rf"^{re.escape(key)}=\S*{shown} is not allowed"):
        sim.ReferralModel(config)


def test_the_largest_64_bit_integer_is_allowed_and_the_next_is_not():
    assert sim.compose(["seed=9223372036854775807"]).seed == 2**63 - 1
    with pytest.raises(sim.ConfigError, match=r"^seed=9223372036854775808 is not allowed"):
        sim.compose(["seed=9223372036854775808"])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("seed=-1", "seed=-1 is not allowed: expected an integer >= 0 (below 2**63)."),
        (
            "share.incentive_lift=-1",
            "share.incentive_lift=-1.0 is not allowed: expected a number >= 0 (finite).",
        ),
        ("share.incentive_scale=0", "share.incentive_scale=0.0 is not allowed: expected a "
         "number > 0 (finite)."),
    ],
)  # fmt: skip
def test_an_unbounded_range_says_its_hidden_bound(override, message):
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose([override])
    assert str(refused.value) == message


def test_numpy_numbers_set_in_code_are_numbers():
    config = sim.compose(["network.n=2000"])
    config.network.n, config.network.rewire = np.int64(3000), np.float64(0.2)
    assert sim.ReferralModel(config).n == 3000


# ----- messages that say what is allowed: unknown keys, values of the wrong shape -------------
NETWORK_KEYS = "Keys of network (network=small_world): name, n, k, rewire."
UNKNOWN_KEYS = [
    (
        (),
        "network.nn=5000",
        "network.nn=5000 is not allowed: network (network=small_world) declares no key 'nn' "
        f"(did you mean network.n?). {NETWORK_KEYS}",
    ),
    (
        (),
        "network.nn.x=5",
        "network.nn.x=5 is not allowed: network (network=small_world) declares no key 'nn' "
        f"(did you mean network.n?). {NETWORK_KEYS}",
    ),
    (
        (),
        "run.repl=3",
        "run.repl=3 is not allowed: run declares no key 'repl' (did you mean run.replicates?). "
        "Keys of run: replicates, save_referrals.",
    ),
    (
        ("seeding=mixed",),
        "seeding.kol.hird=1",
        "seeding.kol.hird=1 is not allowed: seeding.kol declares no key 'hird' (did you mean "
        "seeding.kol.hired?). Keys of seeding.kol: name, initial_customers, hired, post_days, "
        "fee_per_post, fee_per_thousand, reach, commission_rate.",
    ),
    (
        ("referral=tiered",),
        "referral.tiers.0.at=3",
        "referral.tiers.0.at=3 is not allowed: referral.tiers.0 declares no key 'at' (did you "
        "mean referral.tiers.0.start?). Keys of referral.tiers.0: start, reward, kind.",
    ),
]


@pytest.mark.parametrize(("options", "override", "message"), UNKNOWN_KEYS)
def test_a_misspelt_key_is_refused_with_the_keys_declared_there_with_or_without_plus(
    options, override, message
):
    # it was Hydra's "Could not override 'network.nn'. To append to your config use
    # +network.nn=5000 / network.nn: Key 'nn' not in 'SmallWorldConfig'": a '+' only led here
    for overrides in ([*options, override], [*options, f"+{override}"]):
        with pytest.raises(sim.ConfigError) as refused:
            sim.compose(overrides)
        assert str(refused.value) == message
    with pytest.raises(sim.ConfigError) as alone:
        compose_by_hydra_alone([*options, override])
    assert str(alone.value) == message


WRONG_SHAPES = [
    (
        ("referral=tiered",),
        "referral.tiers=[{at: 1, reward: 5, kind: cash}]",
        "referral.tiers[0].at=1 is not allowed: referral.tiers[0] declares no key 'at' (did you "
        "mean referral.tiers[0].start?). Keys of referral.tiers[0]: start, reward, kind.",
    ),
    (
        ("referral=tiered",),
        "referral.tiers=[{start: 1, reward: 5, kind: cash}, {start: 2, rewrd: 9}]",
        "referral.tiers[1].rewrd=9 is not allowed: referral.tiers[1] declares no key 'rewrd' "
        "(did you mean referral.tiers[1].reward?). Keys of referral.tiers[1]: start, reward, "
        "kind.",
    ),
    (
        ("referral=tiered",),
        "referral.tiers=5",
        "referral.tiers=5 is not allowed: expected a list of tiers like "
        "[{start: 1, reward: 10, kind: cash}, ...].",
    ),
    (
        ("referral=tiered",),
        "referral.tiers=x",
        "referral.tiers='x' is not allowed: expected a list of tiers like "
        "[{start: 1, reward: 10, kind: cash}, ...].",
    ),
    (
        ("seeding=kol",),
        "seeding.post_days=5",
        "seeding.post_days=5 is not allowed: expected a list of integers like [1, 15, ...].",
    ),
]


@pytest.mark.parametrize(("options", "override", "message"), WRONG_SHAPES)
def test_a_list_key_of_the_wrong_shape_is_refused_with_what_its_items_look_like(
    options, override, message
):
    # it was "Key 'at' not in 'Tier'" (no keys listed), "int is not a ListConfig, list or tuple"
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose([*options, override])
    assert str(refused.value) == message
    with pytest.raises(sim.ConfigError) as alone:
        compose_by_hydra_alone([*options, override])
    assert str(alone.value) == message


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "budget=60000",
            "budget=60000 is not allowed: budget is a set of keys (total), not a value; set one "
            "of them, e.g. budget.total=60000.",
        ),
        (
            "product=5.5",
            "product=5.5 is not allowed: product is a set of keys (price, margin, cycle_days), "
            "not a value; set one of them, e.g. product.price=5.5.",
        ),
    ],
)
def test_a_value_given_to_a_set_of_keys_is_refused_with_its_keys_and_an_example(
    override, message, tmp_path
):
    # a strategist's budget=60000 read "int is not a subclass of BudgetConfig" (a review)
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose([override])
    assert str(refused.value) == message
    with pytest.raises(sim.ConfigError) as alone:
        compose_by_hydra_alone([override])
    assert str(alone.value) == message
    result = cli_process("-m", override, "network.n=60", cwd=tmp_path)  # a sweep: Hydra's base
    assert result.returncode == 2 and message in result.stderr


def test_a_bad_threshold_entry_is_named_as_it_was_written():
    # it was "population.threshold={'1': 1.4} is not allowed" (sim.params.check_shares)
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(["population.threshold.1=1.4"])
    assert str(refused.value).startswith(
        "population.threshold.1=1.4 is not allowed: expected a share in [0, 1]"
    )


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        (["population.threshold.1=0.9995"], "{'1': 0.9995}"),
        (
            ["population.threshold.1=0.5", "+population.threshold.3=0.5005"],
            "{'1': 0.5, '3': 0.5005}",
        ),
    ],
)
def test_threshold_shares_a_little_off_one_are_refused(overrides, shown):
    # numpy draws levels with probabilities that must sum to 1: 0.0005 off is no rounding error
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(overrides)
    assert str(refused.value) == (
        f"population.threshold={shown} is not allowed: expected shares that sum to 1 "
        "(add levels with +population.threshold.N=share)."
    )


def test_an_empty_threshold_mapping_set_in_code_asks_for_a_level():
    config = sim.compose(["network.n=200"])
    config.population.threshold = {}
    with pytest.raises(sim.ConfigError) as refused:
        sim.ReferralModel(config)
    assert str(refused.value) == (
        "population.threshold={} is not allowed: expected a non-empty mapping {level: share}."
    )


WHOLE_THRESHOLD = (
    "{line} is not allowed: Hydra merges a mapping into the default "
    "(population.threshold={{'1': 1.0}}), so it would {effect}; set the entries one by one, as in "
    "population.threshold.1=0.4 +population.threshold.3=0.6 (~population.threshold.1 removes "
    "entry 1)."
)


@pytest.mark.parametrize(
    ("line", "effect"),
    [
        ("population.threshold={}", "change nothing"),
        ("++population.threshold={}", "change nothing"),
        ("population.threshold={3:1.0}", "add to its entries"),
    ],
)
def test_a_whole_threshold_mapping_on_the_command_line_is_refused_with_the_way_to_write_it(
    line, effect
):
    # until 2 Dec 2026 ``={}`` ran the default simple contagion without a word (Hydra merges it
    # into {'1': 1.0}), and ``={3:1.0}`` was refused as "Key 3 (int) is incompatible with (str)"
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(["network.n=200", line])
    assert str(refused.value) == WHOLE_THRESHOLD.format(line=line, effect=effect)


def test_the_way_a_whole_threshold_mapping_message_gives_is_accepted():
    config = sim.compose(["population.threshold.1=0.4", "+population.threshold.3=0.6"])
    assert config.population.threshold == {"1": 0.4, "3": 0.6}
    config = sim.compose(["~population.threshold.1", "+population.threshold.3=1"])
    assert config.population.threshold == {"3": 1.0}


def test_a_whole_threshold_mapping_in_a_sweep_stops_it_before_any_job_with_exit_2(
    tmp_path, monkeypatch, capsys
):
    folder = tmp_path / "sweep"
    arguments = ["-m", "population.threshold={}", "network.n=60", "days=2", "seed=1,2"]
    arguments.append(f"hydra.sweep.dir={folder}")  # in this process: a second, not 3 s
    stderr = refused_in_process(tmp_path, monkeypatch, capsys, arguments)
    line = "population.threshold={}"
    assert_one_paragraph(stderr, WHOLE_THRESHOLD.format(line=line, effect="change nothing"))
    assert not list(tmp_path.rglob("*.parquet")) and not list(tmp_path.rglob("failed.json"))


SCALE_FREE_K = (
    "network.k=10 is not allowed: expected an even integer in [2, 4] with network.n=5 (each new "
    "consumer links to k/2 earlier ones, for a mean degree of about k: at most n - 1 among n "
    "consumers)."
)


def test_a_scale_free_degree_too_large_for_n_is_explained_without_a_ring():
    # it said "(k/2 neighbours on each side)", a ring lattice's reason, for Barabasi-Albert
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(["network=scale_free", "network.n=5"])
    assert str(refused.value) == SCALE_FREE_K
    with pytest.raises(sim.ConfigError, match=r"\(k/2 neighbours on each side\)\.$"):
        sim.compose(["network.n=5"])  # the small world is a ring: its wording stays
    with pytest.raises(sim.ConfigError, match=r"^network.n=2 .*; a mean degree k >= 2 needs"):
        sim.compose(["network=scale_free", "network.n=2"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["network.nn=5000"], UNKNOWN_KEYS[0][2]),
        (["referral=tiered", WRONG_SHAPES[0][1]], WRONG_SHAPES[0][2]),
        (["referral=tiered", "referral.tiers=5"], WRONG_SHAPES[2][2]),
        (["network=scale_free", "network.n=5"], SCALE_FREE_K),
    ],
    ids=["unknown-key", "unknown-tier-key", "tiers-not-a-list", "scale-free-k"],
)
def test_the_cli_gives_the_explained_message_with_exit_2(
    tmp_path, monkeypatch, capsys, arguments, message
):
    stderr = refused_in_process(tmp_path, monkeypatch, capsys, arguments)
    assert stderr.startswith(f"referral-sim: invalid configuration: {message}\n")
    assert "To append to your config" not in stderr and "ListConfig" not in stderr
    assert not any(tmp_path.iterdir())


def test_a_sweep_with_a_misspelt_key_gives_the_keys_declared_there_with_exit_2(tmp_path):
    result = cli_process(
        "-m", "network.nn=5000,6000", "days=2", f"hydra.sweep.dir={tmp_path / 'sweep'}",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "declares no key 'nn' (did you mean network.n?)" in result.stderr
    assert "To append to your config" not in result.stderr
    assert not list(tmp_path.rglob("*.parquet"))


def write_graphml(folder: Path, communities: dict[int, str]) -> Path:
    """A path of 6 people; ``communities`` labels some or all of them."""
    graph = nx.path_graph(6)
    for node, label in communities.items():
        graph.nodes[node]["community"] = label
    path = folder / "friends.graphml"
    nx.write_graphml(graph, path)
    return path


def test_a_graphml_file_with_community_on_some_nodes_warns_that_none_are_kept(tmp_path):
    # the labels were dropped silently; seeding by community then said only "this network has
    # none", though the file has some
    path = write_graphml(tmp_path, {0: "a", 1: "a", 2: "b", 3: "b"})
    with pytest.warns(
        UserWarning,
        match=r"friends.graphml: 2 of 6 nodes have no 'community' attribute, so communities "
        r"are ignored \(seeding.chosen_by=community or clustered will be refused\)",
    ):
        graph = sim.network.load_edgelist(path)
    assert graph.community is None
    config = sim.compose(
        ["network=edgelist", f"network.path={path}", "seeding=koc_matrix",
         "seeding.chosen_by=community", "days=2"]
    )  # fmt: skip
    with (
        pytest.warns(UserWarning, match="2 of 6 nodes have no 'community'"),
        pytest.raises(sim.ConfigError, match="needs communities"),
    ):
        sim.ReferralModel(config)


def test_a_graphml_file_with_community_on_every_node_keeps_them_without_a_warning(tmp_path):
    path = write_graphml(tmp_path, {node: "ab"[node // 3] for node in range(6)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph = sim.network.load_edgelist(path)
    assert graph.community.tolist() == [0, 0, 0, 1, 1, 1]


# ----- values that ran but meant nothing: a discount above the price, a daily probability
# above 1, a campaign that ends before it starts (refused), or one after the last day (warned) --
PRICE_100 = "at most product.price=100 (yuan off one order; equal to it: free)."
SCENARIO_PRICE = OmegaConf.load(conf_dir() / "scenario" / "gen_z_2026.yaml").product.price
"""The calibrated scenario's price (a refit moves it: 33.93, then 34.67, then 51.91, 4 Dec 2026)."""
OVER_PRICE = int(SCENARIO_PRICE) + 10
"""A discount above the scenario's price, whatever its refit (40 was, until it rose past 40)."""
NONSENSE = [
    (
        ["referral=two_sided", "referral.referee_discount=1000"],
        f"referral.referee_discount=1000.0 is not allowed: expected {PRICE_100}",
    ),
    (
        ["referral=group_buy", "referral.group_discount=500"],
        f"referral.group_discount=500.0 is not allowed: expected {PRICE_100}",
    ),
    (
        ["referral=tiered", "referral.referee_discount=100.5"],
        f"referral.referee_discount=100.5 is not allowed: expected {PRICE_100}",
    ),
    (
        ["referral=two_sided", "product.price=1"],  # the default 10-yuan discount
        "referral.referee_discount=10.0 is not allowed: expected at most product.price=1 (yuan "
        "off one order; equal to it: free).",
    ),
    (
        ["+scenario=gen_z_2026", "referral=group_buy", f"referral.group_discount={OVER_PRICE}"],
        f"referral.group_discount={OVER_PRICE:.1f} is not allowed: expected at most "
        f"product.price={SCENARIO_PRICE:g} (yuan off one order; equal to it: free).",
    ),
    (
        ["repurchase.propensity=1000"],
        "repurchase.propensity/product.cycle_days=33.333333 is not allowed: expected at most 1, "
        "a customer's daily probability of a repeat order (repurchase.propensity=1000, "
        "product.cycle_days=30).",
    ),
    (
        ["product.cycle_days=1e-9"],
        "repurchase.propensity/product.cycle_days=250000000.0 is not allowed: expected at most "
        "1, a customer's daily probability of a repeat order (repurchase.propensity=0.25, "
        "product.cycle_days=1e-09).",
    ),
    (
        ["retention=membership", "repurchase.propensity=20"],  # members re-buy at 2 x 20 / 30
        "repurchase.propensity/product.cycle_days*retention.hazard_multiplier=1.333333 is not "
        "allowed: expected at most 1, a customer's daily probability of a repeat order "
        "(repurchase.propensity=20, product.cycle_days=30, retention.hazard_multiplier=2).",
    ),
    (
        ["retention=points", "repurchase.propensity=26"],  # everyone, at 1.19 x 26 / 30
        "repurchase.propensity/product.cycle_days*retention.hazard_multiplier=1.031333 is not "
        "allowed: expected at most 1, a customer's daily probability of a repeat order "
        "(repurchase.propensity=26, product.cycle_days=30, retention.hazard_multiplier=1.19).",
    ),
    (
        ["retention=community", "retention.churn_multiplier=1.2", "repurchase.churn_daily=0.6",
         "repurchase.referred_churn_multiplier=1.5"],  # a referred member: 0.6 x 1.2 x 1.5
        "repurchase.churn_daily*retention.churn_multiplier*repurchase.referred_churn_multiplier"
        "=1.08 is not allowed: expected at most 1, a customer's daily probability of lapsing "
        "(repurchase.churn_daily=0.6, retention.churn_multiplier=1.2, "
        "repurchase.referred_churn_multiplier=1.5).",
    ),
    (
        ["seeding.start_day=50", "seeding.end_day=10"],
        "seeding.start_day=50 is not allowed: expected at most seeding.end_day=10, the ads' last "
        "day (seeding.end_day=null runs them to the last day).",
    ),
    (
        ["seeding=mixed", "seeding.ads.start_day=50", "seeding.ads.end_day=10"],
        "seeding.ads.start_day=50 is not allowed: expected at most seeding.ads.end_day=10, the "
        "ads' last day (seeding.ads.end_day=null runs them to the last day).",
    ),
    (
        ["retention=community", "repurchase.churn_daily=0.95", "retention.churn_multiplier=1.1"],
        # a member not referred lapses at 0.95 x 1.1: the referred customers' 0.82 lowers no one
        "repurchase.churn_daily*retention.churn_multiplier=1.045 is not allowed: expected at most "
        "1, a customer's daily probability of lapsing (repurchase.churn_daily=0.95, "
        "retention.churn_multiplier=1.1).",
    ),
    (
        ["repurchase.propensity=30.015"],  # 1.0005: only rounding error is let pass, not this
        "repurchase.propensity/product.cycle_days=1.0005 is not allowed: expected at most 1, a "
        "customer's daily probability of a repeat order (repurchase.propensity=30.015, "
        "product.cycle_days=30).",
    ),
]  # fmt: skip
NONSENSE_IDS = [" ".join(overrides) for overrides, _ in NONSENSE]


@pytest.mark.parametrize(("overrides", "message"), NONSENSE, ids=NONSENSE_IDS)
def test_a_value_that_ran_but_meant_nothing_is_refused_naming_the_keys(overrides, message):
    # a 1000-yuan discount on a 100-yuan order converted 11x more friends; a daily hazard of 33
    # was drawn as a probability; ads from day 50 to day 10 never ran: all ran silently
    with pytest.raises(sim.ConfigError) as refused:
        sim.compose(overrides)
    assert str(refused.value) == message
    assert_one_paragraph(message, message.split("=")[0])
    assert_starts_with_the_key(message, message.split("=")[0])
    with pytest.raises(sim.ConfigError) as alone:
        compose_by_hydra_alone(overrides)
    assert str(alone.value) == message


@pytest.mark.parametrize(("overrides", "message"), NONSENSE, ids=NONSENSE_IDS)
def test_the_cli_refuses_a_value_that_meant_nothing_with_exit_2_and_writes_nothing(
    tmp_path, monkeypatch, capsys, overrides, message
):
    stderr = refused_in_process(tmp_path, monkeypatch, capsys, overrides)
    assert stderr.startswith(f"referral-sim: invalid configuration: {message}\n")
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("options", "key", "value", "message"),
    [
        (["referral=two_sided"], "referral.referee_discount", 1000.0, NONSENSE[0][1]),
        ([], "product.cycle_days", 1e-9, NONSENSE[6][1]),
        (["seeding.end_day=10"], "seeding.start_day", 50, NONSENSE[10][1]),
    ],
    ids=["discount", "hazard", "start-after-end"],
)
def test_the_model_refuses_a_value_that_meant_nothing_set_in_code(options, key, value, message):
    config = sim.compose([*options, "network.n=200"])
    node, _, name = key.rpartition(".")
    setattr(operator.attrgetter(node)(config), name, value)
    with pytest.raises(sim.ConfigError) as refused:
        sim.ReferralModel(config)
    assert str(refused.value) == message


NEVER = r".*never (run|happen)"
AT_THE_BOUNDARY = [
    ["referral=two_sided", "referral.referee_discount=100"],  # the price: a free first order
    ["referral=two_sided", "product.price=10"],  # the default 10-yuan discount: free
    ["+scenario=gen_z_2026", "referral=group_buy", f"referral.group_discount={SCENARIO_PRICE}"],
    ["repurchase.propensity=30"],  # 30 / 30: a daily hazard of exactly 1
    ["retention=membership", "repurchase.propensity=15"],  # members: 15 / 30 x 2 = 1
    ["repurchase.churn_daily=0.5", "repurchase.referred_churn_multiplier=2"],  # 0.5 x 2 = 1
    ["retention=points", "retention.points_rate=0", "retention.hazard_multiplier=500"],  # no lift
    ["retention=membership", "retention.join_share=0", "retention.churn_multiplier=60"],  # no one
    ["repurchase.enabled=false", "repurchase.propensity=1000"],  # no repeat order is drawn
    ["seeding.start_day=10", "seeding.end_day=10", "days=10"],  # one ad day, the last one
    ["seeding=kol", "seeding.post_days=[10,500]", "days=10"],  # a post on the last day
    ["seeding=kol", "days=30"],  # the fortnightly posts, some after a short run: no warning
    ["seeding=kol", "seeding.hired=10"],  # every one of influencers.kols=10 hired
    ["seeding.initial_customers=200"],  # every consumer of network.n=200 a customer on day 0
    ["retention=points", "retention.hazard_multiplier=1"],  # no lift, no warning
]


@pytest.mark.parametrize("overrides", AT_THE_BOUNDARY, ids=" ".join)
def test_values_at_the_boundary_run_without_a_warning(overrides):
    warn_once.cache_clear()  # said once per process: maybe said already
    with warnings.catch_warnings():  # composed inside: a warning said (and cached) outside
        warnings.filterwarnings("error", message=NEVER)  # would pass unseen
        warnings.filterwarnings("error", message=".* is below 1")
        config = sim.compose([*overrides, "network.n=200"])
        sim.ReferralModel(config).run()


WARNED = [
    (["seeding.start_day=200"], "seeding.start_day=200 is after the last day (days=90): the ads "
     "never run"),
    (["seeding=mixed", "seeding.ads.start_day=91"], "seeding.ads.start_day=91 is after the last "
     "day (days=90): the ads never run"),
    (["seeding=kol", "seeding.post_days=[500]"], "seeding.post_days=[500] has no day within "
     "days=90: these posts never happen"),
    (["seeding=koc_matrix", "seeding.post_days=[91,120]"], "seeding.post_days=[91, 120] has no "
     "day within days=90: these posts never happen"),
    (["seeding=mixed", "seeding.kol.post_days=[30]", "days=20"], "seeding.kol.post_days=[30] has "
     "no day within days=20: these posts never happen"),
    (["seeding=mixed", "seeding.koc.post_days=[30]", "days=20"], "seeding.koc.post_days=[30] has "
     "no day within days=20: these posts never happen"),
    (["referral=tiered", "referral.verify=second_order", "repurchase.enabled=false"],
     "referral.verify=second_order pays a reward at the referee's second order, and "
     "repurchase.enabled=false means there is none: no reward is ever paid, and each holds "
     "budget until the end (rewards_pending counts none)"),
    # P7's "+19%" typed as a multiplier (a review: repurchase fell to 0.04, without a word)
    (["retention=points", "retention.hazard_multiplier=0.19"], "retention.hazard_multiplier=0.19 "
     "is below 1: retention=points lowers the re-buy hazard (x0.19); a lift of 19% is 1.19"),
    (["retention=community", "retention.hazard_multiplier=0"], "retention.hazard_multiplier=0 is "
     "below 1: retention=community lowers the re-buy hazard (x0): those it covers never re-buy"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), WARNED, ids=[" ".join(o) for o, _ in WARNED])
def test_a_campaign_after_the_last_day_is_run_with_a_warning_that_it_never_happens(
    overrides, message
):
    # not refused: a sweep over days may include horizons shorter than the campaign
    warn_once.cache_clear()
    with pytest.warns(UserWarning, match=f"^{re.escape(message)}$"):
        sim.compose(overrides)


def test_a_campaign_after_the_last_day_is_said_once_not_once_per_replicate():
    overrides = ["seeding=kol", "seeding.post_days=[500]", "days=5", "network.n=200"]
    warn_once.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sim.run(sim.compose([*overrides, "run.replicates=3"]), progress=False)
    assert [str(w.message) for w in caught if "never happen" in str(w.message)] == [
        "seeding.post_days=[500] has no day within days=5: these posts never happen"
    ]


@pytest.mark.parametrize(
    ("arguments", "refused"),
    [
        (["referral=two_sided", "referral.referee_discount=10,1000"],
         "referral.referee_discount=1000.0 is not allowed"),
        (["repurchase.propensity=0.25,1000"],
         "repurchase.propensity/product.cycle_days=33.333333 is not allowed"),
        (["seeding.end_day=10", "seeding.start_day=1,50"], "seeding.start_day=50 is not allowed"),
    ],
    ids=["discount", "hazard", "start-after-end"],
)  # fmt: skip
def test_a_sweep_holding_a_value_that_meant_nothing_stops_before_any_job_with_exit_2(
    tmp_path, arguments, refused
):
    # the first job's value is good: the checked sweeper refuses the second before either runs
    folder = tmp_path / "sweep"
    result = cli_process(
        "-m", *arguments, "network.n=60", "days=3", f"hydra.sweep.dir={folder}", cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    assert_one_paragraph(result.stderr, refused)
    assert not list(tmp_path.rglob("*.parquet")) and not list(tmp_path.rglob("failed.json"))


def test_a_sweep_over_days_shorter_than_a_campaign_runs_every_job_with_one_warning(tmp_path):
    folder = tmp_path / "sweep"
    result = cli_process(
        "-m", "seeding=kol", "seeding.post_days=[5]", "days=3,6", "network.n=60",
        f"hydra.sweep.dir={folder}", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("seeding.post_days=[5] has no day within days=3") == 1
    assert "within days=6" not in result.stderr
    assert sorted(sim.results.load(folder)["days"].unique().tolist()) == [3, 6]
