"""Photo uploads for "add by photo": checked by their first bytes, written under a server-chosen name,
recognised in the model's line, deleted again.

The declared content type and the file name are not trusted: the bytes decide.  Pillow then opens the
file with its own limits (`localgenie.vision.images`: decompression bombs, truncated files, EXIF
rotation), and its complaints come back as 400s that say what is wrong with the photo.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import UploadFile

from localgenie.errors import BadInput
from localgenie.vision import Photo, Recognition, open_photo, recognise_configured

from .deps import AppState
from .errors import Unsupported
from .uploads import display_name as _display_name
from .uploads import save_upload

MAX_PHOTOS = 4
# Formats Pillow reads that a phone or a browser produces, by their first bytes.
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
_HEIF = re.compile(rb"^....ftyp(heic|heix|hevc|mif1|msf1|avif)", re.DOTALL)


def sniff_image(head: bytes) -> None:
    """Refuse anything that does not start like a JPEG, PNG, WebP, GIF, BMP or TIFF (415)."""
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return
    if _HEIF.match(head):
        raise Unsupported(
            "HEIC/HEIF/AVIF photos are not supported: export it as JPEG or PNG "
            "(on an iPhone: Settings > Camera > Formats > Most Compatible)"
        )
    raise Unsupported("the upload is not a photo Genie can read: send a JPEG, PNG, WebP, GIF, BMP or TIFF")


def display_name(filename: str | None) -> str:
    """The client's file name, for display only (it never names a file on the server)."""
    return _display_name(filename, "photo", 80)


async def recognise_uploads(state: AppState, uploads: list[UploadFile], *, multi: bool = True) -> Recognition:
    """Recognise ingredients in uploaded photos (nothing is stored: the caller asks the user first)."""
    uploads = [u for u in uploads if u.filename or u.size]
    if not uploads:
        raise BadInput("choose a photo to recognise")
    if len(uploads) > MAX_PHOTOS:
        raise BadInput(f"at most {MAX_PHOTOS} photos at once, got {len(uploads)}")
    paths: list[Path] = []
    try:
        for upload in uploads:
            empty = f"{display_name(upload.filename)}: the uploaded file is empty"
            paths.append(await save_upload(upload, state.settings.upload_dir, "photo", sniff_image, empty))

        def work() -> Recognition:
            photos: list[Photo] = []
            for path, upload in zip(paths, uploads, strict=True):
                try:
                    opened = open_photo(path)
                except BadInput as exc:  # name the user's file, not the server's temporary one
                    raise BadInput(str(exc).replace(str(path), display_name(upload.filename))) from None
                photos.append(Photo(opened.image, display_name(upload.filename), opened.original_size))
            return recognise_configured(photos, multi=multi)

        return await state.queue.run_cpu(work, kind="photo")
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
