"""Links that leave the app (in email): always the configured `PUBLIC_URL` and a
fixed path.

A link built from the request (`url_for(..., _external=True)`) takes its host from the
Host header, which the sender chooses: a start-over request sent with
`Host: attacker.example` would mail the account's owner a genuine single-use link to
the attacker's server (password-reset poisoning). A link kept in the database is no
better: whoever can write a row chooses where it points. So the job that sends a
message builds its link here, from configuration only.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app


def public_link(path: str, *parts: str) -> str:
    """`PUBLIC_URL` + `path`, with each of `parts` quoted into the path's `{}` slots."""
    if not path.startswith("/"):
        raise ValueError("a public link's path starts with /")
    base: str = current_app.config["PUBLIC_URL"]
    return base + path.format(*(quote(p, safe="") for p in parts))
