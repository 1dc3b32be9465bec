"""Run many configurations' replicates on all cores, measured and cached as Parquet.

A :class:`Spec` names a configuration (Hydra overrides), how many replicates and the seed.
:func:`run_specs` composes each, runs its replicates in chunks on ``jobs`` processes (joblib),
measures every replicate with :func:`experiments.measures.measure`, and writes each finished
spec atomically to ``<cache>/<name>-<digest>.parquet`` (rows) and ``...-days.parquet`` (the
daily customers and aware counts). A spec whose files exist is read, not run again, so an
interrupted study loses nothing finished and a re-run only does what is missing. The digest
covers the whole composed configuration, the replicates and the source code of the simulator
and of the measures, so a changed spec, a changed option file it uses (a refitted scenario) or
a changed engine is recomputed, never read from a stale cache.

Replicate ``r`` of every spec with the same seed sees the same network (for the same network
options) and population: comparisons between specs are paired (common random numbers).
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from joblib import Parallel, delayed

import sim
from experiments.measures import measure
from experiments.progress import progress_bar
from sim import provenance
from sim.storage import write_parquet_atomic
from sim.summary import UNBOUNDED, Support, mean_interval

CHUNK = 10  # replicates per task: large enough to hide process overhead, small for balance


def code_fingerprint() -> str:
    """The simulator's and the measures' source: results depend on them too."""
    return provenance.code_fingerprint(Path(__file__).with_name("measures.py"))


@dataclass(frozen=True)
class Spec:
    """One configuration to run.

    Attributes:
        name: a short label, unique within a study (used in file names and tables).
        overrides: Hydra overrides, e.g. ``("+scenario=gen_z_2026", "referral=two_sided")``.
        replicates: how many replicates.
        seed: the master seed.

    """

    name: str
    overrides: tuple[str, ...]
    replicates: int
    seed: int = 0

    def config(self) -> sim.Config:
        """The composed configuration, with ``seed``."""
        return sim.compose([*self.overrides, f"seed={self.seed}"])


@dataclass(frozen=True)
class Job:
    """A spec with its composed configuration and the files it is cached in."""

    spec: Spec
    config: sim.Config
    cache: Path

    @property
    def digest(self) -> str:
        """A short hash of what determines the results: configuration, replicates, code."""
        key = [asdict(self.config), self.spec.replicates, code_fingerprint()]
        text = json.dumps(key, default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def path(self, table: str = "rows") -> Path:
        """Where this spec's ``rows`` or ``days`` table is cached."""
        suffix = "" if table == "rows" else f"-{table}"
        return self.cache / f"{self.spec.name}-{self.digest}{suffix}.parquet"


@dataclass
class Results:
    """Per-replicate measures (``rows``) and daily counts (``days``) of each spec, by name.

    ``computed`` counts the specs run by this call; the others were read from the cache.
    """

    rows: dict[str, pd.DataFrame]
    days: dict[str, pd.DataFrame]
    computed: int = 0


def run_chunk(config: sim.Config, replicates: list[int]) -> tuple[list[dict], pd.DataFrame]:
    """Run and measure some replicates of one configuration."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    rows, days = [], []
    for replicate in replicates:
        model = sim.ReferralModel(config, replicate).run()
        rows.append({"replicate": replicate, **measure(model)})
        series = model.timeseries()[["day", "customers", "aware"]]
        days.append(series.assign(replicate=replicate))
    return rows, pd.concat(days, ignore_index=True)


def run_specs(specs: Iterable[Spec], cache: Path, jobs: int = -1, progress: bool = True) -> Results:
    """Run every spec not cached yet, then read them all.

    Args:
        specs: the configurations (a name given twice is run once, as its last spec).
        cache: folder of the Parquet files.
        jobs: worker processes (joblib; -1 = all cores).
        progress: show the progress of the replicates (a bar on a terminal, else lines).

    Returns:
        The rows and daily counts of every spec, by name.

    """
    by_name = {s.name: s for s in specs}
    configs = _compose_all(list(by_name.values()), progress)
    jobs_ = {
        name: Job(spec, config, Path(cache))
        for (name, spec), config in zip(by_name.items(), configs, strict=True)
    }
    missing = [job for job in jobs_.values() if not _cached(job)]
    if missing:
        _run_missing(missing, jobs, progress)
    rows = {name: pd.read_parquet(job.path()) for name, job in jobs_.items()}
    days = {name: pd.read_parquet(job.path("days")) for name, job in jobs_.items()}
    return Results(rows, days, computed=len(missing))


def _cached(job: Job) -> bool:
    """Whether the job's tables are cached and readable; damaged ones are removed, to be redone.

    Writes are atomic, so a kill leaves no damaged file; a full disk or a copied cache can.
    """
    paths = [job.path(), job.path("days")]
    if not paths[0].is_file():
        return False
    for path in paths:
        try:
            pq.read_metadata(path)  # its footer: a truncated or foreign file has none
        except (OSError, pa.ArrowException) as error:
            reason = " ".join(str(error).split())
            warnings.warn(f"{path} cannot be read ({reason}): computed again", stacklevel=3)
            for damaged in paths:
                damaged.unlink(missing_ok=True)
            return False
    return True


def _compose_all(specs: list[Spec], progress: bool) -> list[sim.Config]:
    """Each spec's configuration, in order (a few ms each; a bar shows thousands)."""
    configs = []
    with progress_bar(len(specs), "configurations", "config", progress and len(specs) > 1) as bar:
        for spec in specs:
            configs.append(spec.config())
            bar.update()
    return configs


def _run_missing(missing: list[Job], jobs: int, progress: bool) -> None:
    tasks = [
        (job, [int(r) for r in chunk])
        for job in missing
        for chunk in np.array_split(range(job.spec.replicates), -(-job.spec.replicates // CHUNK))
    ]
    pending = {job.spec.name: sum(1 for task in tasks if task[0] is job) for job in missing}
    by_name = {job.spec.name: job for job in missing}
    parts: dict[str, list] = defaultdict(list)
    outputs = Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(_named_chunk)(job.spec.name, job.config, chunk) for job, chunk in tasks
    )
    total = sum(job.spec.replicates for job in missing)
    try:
        with progress_bar(total, "replicates", "rep", progress) as bar:
            for name, rows, days in outputs:
                parts[name].append((rows, days))
                bar.update(len(rows))
                pending[name] -= 1
                if pending[name] == 0:
                    _write(by_name[name], parts.pop(name))
    finally:  # stopped early (Ctrl-C): the caller says what is kept, not joblib's count of tasks
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=JOBLIB_STOPPED_EARLY, category=UserWarning)
            outputs.close()


JOBLIB_STOPPED_EARLY = r"\d+ tasks (have been successfully executed|which were still being)"


POOL_OVERDRAWN = r"seeding\.(koc\.)?recruits=\d+ is more than the KOC pool"
"""The calibration's reference campaign asks for more KOCs than the pool on purpose (as many as
its budget affords, on every market size); the warning is for a user who asks by mistake, and
would be printed for every chunk of replicates (hundreds of times per report)."""


def _named_chunk(name: str, config: sim.Config, replicates: list[int]):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=POOL_OVERDRAWN, category=UserWarning)
        rows, days = run_chunk(config, replicates)
    return name, rows, days


def _write(job: Job, parts: list) -> None:
    """Write a finished spec: daily counts first, rows last (their presence marks it done)."""
    rows = pd.DataFrame([row for chunk, _ in parts for row in chunk]).sort_values("replicate")
    days = pd.concat([frame for _, frame in parts], ignore_index=True)
    write_parquet_atomic(days.sort_values(["replicate", "day"]), job.path("days"))
    write_parquet_atomic(rows.reset_index(drop=True), job.path())


def interval(
    values: pd.Series | np.ndarray, support: Support = UNBOUNDED
) -> tuple[float, float, float]:
    """Mean and 95% t-interval over replicates (NaNs dropped), clipped to ``support``."""
    mean, low, high, _ = mean_interval(pd.Series(values, dtype=float), support=support)
    return mean, low, high


def fmt(mean: float, low: float, high: float, spec: str = ",.1f", scale: float = 1.0) -> str:
    """``"mean [low, high]"``, each value times ``scale`` in format ``spec``."""
    if np.isnan(mean):
        return "n/a"
    if np.isnan(low):
        return f"{mean * scale:{spec}}"
    return f"{mean * scale:{spec}} [{low * scale:{spec}}, {high * scale:{spec}}]"
