"""Deleting an account: after the password (and the two-step code, when on) again.

One DELETE of the users row; the database removes every other row of the account
through ON DELETE CASCADE (tests check every table, including later ones). Without
the wrapped keys that lived in that row, nothing of the account could be opened
anyway, even from a backup taken before, unless that backup's pepper and the
password are both at hand.
"""

from __future__ import annotations

from sqlalchemy import delete

from journal.accounts import accounts, audit, keys, two_factor
from journal.accounts.accounts import AccountError
from journal.core.extensions import db
from journal.models.jobs import MailRequest
from journal.models.users import User


def delete_account(user: User, password: str, code: str = "") -> None:
    throttle = accounts.throttle_for("delete", user.email)
    udk = keys.check_password(user, password)
    if udk is None:
        accounts.note_failure(throttle)
        db.session.commit()
        raise AccountError("Your password is not right. Nothing was deleted.")
    if accounts.has_second_factor(user) and not two_factor.verify(user, udk, code):
        accounts.note_failure(throttle)
        db.session.commit()
        raise AccountError("That two-step code did not work. Nothing was deleted.")
    email, user_id, role = user.email, user.id, user.role.value
    # Sign-up links carry the email and no user id: they would outlive the account.
    accounts.forget_tokens(user_id, email)
    db.session.execute(delete(User).where(User.id == user_id))
    accounts.forget_throttles(email)
    # Mail asked for this address (sign-up, start-over), sent or still waiting.
    db.session.execute(delete(MailRequest).where(MailRequest.email == email))
    # Kept without the user (who no longer exists) so the operator can see that an
    # account was deleted and when; no email, no id.
    audit.record(None, "account.deleted", role)
    db.session.commit()
    db.session.expunge_all()
