"""The client's address and scheme behind a reverse proxy.

Behind the TLS proxy docs/operations.md recommends, every request comes from the proxy's
address: the per-IP sign-in limit would then be one limit shared by everyone, and
one attacker could lock all users out of signing in. With `TRUSTED_PROXIES=n`, the
last n entries of X-Forwarded-For (and X-Forwarded-Proto) are believed, and only
those: entries a client adds in front of them are ignored, so nobody picks the
address they are limited by. Without proxies (0, the default) the headers are
ignored altogether.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
