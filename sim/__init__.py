"""referral-sim: an agent-based simulator of social referral networks.

Python API::

    import sim
    config = sim.compose(["referral=two_sided", "network.n=5000"])
    model = sim.ReferralModel(config, replicate=0).run()
    model.metrics()["cac"], model.timeseries(), model.referrals()
    result = sim.run(config)          # config.run.replicates replicates
    result.metrics, result.timeseries
    frame = sim.results.load("multirun/compare_schemes")   # a sweep's replicate metrics
    sim.compare(frame, baseline="none")                      # paired comparison with 95% CIs
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING

from sim import results
from sim.compare import compare  # eager: the submodule sim.compare would shadow the function

_HOMES = {  # each public name and the module that defines it, imported on first use
    "KOC": "sim.agents",
    "KOL": "sim.agents",
    "Consumer": "sim.agents",
    "Config": "sim.config",
    "compose": "sim.configure",
    "ReferralModel": "sim.model",
    "ConfigError": "sim.params",
    "RunResult": "sim.runner",
    "run": "sim.runner",
    "Channel": "sim.state",
    "State": "sim.state",
}
"""Loaded lazily (PEP 562): reading results (``referral-sim-report``) needs neither the model
nor Mesa (about 0.3 s of its 2-2.5 s start on this machine)."""

if TYPE_CHECKING:
    from sim.agents import KOC, KOL, Consumer
    from sim.config import Config
    from sim.configure import compose
    from sim.model import ReferralModel
    from sim.params import ConfigError
    from sim.runner import RunResult, run
    from sim.state import Channel, State


def __getattr__(name: str) -> object:
    """The public name ``name``, imported from its module on first use (a submodule too)."""
    if name in _HOMES:
        module = importlib.import_module(_HOMES[name])
        value = getattr(module, name)
    elif importlib.util.find_spec(f"{__name__}.{name}") is not None:
        value = importlib.import_module(f"{__name__}.{name}")  # as when sim imported it all
    else:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "KOC",
    "KOL",
    "Channel",
    "Config",
    "ConfigError",
    "Consumer",
    "ReferralModel",
    "RunResult",
    "State",
    "compare",
    "compose",
    "results",
    "run",
]
