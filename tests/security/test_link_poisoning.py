"""Emailed links go to the configured address, whatever the request or the database says.

The attack (password-reset poisoning): ask for someone's start-over link with a forged
`Host: attacker.example`; if the link is built from the request, the real owner gets a
real single-use link to the attacker's server, and one click hands the token over. The
database variant: a writer changes a waiting mail request so the job mails a real
token to their own host.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import String, insert, select

from journal import create_app
from journal.accounts import account_mail
from journal.core.crypto import TEST_KDF
from journal.core.extensions import db
from journal.models.jobs import MailRequest
from journal.models.types import utcnow
from tests.conftest import TEST_PEPPER
from tests.factories import LINK_RE, make_user
from tests.pages import CSRF_RE, csrf_token

ATTACKER = "attacker.example"
PUBLIC = "https://journal.clinic.example"


def _links_to(outbox: Path, email: str) -> list[str]:
    links = []
    for path in outbox.glob("*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=default)
        if msg["To"] == email:
            body = msg.get_body()
            assert body is not None
            links += LINK_RE.findall(body.get_content())
    return links


@pytest.mark.parametrize(("page", "kind"), [("/start-over", "start-over"), ("/signup", "signup")])
def test_a_forged_host_header_does_not_change_where_the_emailed_link_points(
    app: Flask, client: FlaskClient, outbox: Path, page: str, kind: str
) -> None:
    email = "ada@example.com" if kind == "start-over" else "newcomer@example.com"
    if kind == "start-over":
        make_user(app, email)
    forged = {
        "Host": ATTACKER,
        "X-Forwarded-Host": ATTACKER,
        "X-Forwarded-Proto": "https",
        "Forwarded": f"host={ATTACKER}",
    }
    # The attacker's whole visit goes to the forged host (its form, its CSRF token).
    match = CSRF_RE.search(client.get(page, headers=forged).get_data(as_text=True))
    assert match
    response = client.post(
        page, data={"email": email, "csrf_token": match.group(1)}, headers=forged
    )
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    [link] = _links_to(outbox, email)

    assert ATTACKER not in link
    assert link.startswith(f"{app.config['PUBLIC_URL']}/{kind}/")
    # And the link is a working one, on the configured host.
    assert client.get(urlsplit(link).path).status_code == 200


def test_a_mail_request_written_into_the_database_cannot_choose_where_the_link_points(
    app: Flask, outbox: Path
) -> None:
    """A database writer queues a start-over for a real user and fills every text column
    the table has (besides the kind and address) with their own URL: the job still mails
    the configured address. (Re-adding a link column makes this fill it, and fail.)"""
    make_user(app, "ada@example.com")
    evil = f"https://{ATTACKER}/start-over/{{token}}"
    with app.app_context():
        row_id = uuid.uuid4()
        values: dict[str, object] = {
            "id": row_id,
            "kind": "start_over",
            "email": "ada@example.com",
            "created_at": utcnow(),
            "attempts": 0,
        }
        for column in MailRequest.__table__.columns:
            if isinstance(column.type, String) and column.name not in values:
                values[column.name] = evil[: column.type.length]
        db.session.execute(insert(MailRequest.__table__).values(**values))
        db.session.commit()
        account_mail.deliver(str(row_id))
    [link] = _links_to(outbox, "ada@example.com")
    assert link.startswith("http://localhost/start-over/")
    assert ATTACKER not in link


def test_a_link_follows_the_configured_address_when_it_changes(
    app: Flask, client: FlaskClient, outbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)
    make_user(app, "ada@example.com")
    client.post(
        "/start-over",
        data={"email": "ada@example.com", "csrf_token": csrf_token(client, "/start-over")},
    )
    [link] = _links_to(outbox, "ada@example.com")
    assert link.startswith(f"{PUBLIC}/start-over/")


def test_each_kind_of_message_links_to_its_page(app: Flask) -> None:
    """The fixed paths the job uses are the app's routes."""
    endpoints = {
        "signup": "auth.signup_finish",
        "start_over": "auth.start_over",
        "therapist_invite": "welcome.therapist",
    }
    assert set(account_mail.LINK_PATHS) == set(endpoints)
    with app.test_request_context():
        for kind, endpoint in endpoints.items():
            assert account_mail.LINK_PATHS[kind].format("T0k-en_") == url_for(
                endpoint, token="T0k-en_"
            )


# -- production: a Host that is not the public address is refused --------------------


@pytest.fixture
def production(
    app: Flask, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Flask]:
    monkeypatch.setenv("JOURNAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("JOURNAL_PEPPER", TEST_PEPPER)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("TRUSTED_HOSTS", "10.0.0.11")
    prod = create_app(
        {
            "KDF_PARAMS": TEST_KDF,
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "outbox",
            "MAIL_OUTBOX_DIR": str(tmp_path),
            "JOBS_URL": app.config["JOBS_URL"],
        }
    )
    yield prod
    with prod.app_context():
        db.session.remove()
        db.engine.dispose()


def test_production_refuses_a_request_whose_host_is_not_the_public_address(
    production: Flask,
) -> None:
    client = production.test_client()
    assert client.get("/start-over", base_url=PUBLIC).status_code == 200
    # The load balancer's health check by the address given in TRUSTED_HOSTS.
    assert client.get("/readyz", base_url="http://10.0.0.11:8000").status_code in (200, 503)
    forged = client.get("/start-over", base_url=PUBLIC, headers={"Host": ATTACKER})
    assert forged.status_code == 400
    posted = client.post(
        "/start-over",
        base_url=PUBLIC,
        headers={"Host": ATTACKER},
        data={"email": "ada@example.com"},
    )
    assert posted.status_code == 400
    assert client.get("/login", base_url=f"https://{ATTACKER}").status_code == 400
    with production.app_context():
        assert db.session.scalars(select(MailRequest)).all() == []
