"""The foundation's whole story through HTTP: sign up, write, log out, log in, read."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.factories import PASSWORD, login, signup_via_http, write_entry
from tests.pages import csrf_token


def test_new_patient_writes_an_entry_and_reads_it_after_logging_in_again(
    client: FlaskClient, outbox: Path
) -> None:
    key, _page = signup_via_http(client, outbox, "ada@example.com")
    assert len(key.replace("-", "")) == 56
    confirm = client.post(
        "/recovery-key/confirm",
        data={"last_group": key.rsplit("-", 1)[1], "csrf_token": csrf_token(client, "/")},
    )
    assert confirm.status_code == 302
    saved = write_entry(client, "The corridor of doors again.", title="Session 1")
    assert saved.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/journal/").status_code == 302
    assert login(client, "ada@example.com", PASSWORD).status_code == 302
    html = client.get("/journal/").get_data(as_text=True)
    assert "The corridor of doors again." in html
    assert "Session 1" in html
