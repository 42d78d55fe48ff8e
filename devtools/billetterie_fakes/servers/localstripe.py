"""localstripe (a fake Stripe API and stripe.js) on 127.0.0.1 only, keeping its data in memory.

    python -m billetterie_fakes.servers.localstripe --port 8420

Unlike `localstripe` itself it binds loopback only and never writes /tmp/localstripe.pickle,
so several instances (demo, parallel test runs) do not share state."""

from __future__ import annotations

import argparse


def main(port: int) -> None:
    from aiohttp import web
    from localstripe import resources, server

    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    resources.Store.try_load_from_disk = lambda self: None  # type: ignore[method-assign]
    web.run_app(server.app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8420)
    main(parser.parse_args().port)
