"""Operator commands, run through Flask's CLI runner against the real database."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from journal.core.extensions import db
from journal.models.entries import Entry
from journal.models.users import Role, User
from tests.factories import PASSWORD, enrol_via_http, login
from tests.pages import markup


def _users(app: Flask) -> dict[str, Role]:
    with app.app_context():
        return {u.email: u.role for u in db.session.scalars(select(User))}


def test_create_therapist_makes_an_account_that_sets_up_two_step_sign_in_first(
    app: Flask, client: FlaskClient
) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create-therapist", "Dr.Lee@Example.com"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Therapist account created for dr.lee@example.com." in result.output
    assert re.search(r"(?:[A-Z2-7]{4}-){13}[A-Z2-7]{4}", result.output), "no recovery key shown"
    assert PASSWORD not in result.output
    assert _users(app) == {"dr.lee@example.com": Role.THERAPIST}

    response = login(client, "dr.lee@example.com")
    assert response.status_code == 302
    # Before anything else, a therapist sets up two-step sign-in.
    assert client.get("/").headers["Location"] == "/settings/two-factor/setup"
    enrol_via_http(client)
    home = client.get("/")
    assert home.status_code == 302
    assert home.headers["Location"] == "/clinic/patients"
    patients = client.get("/clinic/patients")
    assert patients.status_code == 200
    assert "No patients yet." in markup(patients)


def test_create_therapist_refuses_a_weak_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create-therapist", "dr.lee@example.com", "--password", "password123456"],
    )
    assert result.exit_code != 0
    assert "This password is too easy to guess." in result.output
    assert _users(app) == {}


def test_create_therapist_refuses_an_email_already_in_use(app: Flask) -> None:
    runner = app.test_cli_runner()
    args = ["users", "create-therapist", "dr.lee@example.com", "--password", PASSWORD]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_demo_load_creates_two_accounts_with_entries_that_log_in(
    app: Flask, client: FlaskClient
) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert _users(app) == {
        "demo-therapist@example.com": Role.THERAPIST,
        "demo-patient@example.com": Role.PATIENT,
    }
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 3

    match = re.search(r"patient\s+demo-patient@example.com\s+(\S+)", result.output)
    assert match
    assert login(client, "demo-patient@example.com", match.group(1)).status_code == 302
    journal = markup(client.get("/journal/"))
    assert "3 entries, newest first." in journal
    assert "Walked by the river today." in journal

    # Running it twice is refused rather than duplicating anything; --reset starts anew.
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code != 0
    assert "--reset" in again.output
    anew = app.test_cli_runner().invoke(args=["demo", "load", "--reset"])
    assert anew.exit_code == 0, anew.output
    assert len(_users(app)) == 2


def test_demo_load_is_refused_in_production(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "JOURNAL_ENV", "production")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "refused in production" in result.output
    assert _users(app) == {}
