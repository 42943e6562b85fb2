"""Start-up configuration: production refuses to run without its secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from journal.core.config import ConfigError, load_config

PEPPER = "p1:" + "22" * 32
DB = "postgresql://journal:journal@db.example/journal"


def test_production_without_secret_key_or_pepper_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(str(tmp_path), env={"JOURNAL_ENV": "production", "DATABASE_URL": DB})
    message = str(raised.value)
    assert "Production needs SECRET_KEY and JOURNAL_PEPPER" in message
    assert "secrets.token_hex(32)" in message
    # Nothing was generated to paper over it.
    assert list(tmp_path.iterdir()) == []


def test_production_names_the_one_secret_that_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Production needs JOURNAL_PEPPER in the environment"):
        load_config(
            str(tmp_path),
            env={"JOURNAL_ENV": "production", "SECRET_KEY": "s" * 64, "DATABASE_URL": DB},
        )
    with pytest.raises(ConfigError, match=r"Production needs SECRET_KEY in the environment"):
        load_config(
            str(tmp_path),
            env={"JOURNAL_ENV": "production", "JOURNAL_PEPPER": PEPPER, "DATABASE_URL": DB},
        )


def test_production_without_a_database_url_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config(
            str(tmp_path),
            env={"JOURNAL_ENV": "production", "SECRET_KEY": "s" * 64, "JOURNAL_PEPPER": PEPPER},
        )


def test_a_malformed_pepper_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    env = {"JOURNAL_ENV": "production", "SECRET_KEY": "s" * 64, "DATABASE_URL": DB}
    with pytest.raises(ConfigError, match="must be 32 bytes"):
        load_config(str(tmp_path), env={**env, "JOURNAL_PEPPER": "p1:abcd"})
    with pytest.raises(ConfigError, match="is not hex"):
        load_config(str(tmp_path), env={**env, "JOURNAL_PEPPER": "p1:" + "zz" * 32})


def test_production_with_its_secrets_gets_secure_cookies(tmp_path: Path) -> None:
    config = load_config(
        str(tmp_path),
        env={
            "JOURNAL_ENV": "production",
            "SECRET_KEY": "s" * 64,
            "JOURNAL_PEPPER": PEPPER,
            "DATABASE_URL": DB,
            "PUBLIC_URL": "https://journal.example",
        },
    )
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["AUTH_COOKIE_NAME"] == "__Host-ft_session"
    assert config["SESSION_COOKIE_NAME"] == "__Host-ft_flask"
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert config["MAIL_BACKEND"] == "smtp"


def test_development_makes_its_own_secrets_readable_only_by_the_owner(tmp_path: Path) -> None:
    config = load_config(str(tmp_path), env={})
    assert config["JOURNAL_ENV"] == "development"
    for name in ("secret_key", "pepper"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    assert config["SESSION_COOKIE_NAME"] == "ft_flask"
    # The same secrets on the next start, so sessions and wrapped keys survive a restart.
    assert load_config(str(tmp_path), env={})["SECRET_KEY"] == config["SECRET_KEY"]


PRODUCTION = {
    "JOURNAL_ENV": "production",
    "SECRET_KEY": "s" * 64,
    "JOURNAL_PEPPER": PEPPER,
    "DATABASE_URL": DB,
}


def test_production_needs_an_https_public_url_and_answers_only_its_host(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Production needs PUBLIC_URL"):
        load_config(str(tmp_path), env=PRODUCTION)
    for wrong in (
        "http://journal.example",  # emailed links must not send a token in clear
        "https://user:pw@journal.example",
        "https://journal.example/?next=x",
        "journal.example",
    ):
        with pytest.raises(ConfigError, match="PUBLIC_URL must be"):
            load_config(str(tmp_path), env={**PRODUCTION, "PUBLIC_URL": wrong})
    config = load_config(
        str(tmp_path),
        env={
            **PRODUCTION,
            "PUBLIC_URL": "https://Journal.Example:8443/",
            "TRUSTED_HOSTS": "10.0.0.11, ",
        },
    )
    assert config["PUBLIC_URL"] == "https://Journal.Example:8443"
    assert config["TRUSTED_HOSTS"] == ["journal.example", "10.0.0.11"]


def test_development_links_to_the_make_run_address_and_answers_any_host(
    tmp_path: Path,
) -> None:
    config = load_config(str(tmp_path), env={"PORT": "5050"})
    assert config["PUBLIC_URL"] == "http://127.0.0.1:5050"
    assert config["TRUSTED_HOSTS"] is None
