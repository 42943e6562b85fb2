"""A user's key material: making it, wrapping the UDK, opening the private key.

Bindings live here so that every wrap of a given key names the same place; the
services above only ever hold a UDK or a DEK, never a wrapping detail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app

from journal.core import crypto
from journal.core.crypto import Binding, KdfParams
from journal.core.extensions import db
from journal.models.users import User


def peppers() -> dict[str, bytes]:
    value: dict[str, bytes] = current_app.config["JOURNAL_PEPPERS"]
    return value


def current_pepper() -> tuple[str, bytes]:
    kid = next(iter(peppers()))
    return kid, peppers()[kid]


def pepper_for(kid: str) -> bytes:
    try:
        return peppers()[kid]
    except KeyError as exc:
        raise crypto.IntegrityFailure(f"pepper {kid!r} is not configured") from exc


def kdf_params() -> KdfParams:
    value: KdfParams = current_app.config["KDF_PARAMS"]
    return value


def user_kdf_params(user: User) -> KdfParams:
    return KdfParams(user.kdf_memory_kib, user.kdf_iterations, user.kdf_lanes)


def _udk_binding(user_id: uuid.UUID, field: str) -> Binding:
    return Binding("udk", "users", user_id, user_id, field)


def _outer_binding(user_id: uuid.UUID, field: str, kid: str) -> Binding:
    return Binding("pepper", "users", user_id, user_id, f"{field}@{kid}")


def _private_key_binding(user_id: uuid.UUID) -> Binding:
    return Binding("private-key", "users", user_id, user_id, "private_key_wrapped")


@dataclass(frozen=True)
class NewKeys:
    udk: bytes
    recovery_key: bytes


def set_password(user: User, password: str, udk: bytes, *, fresh: bool = False) -> None:
    """(Re)derive R with a fresh salt and current cost; store verifier and UDK wrap.

    `fresh`: new keys follow (sign-up, start over), so no old outer layer is moved.
    """
    params = kdf_params()
    kid, pepper = current_pepper()
    user.kdf_salt = crypto.new_salt()
    user.kdf_memory_kib, user.kdf_iterations, user.kdf_lanes = (
        params.memory_kib,
        params.iterations,
        params.lanes,
    )
    root = crypto.derive_root(password, user.kdf_salt, params)
    if not fresh and user.pepper_kid != kid:
        move_outer_layers(user, kid)
    _store_password_wraps(user, root, udk, kid, pepper)


def _store_password_wraps(user: User, root: bytes, udk: bytes, kid: str, pepper: bytes) -> None:
    """Verifier and password wrap under the pepper `kid`. The caller has moved the
    other outer layers (recovery wrap, public key MAC) first, so all share one pepper."""
    user.pepper_kid = kid
    user.verifier_kid = kid
    user.verifier = crypto.auth_verifier(pepper, root)
    inner = crypto.wrap_key(crypto.kek_from_root(root), udk, _udk_binding(user.id, "password"))
    user.udk_by_password = crypto.pepper_seal(
        pepper, inner, _outer_binding(user.id, "password", kid)
    )


def move_outer_layers(user: User, kid: str) -> None:
    """Re-seal the pepper layer of both UDK wraps and re-MAC the public key under the
    pepper `kid`. Needs no password and no UDK: only the outer layer changes, so a
    rotation can do every user in bulk. The verifier cannot move this way (it needs
    the password) and keeps its own `verifier_kid` until the next login."""
    old_kid, old = user.pepper_kid, pepper_for(user.pepper_kid)
    new = pepper_for(kid)
    for field in ("password", "recovery"):
        column = f"udk_by_{field}"
        inner = crypto.pepper_open(
            old, getattr(user, column), _outer_binding(user.id, field, old_kid)
        )
        setattr(user, column, crypto.pepper_seal(new, inner, _outer_binding(user.id, field, kid)))
    public = verified_public_key(user)
    user.public_key_mac = crypto.public_key_mac(new, user.id, public, counters(user))
    user.pepper_kid = kid


def set_recovery_key(user: User, udk: bytes) -> bytes:
    """Wrap the UDK under a new recovery key; return the key to show once."""
    recovery = crypto.new_key()
    kid, pepper = user.pepper_kid, pepper_for(user.pepper_kid)
    inner = crypto.wrap_key(
        crypto.recovery_wrapping_key(recovery, user.id), udk, _udk_binding(user.id, "recovery")
    )
    user.udk_by_recovery = crypto.pepper_seal(
        pepper, inner, _outer_binding(user.id, "recovery", kid)
    )
    return recovery


def initialise_keys(user: User, password: str) -> NewKeys:
    """Everything a new account needs: UDK, both wraps, key pair. `user.id` must be set."""
    udk = crypto.new_key()
    set_password(user, password, udk, fresh=True)
    recovery = set_recovery_key(user, udk)
    private, public = crypto.new_keypair()
    user.public_key = public
    user.share_counter = user.adaptation_counter = 0
    user.public_key_mac = crypto.public_key_mac(pepper_for(user.pepper_kid), user.id, public)
    user.private_key_wrapped = crypto.wrap_key(udk, private, _private_key_binding(user.id))
    return NewKeys(udk=udk, recovery_key=recovery)


def check_password(user: User, password: str) -> bytes | None:
    """Return the UDK when the password is right, else None. Runs Argon2id once.

    On success the verifier and wraps move to the current pepper and KDF cost, so a
    rotation or a raised cost completes itself as people log in. A verifier whose
    pepper is no longer configured cannot be checked: that answers "wrong password"
    (and logs why), and the recovery key, whose wrap a rotation did move, still works.
    """
    root = crypto.derive_root(password, user.kdf_salt, user_kdf_params(user))
    verifier_pepper = peppers().get(user.verifier_kid)
    if verifier_pepper is None:
        current_app.logger.warning(
            "password verifier pepper %r is no longer configured", user.verifier_kid
        )
        return None
    if not crypto.verifier_matches(user.verifier, crypto.auth_verifier(verifier_pepper, root)):
        return None
    inner = crypto.pepper_open(
        pepper_for(user.pepper_kid),
        user.udk_by_password,
        _outer_binding(user.id, "password", user.pepper_kid),
    )
    udk = crypto.unwrap_key(crypto.kek_from_root(root), inner, _udk_binding(user.id, "password"))
    kid, current = current_pepper()
    if user_kdf_params(user) != kdf_params():
        set_password(user, password, udk)
    elif user.pepper_kid != kid or user.verifier_kid != kid:
        if user.pepper_kid != kid:
            move_outer_layers(user, kid)
        _store_password_wraps(user, root, udk, kid, current)
    return udk


def burn_kdf(password: str) -> None:
    """Spend the same Argon2id time for an unknown email, so timing reveals nothing."""
    crypto.derive_root(password, crypto.new_salt(), kdf_params())


def udk_from_recovery(user: User, recovery_key: bytes) -> bytes | None:
    try:
        inner = crypto.pepper_open(
            pepper_for(user.pepper_kid),
            user.udk_by_recovery,
            _outer_binding(user.id, "recovery", user.pepper_kid),
        )
        return crypto.unwrap_key(
            crypto.recovery_wrapping_key(recovery_key, user.id),
            inner,
            _udk_binding(user.id, "recovery"),
        )
    except crypto.IntegrityFailure:
        return None


def private_key(user: User, udk: bytes) -> bytes:
    return crypto.unwrap_key(udk, user.private_key_wrapped, _private_key_binding(user.id))


def rewrap_private_key(user: User, old_udk: bytes, new_udk: bytes) -> None:
    private = private_key(user, old_udk)
    user.private_key_wrapped = crypto.wrap_key(new_udk, private, _private_key_binding(user.id))


def counters(user: User) -> tuple[int, int]:
    """The user's revocation counters, in the order their public key's MAC covers them."""
    return (user.share_counter or 0, user.adaptation_counter or 0)


def verified_public_key(user: User) -> bytes:
    """The user's public key, refused if its MAC shows it was swapped in the database
    (or one of the revocation counters it covers was set back)."""
    expected = crypto.public_key_mac(
        pepper_for(user.pepper_kid), user.id, user.public_key, counters(user)
    )
    if not crypto.verifier_matches(expected, user.public_key_mac):
        raise crypto.IntegrityFailure("public key MAC does not match")
    return user.public_key


def advance_counter(user: User, name: str) -> int:
    """Advance `share_counter` or `adaptation_counter` by one, MAC it with the public
    key, and return the new value. The row is locked first (PostgreSQL), so two
    revocations at once cannot both write the same value. The caller commits."""
    db.session.flush()
    db.session.refresh(user, with_for_update=True)
    public = verified_public_key(user)
    value: int = getattr(user, name) + 1
    setattr(user, name, value)
    user.public_key_mac = crypto.public_key_mac(
        pepper_for(user.pepper_kid), user.id, public, counters(user)
    )
    return value
