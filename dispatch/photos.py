"""Site photos an officer attaches to a report: checked (JPEG or PNG by their first bytes, at most
5 MB), stored on disk under ``<data_dir>/photos/<task_id>/`` with a random name, never with the name
the phone gave. The task keeps the path relative to the photo folder."""

from __future__ import annotations

import base64
import binascii
import secrets
from pathlib import Path

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


class PhotoError(ValueError):
    """Not a photo we keep: the message says why (type or size)."""


def decode_upload(contents: str) -> bytes:
    """The bytes of a dcc.Upload ``contents`` value ("data:<type>;base64,<data>")."""
    try:
        _header, encoded = contents.split(",", 1)
        return base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise PhotoError("the upload could not be read") from exc


def check(raw: bytes) -> str:
    """The file extension of ``raw`` when it is a JPEG or PNG of at most 5 MB."""
    if len(raw) > MAX_BYTES:
        raise PhotoError(f"the photo has {len(raw) / 1024 / 1024:.1f} MB; at most 5 MB")
    for signature, ext in SIGNATURES.items():
        if raw.startswith(signature):
            return ext
    raise PhotoError("only JPEG and PNG photos are kept")


def save(root: Path, task_id: int, raw: bytes) -> str:
    """Store ``raw`` for ``task_id``; returns its path relative to ``root``."""
    ext = check(raw)
    folder = Path(root) / str(int(task_id))
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(12) + ext
    (folder / name).write_bytes(raw)
    return f"{int(task_id)}/{name}"


def resolve(root: Path, relative: str) -> Path | None:
    """The stored file for a task's ``photo`` value, only inside ``root``."""
    root = Path(root).resolve()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None
