"""Signed seals of the access log: what the database's owner cannot recompute.

The hash chain (``grc/audit/sql.py``) shows any change made by someone who cannot rewrite the rows after
it; the tables' owner (or a superuser) can: rewrite a row, recompute every hash after it with the
trigger's formula, or cut the last rows. A **seal** attests the end of the chain at a moment — the last
seq, its hash, the rows since the purge anchor, the anchor's seq, when — with an HMAC-SHA256 whose key
(``ACCESS_LOG_HMAC_KEY``) lives in the application's environment, never in the database. Seals are rows
of ``audit_accesslogseal`` (append-only like the log) AND the latest one is also a file outside the
database (``ACCESS_LOG_ANCHOR_DIR``, WORM storage in production). ``verify_access_log`` then detects:

- a recomputed chain: the row a seal names no longer has the sealed hash (forging the seal needs the key);
- a cut tail: the external file names a seq the log no longer reaches (deleting the seals in the
  database does not help: the file stays);
- a forged seal (wrong MAC), a missing external file while seals exist.

Not detected: changes to rows written after the latest seal (the window: ``seal_access_log`` runs every
5 minutes, after each verification and each purge).

Keys rotate: ``ACCESS_LOG_HMAC_OLD_KEYS`` keeps earlier keys; each seal names its key by ``key_id`` (a
digest of the key, which reveals nothing of it).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

SEAL_TABLE = "audit_accesslogseal"
FORMAT = "grc-access-log-seal-v1"


def key_id(key: str) -> str:
    """A short public name of ``key`` (a digest: it does not reveal the key)."""
    return hashlib.sha256(f"grc-access-log-key-id|{key}".encode()).hexdigest()[:16]


def keys() -> dict[str, bytes]:
    """{key id: key} for the current key and the earlier ones still trusted (rotation)."""
    current = settings.ACCESS_LOG_HMAC_KEY
    result = {key_id(current): current.encode()}
    for old in getattr(settings, "ACCESS_LOG_HMAC_OLD_KEYS", []):
        if old:
            result.setdefault(key_id(old), old.encode())
    return result


def current_key_id() -> str:
    return key_id(settings.ACCESS_LOG_HMAC_KEY)


def _utc_text(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class SealData:
    """What a seal attests (the fields its MAC covers)."""

    seq: int  # the last seq of the chain when sealed (the anchor's when the log was empty)
    hash: str  # that row's hash
    rows: int  # rows after the purge anchor (seq - anchor_seq: the chain is contiguous)
    anchor_seq: int  # the latest purge anchor then
    sealed_at: datetime.datetime
    key_id: str

    def message(self) -> bytes:
        return "|".join(
            [
                FORMAT,
                self.key_id,
                str(self.seq),
                self.hash,
                str(self.rows),
                str(self.anchor_seq),
                _utc_text(self.sealed_at),
            ]
        ).encode()


def mac_of(data: SealData) -> str:
    """The HMAC-SHA256 of ``data`` with the key it names; KeyError for a key this deployment does not know."""
    return hmac.new(keys()[data.key_id], data.message(), hashlib.sha256).hexdigest()


def mac_is_valid(data: SealData, mac: str) -> bool | None:
    """True/False; None when the seal's key is unknown here (rotated out of ACCESS_LOG_HMAC_OLD_KEYS)."""
    if data.key_id not in keys():
        return None
    return hmac.compare_digest(mac_of(data), mac or "")


# --- the copy outside the database ------------------------------------------------------------------


def anchor_path(using: str = "default") -> Path:
    """The external anchor file of the database behind ``using`` (one file per database name)."""
    name = connections[using].settings_dict["NAME"]
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(name))
    return Path(settings.ACCESS_LOG_ANCHOR_DIR) / f"access-log-{safe}.json"


def write_anchor_file(data: SealData, mac: str, *, using: str = "default") -> Path:
    """Replace the external anchor with this seal (atomically: a reader sees the old or the new file)."""
    path = anchor_path(using)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    payload = {**asdict(data), "sealed_at": _utc_text(data.sealed_at), "mac": mac, "format": FORMAT}
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


def read_anchor_file(*, using: str = "default") -> tuple[SealData, str] | None:
    """(seal, mac) from the external anchor file; None when there is none. ValueError when unreadable."""
    path = anchor_path(using)
    if not path.exists():
        return None
    try:
        payload = json.loads(path.read_text())
        data = SealData(
            seq=int(payload["seq"]),
            hash=str(payload["hash"]),
            rows=int(payload["rows"]),
            anchor_seq=int(payload["anchor_seq"]),
            sealed_at=datetime.datetime.strptime(payload["sealed_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.UTC
            ),
            key_id=str(payload["key_id"]),
        )
        return data, str(payload["mac"])
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"unreadable external anchor {path.name}") from error
