"""forum.core.images: uploads are re-encoded without metadata; bad files are refused clearly."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin

from forum.core.images import clean_image

GPS_IFD = 0x8825
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Secret Person</dc:creator>'
       b"</rdf:Description></rdf:RDF></x:xmpmeta>")


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"          # Make
    exif[0x0110] = "Phone 12 Secret"     # Model
    exif[0xA431] = "SERIAL-123456"       # BodySerialNumber (in the Exif IFD in real files; here IFD0)
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (33.0, 30.0, 45.0)          # Damascus
    gps[3] = "E"
    gps[4] = (36.0, 17.0, 30.0)
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def photo(fmt: str = "JPEG", size=(64, 48), mode="RGB", **save) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def reopen(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def assert_no_metadata(image: Image.Image, content: bytes) -> None:
    assert not image.getexif(), dict(image.getexif())
    assert "exif" not in image.info
    assert "icc_profile" not in image.info
    assert "xmp" not in image.info and b"xmpmeta" not in content
    assert "comment" not in image.info
    assert b"Secret" not in content and b"SERIAL" not in content and b"PhoneMaker" not in content


# --- Metadata is gone ---------------------------------------------------------------------------
def test_jpeg_gps_exif_xmp_icc_and_comment_are_removed():
    original = photo("JPEG", exif=exif_with_gps(), icc_profile=srgb_icc(), xmp=XMP, comment=b"Secret note")
    before = reopen(original)
    assert before.getexif().get_ifd(GPS_IFD)  # the fixture really carries GPS
    assert "icc_profile" in before.info and b"xmpmeta" in original and b"Secret note" in original

    clean = clean_image(upload(original, "holiday.JPG"), filename="holiday.JPG")

    after = reopen(clean.content)
    assert after.format == "JPEG" and clean.content_type == "image/jpeg" and clean.extension == "jpg"
    assert not after.getexif().get_ifd(GPS_IFD)
    assert_no_metadata(after, clean.content)
    assert (clean.width, clean.height) == (64, 48) == after.size


def test_png_text_chunks_exif_and_icc_are_removed():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Secret Person")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    original = photo("PNG", pnginfo=info, exif=exif_with_gps(), icc_profile=srgb_icc())
    assert b"Secret" in original

    clean = clean_image(upload(original, "map.png"), filename="map.png")

    after = reopen(clean.content)
    assert after.format == "PNG" and clean.content_type == "image/png"
    assert_no_metadata(after, clean.content)
    assert not getattr(after, "text", {})


def test_webp_exif_xmp_and_icc_are_removed():
    original = photo("WEBP", exif=exif_with_gps(), icc_profile=srgb_icc(), xmp=XMP)
    assert b"PhoneMaker" in original

    clean = clean_image(upload(original, "x.webp"), filename="x.webp")

    after = reopen(clean.content)
    assert after.format == "WEBP" and clean.content_type == "image/webp"
    assert_no_metadata(after, clean.content)


def test_pixels_survive_and_transparency_is_kept():
    image = Image.new("RGBA", (10, 10), (0, 0, 255, 0))
    image.putpixel((3, 4), (10, 200, 30, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    clean = clean_image(upload(out.getvalue(), "dot.png"), filename="dot.png")
    after = reopen(clean.content)
    assert after.mode == "RGBA"
    assert after.getpixel((3, 4)) == (10, 200, 30, 255)
    assert after.getpixel((0, 0))[3] == 0


def test_photo_is_turned_upright_from_its_exif_orientation():
    original = photo("JPEG", size=(40, 20), exif=exif_with_gps(orientation=6))
    clean = clean_image(upload(original, "side.jpeg"), filename="side.jpeg")
    assert (clean.width, clean.height) == (20, 40)
    assert not reopen(clean.content).getexif()


def test_bytes_after_the_image_end_do_not_survive():
    polyglot = photo("PNG") + b"<script>alert(1)</script><html>"
    clean = clean_image(upload(polyglot, "poly.png"), filename="poly.png")
    assert b"<script>" not in clean.content


def test_cmyk_jpeg_is_stored_as_rgb():
    original = photo("JPEG", mode="CMYK", size=(8, 8))
    clean = clean_image(upload(original, "print.jpg"), filename="print.jpg")
    assert reopen(clean.content).mode == "RGB"


def test_raw_bytes_are_accepted_as_well_as_uploaded_files():
    clean = clean_image(photo("PNG"), filename="a.png")
    assert clean.size == len(clean.content) > 0


# --- Refusals -----------------------------------------------------------------------------------
def refused(data: bytes, name: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        clean_image(upload(data, name), filename=name)
    return info.value


def test_empty_file_is_refused():
    error = refused(b"", "a.png")
    assert error.code == "empty" and "empty" in error.message


def test_too_large_file_is_refused_before_decoding(settings):
    settings.FORUM_UPLOAD_MAX_BYTES = 1024 * 1024
    big = photo("PNG") + b"\0" * (1024 * 1024)
    error = refused(big, "big.png")
    assert error.code == "too_large" and "1 MB" in error.message


@pytest.mark.parametrize("name", ["photo.gif", "photo.svg", "photo.html", "photo", "photo.png.exe", "photo.bmp"])
def test_other_extensions_are_refused(name):
    error = refused(photo("PNG"), name)
    assert error.code == "extension" and ".png" in error.message


@pytest.mark.parametrize("data", [
    b"hello, I am text",
    b"<html><script>alert(1)</script></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
])
def test_non_images_are_refused(data):
    error = refused(data, "pretend.png")
    assert error.code == "not_image" and "not a PNG, JPEG or WebP image" in error.message


def test_bmp_renamed_png_is_refused_as_not_an_allowed_image():
    assert refused(photo("BMP"), "x.png").code == "not_image"


@pytest.mark.parametrize("fmt,name", [("JPEG", "x.png"), ("PNG", "x.jpg"), ("WEBP", "x.jpeg"), ("PNG", "x.webp")])
def test_content_that_contradicts_the_extension_is_refused(fmt, name):
    error = refused(photo(fmt), name)
    assert error.code == "mismatch"
    assert fmt in error.message and name.rsplit(".", 1)[1] in error.message


def test_truncated_image_is_refused_as_damaged():
    data = photo("JPEG", size=(300, 300))
    error = refused(data[: len(data) // 2], "cut.jpg")
    assert error.code == "damaged" and "damaged" in error.message


def test_image_over_the_pixel_limit_is_refused_from_its_header(settings):
    settings.FORUM_UPLOAD_MAX_PIXELS = 1_000_000
    bomb = photo("PNG", size=(2000, 1000), mode="1")  # tiny file, 2 million pixels
    assert len(bomb) < 10_000
    error = refused(bomb, "bomb.png")
    assert error.code == "too_many_pixels" and "2000×1000" in error.message


def test_decompression_bomb_beyond_pillows_own_limit_is_refused():
    bomb = photo("PNG", size=(12_000, 12_000), mode="1")  # 144 million pixels in a few kB
    assert len(bomb) < 100_000
    error = refused(bomb, "bomb.png")
    assert error.code == "too_many_pixels"


@pytest.mark.parametrize("fmt,name", [("PNG", "anim.png"), ("WEBP", "anim.webp")])
def test_animated_images_are_refused(fmt, name):
    frames = [Image.new("RGB", (16, 16), color) for color in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    error = refused(out.getvalue(), name)
    assert error.code == "animated" and "still image" in error.message
