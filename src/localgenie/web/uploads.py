"""Uploaded files: streamed to a server-chosen name after their first bytes are checked, and named for
display by what the client called them (that name never reaches the file system)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

from fastapi import UploadFile

from localgenie.errors import BadInput

CHUNK = 1 << 16


def display_name(filename: str | None, default: str, limit: int) -> str:
    """The client's file name without its folders or control characters, for display only."""
    base = re.split(r"[\\/]", filename or "")[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip()
    return clean[:limit] or default


async def save_upload(
    upload: UploadFile, folder: Path, suffix: str, sniff: Callable[[bytes], None], empty: str
) -> Path:
    """Stream ``upload`` to ``folder/<random>.<suffix>``; ``sniff`` sees the first chunk and raises to
    refuse it; an empty upload is refused with the message ``empty``.  Nothing is left behind on failure."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.{suffix}"
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := await upload.read(CHUNK):
                if size == 0:
                    sniff(chunk)
                size += len(chunk)
                out.write(chunk)
        if size == 0:
            raise BadInput(empty)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
