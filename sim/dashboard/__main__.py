"""``python -m sim.dashboard``: the same as ``referral-sim-dashboard``."""

from sim.dashboard.serve import main

main()
