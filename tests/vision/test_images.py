"""Whatever file a user points `genie kitchen add --photo` at, they get an upright RGB image or a clear
error — never a crash, a hang, or gigabytes of memory."""

from __future__ import annotations

import io
import resource
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from localgenie.errors import BadInput
from localgenie.vision.images import WORKING_SIDE, open_photo, to_input


def _jpeg(path: Path, size: tuple[int, int] = (96, 64), color: tuple[int, int, int] = (200, 30, 30)) -> Path:
    Image.new("RGB", size, color).save(path, format="JPEG", quality=90)
    return path


def _with_size_in_header(data: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header claims another size (what a decompression bomb looks like)."""
    at = data.index(b"\xff\xc0")
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def test_an_ordinary_photo_opens_as_rgb_and_becomes_a_network_input(tmp_path: Path) -> None:
    photo = open_photo(_jpeg(tmp_path / "milk.jpg"))
    assert photo.image.mode == "RGB" and photo.image.size == (96, 64)
    array = to_input(photo.image)
    assert array.shape == (3, 224, 224) and array.dtype.name == "float32"
    assert float(array.min()) >= -1.0 and float(array.max()) <= 1.0


def test_exif_rotation_is_applied(tmp_path: Path) -> None:
    # Stored sideways (red left, blue right) with orientation 6: the camera was turned 90° clockwise.
    image = Image.new("RGB", (80, 40), (255, 0, 0))
    image.paste((0, 0, 255), (40, 0, 80, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.jpg"
    image.save(path, exif=exif.tobytes(), quality=95)
    upright = open_photo(path).image
    assert upright.size == (40, 80)
    red, _, blue = upright.getpixel((20, 5))  # type: ignore[misc]
    assert red > 200 and blue < 60, "the left of the stored image is the top of the upright photo"


def test_a_jpeg_named_heic_opens_by_its_content(tmp_path: Path) -> None:
    assert open_photo(_jpeg(tmp_path / "IMG_0001.HEIC")).image.size == (96, 64)


def test_real_heic_gets_an_actionable_message(tmp_path: Path) -> None:
    path = tmp_path / "IMG_0002.heic"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200)
    with pytest.raises(BadInput, match=r"HEIC.*JPEG"):
        open_photo(path)


def test_png_with_alpha_becomes_white_where_transparent(tmp_path: Path) -> None:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (0, 0, 32, 64))
    path = tmp_path / "cutout.png"
    image.save(path)
    rgb = open_photo(path).image
    assert rgb.mode == "RGB"
    assert rgb.getpixel((48, 32)) == (255, 255, 255) and rgb.getpixel((10, 32)) == (0, 128, 0)


def test_cmyk_palette_grey_and_16_bit_images_are_converted(tmp_path: Path) -> None:
    Image.new("CMYK", (64, 64), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")
    Image.new("P", (64, 64)).save(tmp_path / "palette.gif")
    Image.new("L", (64, 64), 128).save(tmp_path / "grey.png")
    Image.new("I;16", (64, 64), 40000).save(tmp_path / "deep.png")
    for name in ("cmyk.jpg", "palette.gif", "grey.png", "deep.png"):
        assert open_photo(tmp_path / name).image.mode == "RGB", name
    red, green, blue = open_photo(tmp_path / "cmyk.jpg").image.getpixel((5, 5))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60


def test_large_photos_are_shrunk_to_the_working_size(tmp_path: Path) -> None:
    path = _jpeg(tmp_path / "big.jpg", size=(4000, 3000))
    photo = open_photo(path)
    assert max(photo.image.size) == WORKING_SIDE and photo.original_size == (4000, 3000)


# -- bad input ---------------------------------------------------------------------------------------


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("milk, eggs, butter\n")
    with pytest.raises(BadInput, match="not an image"):
        open_photo(path)


def test_missing_empty_and_tiny_files(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such file"):
        open_photo(tmp_path / "nowhere.jpg")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(BadInput, match="empty"):
        open_photo(tmp_path / "empty.jpg")
    with pytest.raises(BadInput, match="too small"):
        open_photo(_jpeg(tmp_path / "dot.jpg", size=(8, 8)))


def test_truncated_jpeg(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.effect_noise((256, 256), 64).convert("RGB").save(buffer, format="JPEG", quality=90)
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(BadInput, match="damaged or incomplete"):
        open_photo(path)


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_a_20000_pixel_square_decompression_bomb_is_refused_before_decoding(
    tmp_path: Path, kind: str
) -> None:
    if kind == "jpeg":
        buffer = io.BytesIO()
        Image.new("RGB", (64, 64)).save(buffer, format="JPEG")
        data = _with_size_in_header(buffer.getvalue(), 20000, 20000)
    else:
        data = _png_header_only(20000, 20000)
    path = tmp_path / f"bomb.{kind}"
    path.write_bytes(data)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(BadInput, match="megapixels"):
        open_photo(path)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100_000, "memory must stay bounded: nothing may be decoded"


def test_between_pillows_warning_and_error_thresholds_is_refused_too(tmp_path: Path) -> None:
    # 10000×10000 = 100 MP: Pillow only warns here; Genie refuses.
    path = tmp_path / "huge.png"
    path.write_bytes(_png_header_only(10000, 10000))
    with pytest.raises(BadInput, match="megapixels"):
        open_photo(path)
