"""Running replicates: ``run(config) -> RunResult``."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.config import Config
from sim.jobs import KEPT
from sim.model import ReferralModel, check_config, is_cascade_link
from sim.network import SocialGraph
from sim.storage import write_atomic


@dataclass
class RunResult:
    """Outcomes of the replicates of one configuration.

    Attributes:
        config: the configuration run.
        metrics: one row per replicate (column ``replicate`` then the scalar metrics).
        timeseries: one row per replicate and day (columns ``replicate``, ``day``, ...).
        referrals: referral edges with a ``replicate`` column.
        cascades: referral-tree sizes (``ReferralModel.cascades``) with a ``replicate`` column.
        nodes: each consumer's id in the network file (:func:`node_ids`), None when the ids
            need no mapping.

    """

    config: Config
    metrics: pd.DataFrame
    timeseries: pd.DataFrame
    referrals: pd.DataFrame
    cascades: pd.DataFrame
    nodes: pd.DataFrame | None = None


def run(config: Config, *, progress: bool | None = None, keep_in: Path | None = None) -> RunResult:
    """Run ``config.run.replicates`` replicates of ``config``.

    Args:
        config: a checked configuration (see :func:`sim.compose`).
        progress: show a progress bar (default: when there are several replicates and
            standard error is a terminal or a Jupyter notebook's output).
        keep_in: a folder that keeps each replicate as it finishes (``replicate-<r>.pkl``,
            written atomically) and from which a replicate kept there is read back instead of
            run: an interrupted run resumes. It must hold this configuration's replicates only
            (:func:`sim.jobs.replicates_folder` names one per configuration and code).

    Returns:
        The metrics, time series, referral edges and referral-tree sizes of every replicate.

    Raises:
        ConfigError: ``config`` is not a configuration, or a value set in code is not
            allowed (``config.run.replicates = 0`` failed in unpacking no replicates).

    """
    check_config(config)
    replicates = range(config.run.replicates)
    if progress is None:
        progress = len(replicates) > 1 and shows_progress(sys.stderr)
    outcomes = [
        _replicate(config, replicate, keep_in)
        for replicate in tqdm(replicates, desc="replicates", disable=not progress, unit="rep")
    ]
    metrics, series, edges, trees, nodes = zip(*outcomes, strict=True)
    return RunResult(
        config,
        pd.DataFrame(list(metrics)),
        _replicate_first(pd.concat(series, ignore_index=True)),
        _replicate_first(pd.concat(edges, ignore_index=True)),
        _replicate_first(pd.concat(trees, ignore_index=True)),
        nodes[0],  # a file's ids are the same in every replicate: replicate 0 keeps them
    )


def shows_progress(stream: object) -> bool:
    """Whether a progress bar written to ``stream`` is seen redrawn in place.

    A terminal, or a Jupyter kernel's output stream (``ipykernel``'s ``OutStream``, which is
    not a terminal but redraws a bar's carriage returns in the notebook).
    """
    return stream.isatty() or type(stream).__module__.startswith("ipykernel.")


def _replicate(config: Config, replicate: int, keep_in: Path | None) -> tuple:
    """One replicate's metrics row, time series, edges, tree sizes and node ids (or kept ones)."""
    kept = keep_in / KEPT.format(replicate) if keep_in is not None else None
    if kept is not None and kept.is_file():
        try:
            return pd.read_pickle(kept, compression=None)
        except Exception:  # unreadable (another pandas, a damaged disk): run it again
            kept.unlink(missing_ok=True)
    model = ReferralModel(config, replicate).run()
    outcome = (
        {"replicate": replicate, **model.metrics()},
        model.timeseries().assign(replicate=replicate),
        referral_edges(model).assign(replicate=replicate),
        model.cascades().assign(replicate=replicate),
        node_ids(model.network) if replicate == 0 else None,
    )
    if kept is not None:
        keep(kept, outcome)
    return outcome


def keep(kept: Path, outcome: tuple) -> None:
    """Keep one replicate's outcome in the file ``kept`` (written atomically), to be read back."""
    kept.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(kept, lambda temporary: pd.to_pickle(outcome, temporary, compression=None))


def outcome_of(replicate: int, tables: Mapping[str, pd.DataFrame | None]) -> tuple:
    """Replicate ``replicate``'s outcome, as a run returns it, from a finished job's tables.

    Args:
        replicate: the replicate.
        tables: its rows of each table a job writes (:data:`sim.jobs.TABLES`), without the
            job's parameter columns; None for a table the job did not write. ``nodes`` (the
            file's ids, which have no replicate column) is used for replicate 0 only.

    """
    frames = [_replicate_last(tables.get(name)) for name in ("timeseries", "referrals", "cascades")]
    nodes = tables.get("nodes")
    return (
        tables["metrics"].to_dict("records")[0],
        *frames,
        nodes.reset_index(drop=True) if nodes is not None and replicate == 0 else None,
    )


def _replicate_last(frame: pd.DataFrame | None) -> pd.DataFrame:
    """A table's rows for one replicate as a run makes them (``replicate`` last, indexed 0..)."""
    if frame is None:  # a table the job did not write: never written by this one either
        return pd.DataFrame({"replicate": pd.Series([], dtype="int64")})
    order = [*[c for c in frame.columns if c != "replicate"], "replicate"]
    return frame[order].reset_index(drop=True)


def node_ids(graph: SocialGraph) -> pd.DataFrame | None:
    """Each consumer's id in the network file, for reading the ids of ``referrals.parquet``.

    A network file's ids are relabelled ``0..n-1`` (:mod:`sim.network.io`); a Mesa consumer's
    ``node`` is its id in the file. Generated networks have no other ids, nor does a file whose
    ids are ``0..n-1`` themselves.

    Returns:
        Columns ``consumer`` (``0..n-1``, as in ``referrals.parquet``) and ``node`` (the file's
        id: an integer when every id in the file is one, else text), or None when the ids need
        no mapping.

    """
    if graph.labels is None:
        return None
    consumer = np.arange(graph.n, dtype=np.int64)
    node = np.asarray(graph.labels)
    if node.dtype.kind in "iu" and np.array_equal(node, consumer):
        return None
    node = node.astype(np.int64) if node.dtype.kind in "iu" else node.astype(str)
    return pd.DataFrame({"consumer": consumer, "node": node})


def referral_edges(model: ReferralModel) -> pd.DataFrame:
    """``model.referrals()`` with ``in_tree``: whether the cascades keep the link (a forest).

    See :meth:`ReferralModel.referral_trees`: a recruited KOC referred back by someone it
    brought in closes a cycle, and the cascades cut that link.
    """
    edges = model.referrals()
    return edges.assign(in_tree=is_cascade_link(edges, model.consumers, model.n))


def _replicate_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["replicate", *[c for c in frame.columns if c != "replicate"]]]
