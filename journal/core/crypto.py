"""The only module that touches cryptographic primitives (docs/crypto.md).

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
from collections.abc import Iterator, Mapping
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
# Version 2: the plaintext is padded to a size bucket before sealing (`pad`), so
# that a blob's length says nothing about which of a few forms it holds. Version 1
# blobs (written before padding) still open.
PADDED_VERSION = 2
# A version-3 box is an HPKE box with a MAC under the server's pepper in front of
# it (`seal_vouched`): for what is sealed while its author's private key is not at
# hand (autosaved drafts), so that no one without the pepper can plant one.
VOUCHED_VERSION = 3
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


# -- padding -------------------------------------------------------------------------

# Sizes a padded plaintext is rounded up to: powers of two up to 4 KiB, then whole
# 4 KiB steps. Every structured payload (a questionnaire result, a session's route
# and setting, a check-in) falls into a bucket shared by all of its variants; a
# test seals each variant and compares the lengths.
_PAD_LENGTH_BYTES = 4
_PAD_BUCKETS = (256, 512, 1024, 2048, 4096)
_PAD_STEP = 4096


def padded_size(length: int) -> int:
    """The bucket a plaintext of `length` bytes is padded to (length prefix included)."""
    needed = length + _PAD_LENGTH_BYTES
    for bucket in _PAD_BUCKETS:
        if needed <= bucket:
            return bucket
    return -(-needed // _PAD_STEP) * _PAD_STEP


def pad(plaintext: bytes) -> bytes:
    """`length (4 bytes) ‖ plaintext ‖ zeros` up to the plaintext's bucket."""
    body = len(plaintext).to_bytes(_PAD_LENGTH_BYTES, "big") + plaintext
    return body + bytes(padded_size(len(plaintext)) - len(body))


def unpad(padded: bytes) -> bytes:
    length = int.from_bytes(padded[:_PAD_LENGTH_BYTES], "big")
    end = _PAD_LENGTH_BYTES + length
    if len(padded) < end or any(padded[end:]):
        raise IntegrityFailure("bad padding")
    return padded[_PAD_LENGTH_BYTES:end]


# -- sealing -------------------------------------------------------------------------


def seal(
    key: bytes,
    plaintext: bytes,
    binding: Binding,
    *,
    nonce: bytes | None = None,
    padded: bool = True,
) -> bytes:
    """Encrypt to `version ‖ nonce ‖ AES-256-GCM(ciphertext ‖ tag)`, the plaintext
    padded to its size bucket (version 2). `padded=False` (version 1) is for keys,
    whose length is always the same.

    `nonce` is for the known-answer test only; production always draws a fresh one.
    """
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    if len(nonce) != NONCE_BYTES:
        raise ValueError("nonce must be 12 bytes")
    version = PADDED_VERSION if padded else BLOB_VERSION
    body = AESGCM(key).encrypt(nonce, pad(plaintext) if padded else plaintext, binding.encode())
    return bytes([version]) + nonce + body


def open_sealed(key: bytes, blob: bytes, binding: Binding) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] not in (BLOB_VERSION, PADDED_VERSION):
        raise IntegrityFailure("unknown blob format")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        plain = AESGCM(key).decrypt(nonce, body, binding.encode())
    except InvalidTag as exc:
        raise IntegrityFailure("authentication failed") from exc
    return unpad(plain) if blob[0] == PADDED_VERSION else plain


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
    return seal(wrapping_key, key, binding, padded=False)


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


def public_key_mac(
    pepper: bytes, user_id: uuid.UUID, public_key: bytes, counters: tuple[int, ...] = ()
) -> bytes:
    """Detects a swapped public key: whoever can write the users table cannot make a
    valid MAC without the pepper, so nothing is ever sealed to an attacker's key.

    `counters` (the user's revocation counters, see `accounts.keys`) are MACed with
    the key, so that setting one back to an older value needs the pepper too. While
    every counter is 0 the MAC is the one made before counters existed."""
    message = user_id.bytes + public_key
    if any(counters):
        message += b"".join(struct.pack(">Q", c) for c in counters)
    return hmac.new(_hkdf(pepper, b"fresh-tracks public key"), message, "sha256").digest()


def seal_to_public_key(public_key: bytes, plaintext: bytes, info: bytes) -> bytes:
    """HPKE base mode (X25519, HKDF-SHA256, AES-256-GCM); `info` binds the context.
    The plaintext is padded to its size bucket (version 2)."""
    return bytes([PADDED_VERSION]) + _HPKE.encrypt(
        pad(plaintext), X25519PublicKey.from_public_bytes(public_key), info=info
    )


def private_key_object(private_key: bytes) -> X25519PrivateKey:
    """The key ready for `open_with_private_key`, for a caller opening many boxes in
    one request (loading it costs about as much as opening one)."""
    return X25519PrivateKey.from_private_bytes(private_key)


def open_with_private_key(private_key: bytes | X25519PrivateKey, blob: bytes, info: bytes) -> bytes:
    if not blob or blob[0] not in (BLOB_VERSION, PADDED_VERSION):
        raise IntegrityFailure("unknown sealed-box format")
    if isinstance(private_key, bytes):
        private_key = X25519PrivateKey.from_private_bytes(private_key)
    try:
        plain = _HPKE.decrypt(blob[1:], private_key, info=info)
    except (InvalidTag, ValueError) as exc:
        raise IntegrityFailure("sealed box failed to open") from exc
    return unpad(plain) if blob[0] == PADDED_VERSION else plain


def pair_key(
    own_private: bytes, other_public: bytes, patient_id: uuid.UUID, therapist_id: uuid.UUID
) -> bytes:
    """A key only this patient and this therapist can compute: HKDF over the static
    X25519 agreement of their key pairs, named by both ids. The patient makes it
    with their private key and the therapist's public key, the therapist with theirs
    and the patient's; someone who can only write the database has neither private
    key, so cannot make a MAC under it."""
    try:
        shared = X25519PrivateKey.from_private_bytes(own_private).exchange(
            X25519PublicKey.from_public_bytes(other_public)
        )
    except ValueError as exc:
        raise IntegrityFailure("no key agreement with that public key") from exc
    return _hkdf(shared, b"fresh-tracks share author" + hpke_info(patient_id, therapist_id))


def pair_mac(key: bytes, context: bytes, *blobs: bytes) -> bytes:
    """HMAC under a `pair_key` over a context (`hpke_info(...)`) and blobs, each
    length-prefixed: the patient's word that they sealed these blobs in this place."""
    mac = hmac.new(key, context, "sha256")
    for blob in blobs:
        mac.update(struct.pack(">I", len(blob)) + blob)
    return mac.digest()


def seal_vouched(
    pepper_kid: str, pepper: bytes, public_key: bytes, plaintext: bytes, info: bytes
) -> bytes:
    """An HPKE box (`seal_to_public_key`) with a MAC under the pepper in front:
    `3 ‖ len(kid) ‖ kid ‖ MAC ‖ box`. For what is sealed to its own author while the
    author's private key is not at hand (an autosave after the session went idle):
    the server vouches that it sealed it, so a box planted by someone who can only
    write the database is refused."""
    kid = pepper_kid.encode("ascii")
    box = seal_to_public_key(public_key, plaintext, info)
    mac = sealed_content_mac(pepper, b"vouched" + info, box)
    return bytes([VOUCHED_VERSION, len(kid)]) + kid + mac + box


def vouched_kid(blob: bytes) -> str | None:
    """The pepper key id a vouched box names (None for anything else)."""
    if len(blob) < 2 or blob[0] != VOUCHED_VERSION:
        return None
    return blob[2 : 2 + blob[1]].decode("ascii", "replace")


def revouch(
    peppers: Mapping[str, bytes], pepper_kid: str, pepper: bytes, blob: bytes, info: bytes
) -> bytes:
    """The same box vouched for under another pepper (a pepper rotation), after its
    current MAC was checked; needs no private key."""
    if len(blob) < 2 or blob[0] != VOUCHED_VERSION:
        raise IntegrityFailure("not a vouched box")
    end = 2 + blob[1]
    old = peppers.get(blob[2:end].decode("ascii", "replace"))
    mac, box = blob[end : end + 32], blob[end + 32 :]
    if old is None or not hmac.compare_digest(mac, sealed_content_mac(old, b"vouched" + info, box)):
        raise IntegrityFailure("vouched box MAC does not match")
    kid = pepper_kid.encode("ascii")
    new_mac = sealed_content_mac(pepper, b"vouched" + info, box)
    return bytes([VOUCHED_VERSION, len(kid)]) + kid + new_mac + box


def open_vouched(
    peppers: Mapping[str, bytes], private_key: bytes, blob: bytes, info: bytes
) -> bytes:
    """Open a `seal_vouched` box; anything else (an unvouched box included) fails."""
    if len(blob) < 2 or blob[0] != VOUCHED_VERSION:
        raise IntegrityFailure("not a vouched box")
    end = 2 + blob[1]
    kid = blob[2:end].decode("ascii", "replace")
    mac, box = blob[end : end + 32], blob[end + 32 :]
    pepper = peppers.get(kid)
    if pepper is None or not hmac.compare_digest(
        mac, sealed_content_mac(pepper, b"vouched" + info, box)
    ):
        raise IntegrityFailure("vouched box MAC does not match")
    return open_with_private_key(private_key, box, info)


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
