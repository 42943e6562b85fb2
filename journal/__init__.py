"""Fresh Tracks: a companion app for ketamine-assisted psychotherapy."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

from journal.core import logs
from journal.core.config import load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config → extensions → domains and their wiring → job queue → errors
    → CLI.

    `config` overrides the environment (tests pass their database and a tiny KDF).
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    logs.configure(json_lines=app.config["LOG_JSON"])
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from journal import cli, jobs, wiring
    from journal.core import crypto, database, headers, proxies, server_timing, static_urls
    from journal.core.extensions import csrf, db, htmx, limiter, login_manager, migrate
    from journal.web import errors, filters, identity, language, presenters, share_marks

    crypto.limit_kdf(app.config["KDF_CONCURRENCY"], app.config["KDF_WAIT_SECONDS"])
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    identity.init_app(app)
    language.init_app(app)
    headers.init_app(app)
    logs.init_app(app)
    proxies.init_app(app)
    static_urls.init_app(app)
    server_timing.init_app(app)
    filters.init_app(app)
    presenters.init_app(app)
    share_marks.init_app(app)
    wiring.wire(app)
    jobs.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app
