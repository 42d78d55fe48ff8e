"""gunicorn settings that `billetterie serve` always loads (`--config python:billetterie.gunicorn_conf`).

No `Server` header: gunicorn writes `Server: gunicorn` (older releases `gunicorn/<version>`) on
every answer, before the application's headers, and has no setting to leave it out. Telling the
world which server, and which release, answers only helps someone matching known flaws. Its
response builder is told to leave the line out; this module is read by the arbiter before it
forks, so every worker inherits the change. Options given to `billetterie serve` still apply on
top; a `--config` of your own replaces this file: start yours with
`from billetterie.gunicorn_conf import *`."""

from __future__ import annotations

from collections.abc import Callable

from gunicorn.http import wsgi


def _without_server(default_headers: Callable[[wsgi.Response], list[str]]) -> Callable[[wsgi.Response], list[str]]:
    def headers(response: wsgi.Response) -> list[str]:
        return [line for line in default_headers(response) if not line.lower().startswith("server:")]

    headers.without_server = True  # type: ignore[attr-defined]
    return headers


if not getattr(wsgi.Response.default_headers, "without_server", False):  # read once per arbiter
    wsgi.Response.default_headers = _without_server(wsgi.Response.default_headers)  # type: ignore[method-assign]
