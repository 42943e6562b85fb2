"""The ceiling: a bare Flask route returning a constant string.

Served by the same gunicorn, with the same settings, in the same run as the app, so
the app's numbers are quoted as a share of what Flask itself can do on this machine.

    gunicorn 'bench.ceiling:create_app()'
"""

from __future__ import annotations

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def constant() -> str:
        return "ok"

    return app
