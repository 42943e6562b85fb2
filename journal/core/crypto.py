"""The only module that touches cryptographic primitives (see shared/design/crypto.md).

Everything else asks for one of a few operations: derive the login root, seal and open
a field bound to its place, wrap keys, add or remove the pepper layer, seal a key to
someone's public key. Keeping the primitives here means one file to review and one
place to change an algorithm (the version byte says which one made a blob).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Stored per user so that raising it later upgrades at login."""

    memory_kib: int
    iterations: int
    lanes: int


PRODUCTION_KDF = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=1)
# The OWASP minimum for Argon2id; a test keeps the production default at or above it.
OWASP_MIN_KDF = KdfParams(memory_kib=19 * 1024, iterations=2, lanes=1)
# Tests only: Argon2id's smallest legal cost, so a suite of hundreds of logins is fast.
TEST_KDF = KdfParams(memory_kib=8, iterations=1, lanes=1)


BLOB_VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32
SALT_BYTES = 16
_HPKE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class IntegrityFailure(Exception):
    """A blob failed authentication: tampered, moved to another place, or a wrong key.

    Views turn this into a logged integrity error and a generic page, never a
    traceback and never someone else's text.
    """


@dataclass(frozen=True)
class Binding:
    """Where a blob belongs. It is the AES-GCM associated data, so a blob copied to
    another row, owner, field or revision no longer opens."""

    purpose: str
    table: str
    record_id: uuid.UUID | str
    owner_id: uuid.UUID | str
    field: str
    revision: int = 0

    def encode(self) -> bytes:
        parts = (
            self.purpose,
            self.table,
            str(self.record_id),
            str(self.owner_id),
            self.field,
            str(self.revision),
        )
        # Length-prefixed so that ("ab", "c") and ("a", "bc") never encode the same.
        # (Built in one pass: this runs three times for every record a page shows.)
        out = bytearray()
        for part in parts:
            raw = part.encode()
            out += len(raw).to_bytes(4, "big")
            out += raw
        return bytes(out)


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def seal(key: bytes, plaintext: bytes, binding: Binding, *, nonce: bytes | None = None) -> bytes:
    """Encrypt to `version ‖ nonce ‖ AES-256-GCM(ciphertext ‖ tag)`.

    `nonce` is for the known-answer test only; production always draws a fresh one.
    """
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    if len(nonce) != NONCE_BYTES:
        raise ValueError("nonce must be 12 bytes")
    body = AESGCM(key).encrypt(nonce, plaintext, binding.encode())
    return bytes([BLOB_VERSION]) + nonce + body


def open_sealed(key: bytes, blob: bytes, binding: Binding) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != BLOB_VERSION:
        raise IntegrityFailure("unknown blob format")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, binding.encode())
    except InvalidTag as exc:
        raise IntegrityFailure("authentication failed") from exc


def seal_text(key: bytes, text: str, binding: Binding) -> bytes:
    return seal(key, text.encode("utf-8"), binding)


def open_text(key: bytes, blob: bytes, binding: Binding) -> str:
    return open_sealed(key, blob, binding).decode("utf-8")


def _hkdf(key_material: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(
        key_material
    )


# -- password-derived keys ---------------------------------------------------------


class KdfBusy(RuntimeError):
    """Every key-derivation slot stayed taken for the whole wait: answer "busy, try
    again" rather than queue up and starve everyone else's requests."""


# A burst of sign-ins (64 MiB and a core each) would otherwise take every CPU and the
# memory with it. Per process; `limit_kdf` sets it from the config at start-up.
_kdf_slots = threading.BoundedSemaphore(2)
_kdf_wait_seconds = 3.0


def limit_kdf(at_once: int, wait_seconds: float) -> None:
    global _kdf_slots, _kdf_wait_seconds
    _kdf_slots = threading.BoundedSemaphore(max(1, at_once))
    _kdf_wait_seconds = wait_seconds


@contextmanager
def kdf_slot() -> Iterator[None]:
    """One of the few key derivations allowed at once, or KdfBusy after the wait."""
    slots = _kdf_slots
    if not slots.acquire(timeout=_kdf_wait_seconds):
        raise KdfBusy("too many key derivations at once")
    try:
        yield
    finally:
        slots.release()


def derive_root(password: str, salt: bytes, params: KdfParams) -> bytes:
    """R = Argon2id(password, salt): the one deliberately slow step, run once per login."""
    with kdf_slot():
        return Argon2id(
            salt=salt,
            length=KEY_BYTES,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_kib,
        ).derive(password.encode("utf-8"))


def kek_from_root(root: bytes) -> bytes:
    return _hkdf(root, b"fresh-tracks kek")


def auth_verifier(pepper: bytes, root: bytes) -> bytes:
    """What the users table stores to check a password; useless without the pepper."""
    return hmac.new(
        _hkdf(pepper, b"fresh-tracks verifier"), _hkdf(root, b"fresh-tracks auth"), "sha256"
    ).digest()


def verifier_matches(expected: bytes, candidate: bytes) -> bool:
    return hmac.compare_digest(expected, candidate)


def keyed_digest(key: bytes, purpose: str, message: bytes) -> bytes:
    """HMAC-SHA256 under a key derived from `key` for one purpose only."""
    return hmac.new(_hkdf(key, b"fresh-tracks " + purpose.encode()), message, "sha256").digest()


# -- key wrapping --------------------------------------------------------------------


def wrap_key(wrapping_key: bytes, key: bytes, binding: Binding) -> bytes:
    return seal(wrapping_key, key, binding)


def unwrap_key(wrapping_key: bytes, blob: bytes, binding: Binding) -> bytes:
    key = open_sealed(wrapping_key, blob, binding)
    if len(key) != KEY_BYTES:
        raise IntegrityFailure("wrapped key has the wrong length")
    return key


def pepper_seal(pepper: bytes, blob: bytes, binding: Binding) -> bytes:
    """The outer layer: a stolen database alone cannot even start guessing passwords
    against the password wrap, because every wrap is sealed again under the pepper."""
    return seal(_hkdf(pepper, b"fresh-tracks pepper wrap"), blob, binding)


def pepper_open(pepper: bytes, blob: bytes, binding: Binding) -> bytes:
    return open_sealed(_hkdf(pepper, b"fresh-tracks pepper wrap"), blob, binding)


# -- recovery key --------------------------------------------------------------------

_RECOVERY_CHECK_BYTES = 3
_B32_FIXES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def recovery_wrapping_key(recovery_key: bytes, user_id: uuid.UUID) -> bytes:
    return _hkdf(recovery_key, b"fresh-tracks recovery", salt=user_id.bytes)


def format_recovery_key(raw: bytes) -> str:
    """32 random bytes and a 3-byte checksum as 14 groups of four letters and digits.

    The checksum lets the form say "that key has a typo" instead of "wrong key".
    """
    check = hashlib.sha256(raw).digest()[:_RECOVERY_CHECK_BYTES]
    text = base64.b32encode(raw + check).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


class RecoveryKeyFormatError(ValueError):
    pass


def parse_recovery_key(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_B32_FIXES)
    if len(cleaned) != 56:
        raise RecoveryKeyFormatError(
            "A recovery key has 14 groups of 4 characters; this one has a different length."
        )
    try:
        decoded = base64.b32decode(cleaned)
    except ValueError as exc:
        raise RecoveryKeyFormatError(
            "That recovery key has a character that cannot be in it."
        ) from exc
    raw, check = decoded[:KEY_BYTES], decoded[KEY_BYTES:]
    if not hmac.compare_digest(hashlib.sha256(raw).digest()[:_RECOVERY_CHECK_BYTES], check):
        raise RecoveryKeyFormatError("That recovery key has a typo somewhere; check each group.")
    return raw


# -- key pairs and sharing -------------------------------------------------------------


def new_keypair() -> tuple[bytes, bytes]:
    """(private, public) X25519 keys as raw 32-byte strings."""
    private = X25519PrivateKey.generate()
    priv = private.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw, ser.NoEncryption())
    pub = private.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    return priv, pub


def public_key_mac(pepper: bytes, user_id: uuid.UUID, public_key: bytes) -> bytes:
    """Detects a swapped public key: whoever can write the users table cannot make a
    valid MAC without the pepper, so nothing is ever sealed to an attacker's key."""
    return hmac.new(
        _hkdf(pepper, b"fresh-tracks public key"), user_id.bytes + public_key, "sha256"
    ).digest()


def seal_to_public_key(public_key: bytes, plaintext: bytes, info: bytes) -> bytes:
    """HPKE base mode (X25519, HKDF-SHA256, AES-256-GCM); `info` binds the context."""
    return bytes([BLOB_VERSION]) + _HPKE.encrypt(
        plaintext, X25519PublicKey.from_public_bytes(public_key), info=info
    )


def open_with_private_key(private_key: bytes, blob: bytes, info: bytes) -> bytes:
    if not blob or blob[0] != BLOB_VERSION:
        raise IntegrityFailure("unknown sealed-box format")
    try:
        return _HPKE.decrypt(blob[1:], X25519PrivateKey.from_private_bytes(private_key), info=info)
    except (InvalidTag, ValueError) as exc:
        raise IntegrityFailure("sealed box failed to open") from exc


def hpke_info(*parts: uuid.UUID | str) -> bytes:
    return b"".join(struct.pack(">I", len(s)) + s for s in (str(p).encode() for p in parts))


def sealed_content_mac(pepper: bytes, context: bytes, *blobs: bytes) -> bytes:
    """Vouches that the server sealed these blobs for this context. HPKE's base mode
    says nothing about the sender, so anyone with write access to the database could
    seal their own content to a public key; without the pepper they cannot make
    this MAC. `context` is an `hpke_info(...)` naming the row and its parties."""
    mac = hmac.new(_hkdf(pepper, b"fresh-tracks sealed content"), context, "sha256")
    for blob in blobs:
        mac.update(struct.pack(">I", len(blob)) + blob)
    return mac.digest()


# -- session cookies -----------------------------------------------------------------


def session_lookup_hash(session_id: bytes) -> bytes:
    """The database stores only this, so a leaked sessions table replays nothing."""
    return hashlib.sha256(session_id).digest()


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def short_code_hash(pepper: bytes, code: str) -> bytes:
    """For short codes (an 8-character invitation has about 40 bits): a plain hash of
    so few bits could be reversed by trying them all; keyed with the pepper it cannot
    be, by anyone who has only the database."""
    return hmac.new(
        _hkdf(pepper, b"fresh-tracks short code"), code.encode("ascii"), "sha256"
    ).digest()


# -- Web Push (VAPID) ----------------------------------------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_vapid_private_key() -> str:
    """A P-256 private key as the base64url of its 32-byte scalar, the form the Web
    Push tools (and `VAPID_PRIVATE_KEY`) use."""
    from cryptography.hazmat.primitives.asymmetric import ec

    scalar = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return _b64url(scalar.to_bytes(32, "big"))


def vapid_public_key(private_key: str) -> str:
    """The application server key browsers subscribe with: base64url of the
    uncompressed P-256 point (65 bytes)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        scalar = int.from_bytes(_b64url_decode(private_key.strip()), "big")
        key = ec.derive_private_key(scalar, ec.SECP256R1())
    except ValueError as exc:
        raise ValueError("VAPID_PRIVATE_KEY is not a base64url P-256 private key") from exc
    point = key.public_key().public_bytes(ser.Encoding.X962, ser.PublicFormat.UncompressedPoint)
    return _b64url(point)


def is_push_public_key(value: str) -> bool:
    """A browser's `p256dh`: a valid uncompressed P-256 point, base64url."""
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        raw = _b64url_decode(value)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except (ValueError, TypeError):
        return False
    return len(raw) == 65


def is_push_auth_secret(value: str) -> bool:
    try:
        return len(_b64url_decode(value)) == 16
    except (ValueError, TypeError):
        return False


def device_owner_tag(user_id: uuid.UUID) -> str:
    """An opaque per-user tag that the browser's outbox stores beside its items, so
    items written by one person are never sent under another's login.

    Deliberately not keyed with a server secret: rotating that secret would make
    every device drop what it still holds as "someone else's"."""
    return hashlib.sha256(b"fresh-tracks outbox owner\0" + user_id.bytes).hexdigest()[:32]
