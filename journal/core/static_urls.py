"""Content-hashed static URLs: `url_for('static', filename=...)` adds `?v=<hash of the
file>`, so a changed file gets a new URL and an unchanged one can be cached for a year
(see headers.py) and precached by the service worker under a name that never lies.

Our own CSS and JavaScript are served minified. Their comments say why each rule and
handler exists, which is for the people who read the source; a patient on a phone
should not download them (they were a fifth of the first load). Minifying happens
once per file version in each process, from the file as committed, so there is no
build step and nothing generated to keep in step; a file already minified
(`*.min.js`) and every other kind of file are served as they are."""

from __future__ import annotations

import hashlib
import mimetypes
import os
from collections.abc import Callable
from typing import Any, Final

import rcssmin
import rjsmin
from flask import Flask, abort, current_app, request
from werkzeug.wrappers import Response

MINIFIERS: Final[dict[str, Callable[[str], str]]] = {
    ".css": rcssmin.cssmin,
    ".js": rjsmin.jsmin,
}

_cache: dict[str, tuple[int, int, str]] = {}
_paths: dict[tuple[str, str], str | None] = {}
_minified: dict[str, tuple[str, bytes]] = {}


def static_version(filename: str) -> str | None:
    """The first 16 hex digits of the file's SHA-256, or None if there is no such file.

    Re-hashed only when the file's size or modification time changes, so a developer
    editing CSS sees the new URL at once and a production worker hashes each file once.
    """
    folder = current_app.static_folder
    if folder is None:
        return None
    return _version_of(_inside(folder, filename))


def _url_version(filename: str) -> str | None:
    """`static_version` for the URLs the templates build (about eight a page): where
    a name leads is resolved once per process, as `realpath` checks every part of the
    path (about ten system calls each time). Only names from our own templates and
    code come here, never a requested path, so the memo stays as small as the folder."""
    folder = current_app.static_folder
    if folder is None:
        return None
    key = (folder, filename)
    if key not in _paths:
        _paths[key] = _inside(folder, filename)
    return _version_of(_paths[key])


def _inside(folder: str, filename: str) -> str | None:
    """The file's real path, or None when the name leads out of the static folder."""
    path = os.path.realpath(os.path.join(folder, filename))
    return path if path.startswith(os.path.realpath(folder) + os.sep) else None


def _version_of(path: str | None) -> str | None:
    if path is None:
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


def minified(filename: str) -> Response | None:
    """The file minified, or None when it is not ours to minify (the caller serves it
    as it is)."""
    minify = MINIFIERS.get(os.path.splitext(filename)[1])
    if minify is None or filename.endswith(".min.js"):
        return None
    version = static_version(filename)
    folder = current_app.static_folder
    if version is None or folder is None:
        abort(404)
    cached = _minified.get(filename)
    if cached is None or cached[0] != version:
        with open(os.path.join(folder, filename), encoding="utf-8") as fh:
            cached = (version, minify(fh.read()).encode("utf-8"))
        _minified[filename] = cached
    response = current_app.response_class(
        cached[1], mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    response.set_etag(cached[0])
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    def static(filename: str) -> Response:
        answer = minified(filename)
        return answer if answer is not None else app.send_static_file(filename)

    app.view_functions["static"] = static

    @app.url_defaults
    def hashed_static_url(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = _url_version(values["filename"])
            if version:
                values["v"] = version
