"""A simulated VPS.org servers API, for tests, demos and `vpsbot simulator`. Imports nothing from
the bot: what it should offer (plans, images, locations) is handed over as plain data.

    catalog = {"plans": [...], "operating_systems": [...], "locations": [...]}  # or None
    sim = Simulator(seed=12, catalog=catalog)  # vpssim.simulator
    async with await start_simulator(sim) as running:
        ...  # a client at running.url with sim.token
"""
