"""The dashboard page (served by ``referral-sim-dashboard``; ``solara run sim.dashboard.app``)."""

import solara
from mesa.visualization import SolaraViz

from sim.dashboard.components import (
    CacChart,
    CustomersChart,
    NetworkView,
    RepurchaseChart,
    SummaryCard,
)
from sim.dashboard.model import DashboardModel
from sim.dashboard.params import model_params

COMPONENTS = [NetworkView, SummaryCard, CustomersChart, CacChart, RepurchaseChart]


@solara.component
def Page() -> None:
    """One model per browser session, rebuilt from the controls on Reset."""
    model = solara.use_memo(DashboardModel, [])
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(),
        name="referral-sim: a referral campaign",
        play_interval=150,
    )
