"""Photos uploaded in the back office: checked as real images, re-encoded, resized and stored.

Only what Pillow decodes is kept, and only as freshly encoded JPEG pixels: the upload's own bytes (and
with them EXIF, GPS positions, ICC profiles, comments or anything hidden after the image) never reach
the storage. The card shows 300×400; a 600×800 copy serves screens with two device pixels per CSS pixel.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .entities import PHOTO_1X_SUFFIX, PHOTO_2X_SUFFIX, PHOTO_SIZE

logger = logging.getLogger(__name__)

PHOTO_MAX_BYTES = 8 * 1024 * 1024
# 50 megapixels: more than any phone camera, and far below what a decompression bomb needs to hurt.
PHOTO_MAX_PIXELS = 50_000_000
PHOTO_MIN_SIDE = 200  # smaller than this, a card photo would be a blur
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85


class PhotoError(ValueError):
    """An upload that is not a usable photo; the message is for the staff member (pt-BR)."""


class PhotoStorageError(PhotoError):
    """A good photo the storage could not keep (it is down); nothing of it was left behind."""


@dataclass(frozen=True)
class PreparedPhoto:
    one_x: bytes  # PHOTO_SIZE
    two_x: bytes  # twice PHOTO_SIZE


def photo_prepare(upload) -> PreparedPhoto:
    """Decode ``upload`` (a Django ``UploadedFile`` or any file object) and make the card's two JPEGs.

    ``PhotoError`` for anything too big, not an image, truncated, in another format or too small.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > PHOTO_MAX_BYTES:
        raise PhotoError(_too_big())
    upload.seek(0)
    data = upload.read(PHOTO_MAX_BYTES + 1)
    if len(data) > PHOTO_MAX_BYTES:
        raise PhotoError(_too_big())
    if not data:
        raise PhotoError(_("O arquivo da foto está vazio."))
    # Truncated files are refused, not padded with grey (the setting is process-wide; insist on it).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in PHOTO_FORMATS:
                raise PhotoError(_("Envie a foto em JPEG, PNG ou WebP."))
            width, height = image.size  # read from the header, before any pixel is decoded
            if width * height > PHOTO_MAX_PIXELS:
                too_many = _("A foto tem pixels demais (%(width)d × %(height)d).")
                limit = _("Envie uma de até %(mp)d megapixels.")
                raise PhotoError(
                    too_many % {"width": width, "height": height}
                    + " "
                    + limit % {"mp": PHOTO_MAX_PIXELS // 1_000_000}
                )
            if image.format == "JPEG":
                # Decode at the smallest DCT scale still covering the 2× copy in either orientation:
                # a 48 MP phone photo then takes a few MB of memory instead of ~150.
                side = 2 * max(PHOTO_SIZE)
                image.draft("RGB", (side, side))
            image.load()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(
            _("A foto tem pixels demais. Envie uma de até %(mp)d megapixels.")
            % {"mp": PHOTO_MAX_PIXELS // 1_000_000}
        ) from None
    except UnidentifiedImageError:
        raise PhotoError(_("O arquivo enviado não é uma foto (JPEG, PNG ou WebP).")) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PhotoError(_("A foto está corrompida ou incompleta. Envie o arquivo de novo.")) from None
    if min(image.size) < PHOTO_MIN_SIDE:
        raise PhotoError(
            _("A foto é pequena demais: precisa ter pelo menos %(min)d pixels de cada lado.")
            % {"min": PHOTO_MIN_SIDE}
        )
    # A phone photo is often stored sideways with an EXIF note to turn it; turn it before EXIF goes.
    image = ImageOps.exif_transpose(image)
    image = _flatten(image)
    width, height = PHOTO_SIZE
    return PreparedPhoto(
        one_x=_jpeg(ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)),
        two_x=_jpeg(ImageOps.fit(image, (2 * width, 2 * height), Image.Resampling.LANCZOS)),
    )


def _too_big() -> str:
    return _("A foto passa de %(mb)d MB. Envie uma menor.") % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)}


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: transparent PNGs get the card's background instead of black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif= and no icc_profile=: the new file carries nothing of the original but its pixels.
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def photo_save(*, name: str, prepared: PreparedPhoto) -> str:
    """Store both sizes under ``name`` (the 1× name, content-hashed) and its 2× sibling; returns ``name``.

    ``PhotoStorageError`` when the storage fails (Object Storage down, disk full): then neither copy this
    call wrote stays behind, and the caller writes no row pointing at the photo.
    """
    two_x_name = name[: -len(PHOTO_1X_SUFFIX)] + PHOTO_2X_SUFFIX
    written: list[str] = []
    try:
        for target, content in ((name, prepared.one_x), (two_x_name, prepared.two_x)):
            if not default_storage.exists(target):
                stored = default_storage.save(target, ContentFile(content))
                written.append(stored)
                if stored != target:  # another process stored the same photo at the same moment
                    default_storage.delete(stored)
                    written.remove(stored)
    except OSError as e:
        logger.warning("storing photo %s failed: %s", name, e)
        for each in written:
            with contextlib.suppress(OSError):  # the storage may still be down: an orphan is harmless
                default_storage.delete(each)
        raise PhotoStorageError(
            _(
                "Não foi possível guardar a foto agora: o armazenamento de fotos não respondeu. Nada foi "
                "salvo; tente de novo em alguns minutos."
            )
        ) from e
    return name


def photo_delete(name: str) -> None:
    """Remove a photo (and its 2× copy, for uploaded ones) from the storage.

    Called once no item uses the photo any more: with the storage down the file just stays (logged), as
    the item's change is already saved.
    """
    names = [name]
    if name.endswith(PHOTO_1X_SUFFIX):
        names.append(name[: -len(PHOTO_1X_SUFFIX)] + PHOTO_2X_SUFFIX)
    for each in names:
        try:
            if default_storage.exists(each):
                default_storage.delete(each)
        except OSError as e:
            logger.warning("could not delete the unused photo %s: %s", each, e)
