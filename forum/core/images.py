"""Uploaded images: checked, decoded and re-encoded so nothing but pixels leaves the upload.

Some members are at personal risk: a phone photo carries GPS coordinates, the camera's serial
number, sometimes a thumbnail of the uncropped original. So an upload is never stored as sent. It
is decoded with Pillow (only the PNG, JPEG and WebP decoders are allowed to look at it), turned
upright from its EXIF orientation, copied pixel by pixel into a fresh image with no metadata at all
(EXIF, GPS, XMP, ICC profile, comments, text chunks) and encoded again.

Refused, each with its own translated message and nothing stored: empty files, files over
`FORUM_UPLOAD_MAX_BYTES`, names without a .png/.jpg/.jpeg/.webp extension, content that is not a
PNG, JPEG or WebP image, content of another type than its extension says, images over
`FORUM_UPLOAD_MAX_PIXELS` (decompression bombs, checked from the header before decoding),
animated images (each frame would cost the full size again), and damaged files.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from forum.core import conf

# Pillow format name → (content type, stored extension, extensions accepted on upload)
FORMATS = {
    "PNG": ("image/png", "png", {"png"}),
    "JPEG": ("image/jpeg", "jpg", {"jpg", "jpeg"}),
    "WEBP": ("image/webp", "webp", {"webp"}),
}
EXTENSION_FORMAT = {ext: fmt for fmt, (_ct, _ext, exts) in FORMATS.items() for ext in exts}


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded image, ready to store: bytes without metadata, its type, extension and size."""

    content: bytes
    content_type: str
    extension: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.content)


def max_bytes() -> int:
    return int(conf.FORUM_UPLOAD_MAX_BYTES)


def max_pixels() -> int:
    return int(conf.FORUM_UPLOAD_MAX_PIXELS)


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _read_limited(upload, limit: int) -> bytes:
    """Read at most limit + 1 bytes, so an oversized upload is never read whole into memory."""
    if isinstance(upload, bytes | bytearray):
        return bytes(upload[: limit + 1])
    if hasattr(upload, "seek"):
        upload.seek(0)
    return upload.read(limit + 1)


def clean_image(upload, *, filename: str) -> CleanImage:
    """Check and re-encode an uploaded image. Raises ValidationError (translated, with a code)."""
    limit = max_bytes()
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    data = _read_limited(upload, limit)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > limit:
        raise _too_large(limit)

    extension = PurePath(filename or "").suffix.lower().lstrip(".")
    expected_format = EXTENSION_FORMAT.get(extension)
    if expected_format is None:
        raise ValidationError(
            _("Only PNG, JPEG and WebP images can be uploaded (the file name must end in .png, .jpg, "
              ".jpeg or .webp)."), code="extension")

    image = _open(data)
    try:
        if image.format != expected_format:
            raise ValidationError(
                _("The file's content is a %(actual)s image but its name ends in .%(extension)s; "
                  "please rename or convert it.") % {"actual": image.format or "?", "extension": extension},
                code="mismatch")
        width, height = image.size
        if width < 1 or height < 1:
            raise _damaged()
        if width * height > max_pixels():
            raise _too_many_pixels(width, height)
        if getattr(image, "is_animated", False) or getattr(image, "n_frames", 1) > 1:
            raise ValidationError(_("Animated images are not accepted; please upload a still image."),
                                  code="animated")
        return _reencode(image, expected_format)
    finally:
        image.close()


def _open(data: bytes) -> Image.Image:
    """Identify with the three allowed decoders only; a bomb warning is treated as the bomb it is."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data), formats=list(FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(
                _("This image has too many pixels to be processed safely."), code="too_many_pixels"
            ) from exc
        except UnidentifiedImageError as exc:
            raise ValidationError(_("This file is not a PNG, JPEG or WebP image."), code="not_image") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _damaged() from exc


def _reencode(image: Image.Image, image_format: str) -> CleanImage:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
                upright.mode == "P" and "transparency" in upright.info)
            if image_format == "JPEG":
                mode = "RGB" if upright.mode not in ("L",) else "L"
            else:
                mode = "RGBA" if has_alpha else ("L" if upright.mode in ("L", "1") else "RGB")
            pixels = upright.convert(mode)
            # A fresh image from the raw pixels: no info dict, so no EXIF/XMP/ICC/comment can follow.
            fresh = Image.frombytes(mode, pixels.size, pixels.tobytes())
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(
                _("This image has too many pixels to be processed safely."), code="too_many_pixels"
            ) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _damaged() from exc
    out = io.BytesIO()
    if image_format == "JPEG":
        fresh.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    elif image_format == "PNG":
        fresh.save(out, "PNG", optimize=True)
    else:
        fresh.save(out, "WEBP", quality=85, method=4)
    content_type, extension, _accepted = FORMATS[image_format]
    return CleanImage(content=out.getvalue(), content_type=content_type, extension=extension,
                      width=fresh.width, height=fresh.height)


def _too_large(limit: int) -> ValidationError:
    return ValidationError(
        _("The image is too large: the limit is %(limit)s MB.") % {"limit": _megabytes(limit)}, code="too_large")


def _too_many_pixels(width: int, height: int) -> ValidationError:
    return ValidationError(
        _("The image is %(width)d×%(height)d pixels; at most %(limit)d million pixels are accepted.")
        % {"width": width, "height": height, "limit": max_pixels() // 1_000_000},
        code="too_many_pixels")


def _damaged() -> ValidationError:
    return ValidationError(_("The image could not be read; the file may be damaged."), code="damaged")
