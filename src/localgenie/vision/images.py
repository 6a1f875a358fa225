"""Opening photos safely: any file a user points at becomes an upright RGB image of bounded size, or a
`BadInput` that says what is wrong.

Memory is bounded before any pixel is decoded: the header gives the size, and files whose decoded
pixels would not fit the budget are refused (a 20000×20000 "decompression bomb" is 1.2 GB as RGB).
JPEGs are decoded at a reduced scale (libjpeg's DCT scaling, `Image.draft`), so a 50-megapixel phone
photo costs a few megabytes.  The file's content decides its format, never its name: a JPEG saved as
``.heic`` opens as the JPEG it is.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from localgenie.errors import BadInput
from localgenie.vision.backbone import INPUT_SIZE, PIXEL_MEAN, PIXEL_STD

# Pixels decoded at full size (PNG, WebP, ...): 40 MP is 120 MB as RGB.
MAX_DECODED_PIXELS = 40_000_000
# JPEGs are decoded at 1/2..1/8 scale, so their header may say more (kept under the 89 MP at which
# Pillow starts warning of a decompression bomb).
MAX_JPEG_PIXELS = 80_000_000
# Longest side kept after opening: tiles of a shelf photo need no more detail than this.
WORKING_SIDE = 1600
MIN_SIDE = 32
MAX_FILE_BYTES = 100 * 1024 * 1024

_HEIF_BRANDS = (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypmsf1", b"ftypavif")


@dataclass(frozen=True)
class Photo:
    """An upright RGB photo, at most `WORKING_SIDE` on its longest side, and where it came from."""

    image: Image.Image
    source: str
    original_size: tuple[int, int]


def open_photo(path: Path | str) -> Photo:
    """Open an image file as an upright RGB `Photo`; `BadInput` for anything that is not a usable image."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise BadInput(f"{path}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise BadInput(
            f"{path}: {size / 1e6:.0f} MB is too large for a photo (limit {MAX_FILE_BYTES / 1e6:.0f} MB)"
        )
    with path.open("rb") as handle:
        head = handle.read(32)
    return _open(path, head)


def _open(path: Path, head: bytes) -> Photo:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 89 M and 179 M pixels; our own limits below apply first anyway.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                original = image.size
                _check_size(path, image)
                if image.format == "JPEG":
                    # DCT scaling: decode at the smallest scale still at least WORKING_SIDE on the long side.
                    image.draft("RGB", (WORKING_SIDE, WORKING_SIDE))
                image.load()
                rgb = _to_rgb(ImageOps.exif_transpose(image))
    except BadInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadInput(
            f"{path}: the image has more megapixels than can be decoded safely (a decompression bomb?); "
            "resize the photo first"
        ) from None
    except UnidentifiedImageError:
        if any(brand in head for brand in _HEIF_BRANDS):
            raise BadInput(
                f"{path}: HEIC/HEIF/AVIF photos are not supported: export it as JPEG or PNG "
                "(on an iPhone: Settings > Camera > Formats > Most Compatible)"
            ) from None
        raise BadInput(f"{path}: not an image Genie can read (JPEG, PNG, WebP, GIF, BMP or TIFF)") from None
    except OSError as exc:
        # Pillow reports truncated and corrupt data as OSError ("image file is truncated", ...).
        raise BadInput(
            f"{path}: the image data is damaged or incomplete ({exc}); take or copy it again"
        ) from None
    if min(rgb.size) < MIN_SIDE:
        raise BadInput(f"{path}: {rgb.width}×{rgb.height} px is too small to recognise anything")
    if max(rgb.size) > WORKING_SIDE:
        rgb.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return Photo(rgb, str(path), original)


def _check_size(path: Path, image: Image.Image) -> None:
    width, height = image.size
    pixels = width * height
    limit = MAX_JPEG_PIXELS if image.format == "JPEG" else MAX_DECODED_PIXELS
    if pixels > limit:
        raise BadInput(
            f"{path}: {width}×{height} px ({pixels / 1e6:.0f} megapixels) is more than Genie decodes "
            f"({limit / 1e6:.0f} MP for {image.format or 'this format'}); resize the photo first"
        )


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB whatever the mode: transparency becomes white (a cut-out product on black would mislead)."""
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        peak = float(array.max()) or 1.0
        return Image.fromarray((array * (255.0 / max(peak, 255.0))).astype(np.uint8)).convert("RGB")
    if mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "RGBa", "La", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode == "RGB":
        return image.copy()
    return image.convert("RGB")


def to_input(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> npt.NDArray[np.float32]:
    """One network input (3, 224, 224) from ``image`` (or the ``box`` region of it), squashed to square."""
    region = image if box is None else image.crop(box)
    resized = region.resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BICUBIC, reducing_gap=3.0)
    array = (np.asarray(resized, dtype=np.float32) - PIXEL_MEAN) / PIXEL_STD
    return np.ascontiguousarray(array.transpose(2, 0, 1))
