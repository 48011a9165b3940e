"""The VPS.org simulator as its own process for the benchmarks, with a request log to read.

It serves the simulator on --port and, on --control-port, `GET /log?since=N`: every request the
API received from the N-th on, as [method, path, arrived, answered, status], times from the
system's monotonic clock (the same in every process of the machine). Faults are chosen on the
command line:

    python bench/sim_server.py --port 8080 --control-port 8081 --servers 50000 --latency 0.02
        [--drip-path /servers/12345/] [--endless-pages] [--reboot-seconds 1] [--all-active]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from vpssim.simulator import Durations, Simulator

Record = list[object]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def timed(log: list[Record]) -> Middleware:
    """A middleware that appends one record per request to `log`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        record: Record = [request.method, request.path_qs, time.monotonic(), None, None]
        log.append(record)
        response = await handler(request)
        record[3], record[4] = time.monotonic(), response.status
        return response

    return middleware


def control_app(log: list[Record]) -> web.Application:
    """`GET /log?since=N`: the records from the N-th on."""

    async def handle_log(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"next": len(log), "requests": log[since:]})

    app = web.Application()
    app.router.add_get("/log", handle_log)
    return app


async def serve(options: argparse.Namespace) -> None:
    """Serve the simulator and its log until killed."""
    sim = Simulator(
        token=options.token,
        seed=options.servers,
        page_size=options.page_size,
        latency=options.latency,
        durations=Durations(rebooting=options.reboot_seconds),
    )
    if options.all_active:
        for server in sim.server_ids():
            sim.set_status(server, "active")
    sim.endless_pages = options.endless_pages
    if options.drip_path:
        sim.inject_slow_body(method="GET", path_suffix=options.drip_path, times=1_000_000)
    log: list[Record] = []
    app = sim.make_app()
    app.middlewares.insert(0, timed(log))  # before the app is frozen: it times the latency too
    # Served as start_simulator serves it: short shutdown, handlers cancelled on disconnect.
    running = web.AppRunner(app, shutdown_timeout=1.0, handler_cancellation=True, access_log=None)
    await running.setup()
    await web.TCPSite(running, "127.0.0.1", options.port).start()
    control = web.AppRunner(control_app(log), access_log=None)
    await control.setup()
    await web.TCPSite(control, "127.0.0.1", options.control_port).start()
    try:
        await asyncio.Event().wait()
    finally:
        await control.cleanup()
        await running.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    parser.add_argument("--token", default="bench-token")
    parser.add_argument("--servers", type=int, default=250)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--drip-path", default="", help="GET answers on this path drip slowly")
    parser.add_argument("--endless-pages", action="store_true")
    parser.add_argument("--reboot-seconds", type=float, default=Durations().rebooting)
    parser.add_argument("--all-active", action="store_true", help="every server starts active")
    asyncio.run(serve(parser.parse_args()))
