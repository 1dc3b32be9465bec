"""Interactive dashboard: a Mesa ``SolaraViz`` app over :class:`sim.ReferralModel`.

``referral-sim-dashboard`` serves it on localhost (``sim.dashboard.serve``); ``app.py`` holds
only the page, ``params.py`` maps the controls onto :func:`sim.compose` overrides,
``model.py`` the thin model wrapper with its data collector, ``components.py`` the network
view, the summary card and the charts. Needs the ``viz`` extra.
"""
