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

from sim import results
from sim.agents import KOC, KOL, Consumer
from sim.compare import compare
from sim.config import Config
from sim.configure import compose
from sim.model import ReferralModel
from sim.params import ConfigError
from sim.runner import RunResult, run
from sim.state import Channel, State

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
