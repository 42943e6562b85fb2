"""Content-hashed static URLs: `url_for('static', filename=...)` adds `?v=<hash of the
file>`, so a changed file gets a new URL and an unchanged one can be cached for a year
(see headers.py) and precached by the service worker under a name that never lies."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask, current_app

_cache: dict[str, tuple[int, int, str]] = {}


def static_version(filename: str) -> str | None:
    """The first 16 hex digits of the file's SHA-256, or None if there is no such file.

    Re-hashed only when the file's size or modification time changes, so a developer
    editing CSS sees the new URL at once and a production worker hashes each file once.
    """
    folder = current_app.static_folder
    if folder is None:
        return None
    path = os.path.realpath(os.path.join(folder, filename))
    if not path.startswith(os.path.realpath(folder) + os.sep):
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    cached = _cache.get(path)
    if cached and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
        return cached[2]
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:16]
    _cache[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def init_app(app: Flask) -> None:
    @app.url_defaults
    def hashed_static_url(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(values["filename"])
            if version:
                values["v"] = version
