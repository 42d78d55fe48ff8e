"""Each organiser's journal signing key (Ed25519, `cryptography`): made on the first entry, the
private half encrypted at rest with the payment credentials' scheme (a key derived from
SECRET_KEY: losing SECRET_KEY loses the ability to sign, never the ability to verify), the
public half published."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from billetterie.core import audit
from billetterie.payments.crypto import credentials_decrypt, credentials_encrypt

from .models import JournalKey

_CACHE_SIZE = 256
# key rows with their decrypted private halves, by row id and key id (row ids repeat across test
# databases; a key id, 64 bits of the public key's hash, does not)
_keys: OrderedDict[tuple[int, str], tuple[JournalKey, Ed25519PrivateKey]] = OrderedDict()


class KeyUnavailable(Exception):
    """The private key cannot be read (SECRET_KEY changed without its fallback): nothing is signed."""


def key_id_of(public_pem: str) -> str:
    public = serialization.load_pem_public_key(public_pem.encode("ascii"))
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signing_key(*, organizer_id: int) -> JournalKey:
    """The organiser's current key, made now if it has none. Called under the journal's sequence
    lock, so two first entries of one organiser cannot make two keys."""
    key = JournalKey.objects.filter(organizer_id=organizer_id).order_by("-id").first()
    return key if key is not None else _key_create(organizer_id)


def _key_create(organizer_id: int) -> JournalKey:
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    key = JournalKey.objects.create(organizer_id=organizer_id, key_id=key_id_of(public_pem), public_pem=public_pem,
                                    private_encrypted=credentials_encrypt({"ed25519": raw.hex()}))
    audit.audit_record(action="journal.key_created", subject=key, organizer_id=organizer_id,
                       changes={"key_id": [None, key.key_id]})
    return key


def cached_key(*, key_pk: int, key_id: str) -> JournalKey | None:
    """The key that signed the previous entry, when this process has it already (no query)."""
    found = _keys.get((key_pk, key_id))
    return found[0] if found else None


def sign(key: JournalKey, digest_hex: str) -> str:
    return _private(key).sign(bytes.fromhex(digest_hex)).hex()


def _private(key: JournalKey) -> Ed25519PrivateKey:
    found = _keys.get((key.pk, key.key_id))
    if found is not None:
        return found[1]
    raw = credentials_decrypt(key.private_encrypted).get("ed25519")
    if not raw:
        raise KeyUnavailable(f"journal key {key.key_id}: the private key cannot be decrypted")
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(raw))
    _keys[(key.pk, key.key_id)] = (key, private)
    if len(_keys) > _CACHE_SIZE:
        _keys.popitem(last=False)
    return private


def signature_valid(public_pem: str, digest_hex: str, signature_hex: str) -> bool:
    try:
        public = serialization.load_pem_public_key(public_pem.encode("ascii"))
        assert isinstance(public, Ed25519PublicKey)
        public.verify(bytes.fromhex(signature_hex), bytes.fromhex(digest_hex))
    except (InvalidSignature, ValueError, AssertionError):
        return False
    return True
