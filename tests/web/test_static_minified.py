"""Our CSS and JavaScript reach the browser minified (journal/core/static_urls.py):
the comments that explain them stay in the source, the hashed URL and year-long
caching still hold, and a file already minified or not ours to minify is served as
it is."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from journal.core.static_urls import static_version


def _static(app: Flask, name: str) -> Path:
    return Path(app.static_folder or "") / name


def test_our_css_and_javascript_come_without_their_comments(
    app: Flask, client: FlaskClient
) -> None:
    for name in ("css/app.css", "js/app.js", "js/pwa.js", "js/outbox-core.js", "js/help.js"):
        source = _static(app, name).read_text(encoding="utf-8")
        with app.test_request_context():
            version = static_version(name)
        response = client.get(f"/static/{name}?v={version}")
        assert response.status_code == 200
        served = response.get_data(as_text=True)
        comment = "/*" if name.endswith(".css") else "\n  // "
        assert comment in source and comment not in served, name
        assert len(served) < 0.8 * len(source), name
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.mimetype in ("text/css", "text/javascript", "application/javascript")
        again = client.get(f"/static/{name}?v={version}", headers={"If-None-Match": f'"{version}"'})
        assert again.status_code == 304, name


def test_a_file_already_minified_and_an_image_are_served_as_they_are(
    app: Flask, client: FlaskClient
) -> None:
    for name in ("js/htmx-2.0.11.min.js", "icons/icon-192.png"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        assert response.get_data() == _static(app, name).read_bytes()
        response.close()


def test_nothing_outside_the_static_folder_is_served(client: FlaskClient) -> None:
    for path in ("/static/../__init__.py", "/static/%2e%2e/__init__.py", "/static/js/none.js"):
        assert client.get(path).status_code == 404, path
