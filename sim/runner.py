"""Running replicates: ``run(config) -> RunResult``."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pandas as pd
from tqdm import tqdm

from sim.config import Config
from sim.model import ReferralModel, is_cascade_link


@dataclass
class RunResult:
    """Outcomes of the replicates of one configuration.

    Attributes:
        config: the configuration run.
        metrics: one row per replicate (column ``replicate`` then the scalar metrics).
        timeseries: one row per replicate and day (columns ``replicate``, ``day``, ...).
        referrals: referral edges with a ``replicate`` column.
        cascades: referral-tree sizes (``ReferralModel.cascades``) with a ``replicate`` column.

    """

    config: Config
    metrics: pd.DataFrame
    timeseries: pd.DataFrame
    referrals: pd.DataFrame
    cascades: pd.DataFrame


def run(config: Config, *, progress: bool | None = None) -> RunResult:
    """Run ``config.run.replicates`` replicates of ``config``.

    Args:
        config: a checked configuration (see :func:`sim.compose`).
        progress: show a progress bar (default: when there are several replicates and
            standard error is a terminal).

    Returns:
        The metrics, time series, referral edges and referral-tree sizes of every replicate.

    """
    replicates = range(config.run.replicates)
    if progress is None:
        progress = len(replicates) > 1 and sys.stderr.isatty()
    metrics, series, edges, trees = [], [], [], []
    for replicate in tqdm(replicates, desc="replicates", disable=not progress, unit="rep"):
        model = ReferralModel(config, replicate).run()
        metrics.append({"replicate": replicate, **model.metrics()})
        series.append(model.timeseries().assign(replicate=replicate))
        edges.append(referral_edges(model).assign(replicate=replicate))
        trees.append(model.cascades().assign(replicate=replicate))
    return RunResult(
        config,
        pd.DataFrame(metrics),
        _replicate_first(pd.concat(series, ignore_index=True)),
        _replicate_first(pd.concat(edges, ignore_index=True)),
        _replicate_first(pd.concat(trees, ignore_index=True)),
    )


def referral_edges(model: ReferralModel) -> pd.DataFrame:
    """``model.referrals()`` with ``in_tree``: whether the cascades keep the link (a forest).

    See :meth:`ReferralModel.referral_trees`: a recruited KOC referred back by someone it
    brought in closes a cycle, and the cascades cut that link.
    """
    edges = model.referrals()
    return edges.assign(in_tree=is_cascade_link(edges, model.consumers, model.n))


def _replicate_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["replicate", *[c for c in frame.columns if c != "replicate"]]]
