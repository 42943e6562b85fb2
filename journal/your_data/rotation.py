"""Key rotation (docs/crypto.md): the pepper for everyone, the UDK for one user.

Pepper: only outer layers move in bulk (both UDK wraps and the public key MAC); a
password verifier needs the password and moves at that user's next login, so an old
pepper stays configured until `pepper_status` says no verifier needs it. A user who
never comes back can still get in with the recovery key, whose wrap did move.

UDK: every DEK and the private key are re-wrapped under a new UDK, anything else
sealed under the UDK is re-sealed by the hook its feature registered, the password
wrap and a new recovery key are made, and every session (each holds the old UDK)
ends. Records keep their DEKs, so shares of them stay valid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from journal.accounts import accounts, audit, keys
from journal.core import crypto, records
from journal.core.extensions import Base, db
from journal.models.users import User

UdkHook = Callable[[User, bytes, bytes], None]
_udk_hooks: list[UdkHook] = []


def on_udk_rotation(hook: UdkHook) -> None:
    """Add `hook(user, old_udk, new_udk)` for something a feature sealed directly
    under the UDK (not through a DEK): it re-seals it under the new one."""
    if hook not in _udk_hooks:
        _udk_hooks.append(hook)


PepperHook = Callable[[str], int]
_pepper_hooks: list[PepperHook] = []


def on_pepper_rotation(hook: PepperHook) -> None:
    """Add `hook(kid)` for something a feature keyed with the pepper itself (a MAC
    with its own key id): it moves every such row to pepper `kid`, returns how many it
    moved."""
    if hook not in _pepper_hooks:
        _pepper_hooks.append(hook)


def _models_with_deks() -> Iterator[Any]:
    """Every mapped class with a wrapped DEK per row: entries today, and each record
    made with `EncryptedPayloadMixin` later. Their binding's table is the table name."""
    for mapper in Base.registry.mappers:
        columns = mapper.columns
        if {"dek_wrapped", "user_id", "revision", "id"} <= set(columns.keys()):
            yield mapper.class_


class RotationError(ValueError):
    pass


def rotate_udk(user: User, password: str) -> str:
    """Give the user a new UDK; return the new recovery key (shown once)."""
    recovery, _new = _rotate(user, password, "keys.udk_rotated")
    return recovery


@dataclass(frozen=True)
class Secured:
    recovery_key: str
    udk: bytes


def secure_account(user: User, password: str) -> Secured:
    """ "Secure my account", for someone who thinks another person had their password
    or phone: a new UDK (every record key re-wrapped, everything sealed directly
    under the UDK re-sealed), a new recovery key, every session ended and every
    remembered device forgotten. One transaction: interrupted, nothing changes and
    the old keys still open everything. The caller starts a new session for the
    person's own browser with the returned UDK."""
    recovery, new = _rotate(user, password, "account.secured")
    return Secured(recovery, new)


def _rotate(user: User, password: str, action: str) -> tuple[str, bytes]:
    old = keys.check_password(user, password)
    if old is None:
        raise RotationError("That password is not right.")
    new = crypto.new_key()
    for model in _models_with_deks():
        table = model.__tablename__
        for row in db.session.scalars(select(model).where(model.user_id == user.id)):
            if not row.dek_wrapped:
                continue
            dek = records.open_dek(old, row.dek_wrapped, table, row.id, row.user_id, row.revision)
            binding = records.dek_binding(table, row.id, row.user_id, row.revision)
            row.dek_wrapped = crypto.wrap_key(new, dek, binding)
    keys.rewrap_private_key(user, old, new)
    for hook in _udk_hooks:
        hook(user, old, new)
    keys.set_password(user, password, new)
    recovery = accounts.issue_new_recovery_key(user, new, commit=False)
    accounts.end_sessions(user.id)
    if action == "account.secured":
        accounts.forget_known_devices(user.id)
    audit.record(user.id, action)
    db.session.commit()
    return recovery, new


@dataclass(frozen=True)
class PepperReport:
    current: str
    moved: int
    verifiers_by_kid: dict[str, int]

    @property
    def waiting(self) -> dict[str, int]:
        """Old peppers still needed by password verifiers, with how many users each."""
        return {kid: n for kid, n in self.verifiers_by_kid.items() if kid != self.current}


def pepper_status() -> PepperReport:
    current = keys.current_pepper()[0]
    counts = Counter(db.session.scalars(select(User.verifier_kid)))
    return PepperReport(current, 0, dict(counts))


def rotate_pepper() -> PepperReport:
    """Move every user's outer layers to the current pepper, in one transaction."""
    current = keys.current_pepper()[0]
    moved = 0
    for user in db.session.scalars(select(User).where(User.pepper_kid != current)):
        keys.move_outer_layers(user, current)
        moved += 1
    others = sum(hook(current) for hook in _pepper_hooks)
    audit.record(None, "keys.pepper_rotated", f"to={current} users={moved} other={others}")
    db.session.commit()
    return PepperReport(current, moved, pepper_status().verifiers_by_kid)
