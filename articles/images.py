"""Article images: what an upload must be, how it is stored, and the renditions readers get.

An upload is checked before anything is written (size, real image, supported format, pixel
count, not truncated), turned upright from its EXIF orientation, its colours converted from its
colour profile to sRGB, and re-encoded without any metadata, the profile included (a phone
photo's GPS position, or the owner's name a camera writes into its profile, must never reach a
reader; browsers take an image without a profile for sRGB). Renditions are written
beside it through Django's storage API at fixed widths, as WebP with a JPEG fallback. Their
names follow from the image's name and width, so a page finds them without a query or a
storage listing.
"""

import io
import posixpath
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# Pillow format name -> (file extension, MIME type) of what editors may upload.
ACCEPTED_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}

# Widths (CSS pixels x density) that cover phones to wide desktop screens.
RENDITION_WIDTHS = (320, 640, 960, 1280, 1920)
RENDITION_FORMATS = (("webp", "image/webp"), ("jpg", "image/jpeg"))
RENDITIONS_ROOT = "renditions"

MESSAGES = {
    "too_large": _(
        "This file is %(size)s; images may be at most %(limit)s. Export it smaller and try again."
    ),
    "not_an_image": _(
        "This file is not an image that can be read (it may be damaged or another kind of file). "
        "Upload a JPEG, PNG or WebP image."
    ),
    "unsupported": _("%(format)s images are not accepted. Upload a JPEG, PNG or WebP image."),
    "too_many_pixels": _(
        "This image is %(width)s × %(height)s pixels, more than the %(limit)s megapixels allowed. "
        "Resize it and try again."
    ),
    "far_too_many_pixels": _(
        "This image has far more pixels than the %(limit)s megapixels allowed. Resize it and try again."
    ),
    "truncated": _("This image is incomplete (the upload or the file is cut off). Upload it again."),
}


def _error(code, **params):
    return ValidationError(MESSAGES[code], code=code, params=params)


def _check_pixels(width, height):
    limit = settings.ARTICLE_IMAGE_MAX_PIXELS
    if width * height > limit:
        raise _error("too_many_pixels", width=width, height=height, limit=round(limit / 1_000_000, 1))


def clean_upload(upload):
    """Verify an uploaded image and return it upright, re-encoded, with no metadata.

    Raises ``ValidationError`` (with a message for the editor) for anything that is too big,
    not an image, of an unaccepted format, a decompression bomb or truncated. Nothing is
    written anywhere: the caller (the form) hands the result to the model when all is valid.
    """
    limit = settings.ARTICLE_IMAGE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise _error("too_large", size=filesizeformat(upload.size), limit=filesizeformat(limit))
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _error("too_large", size=filesizeformat(len(data)), limit=filesizeformat(limit))

    with warnings.catch_warnings():
        # Pillow warns above its own pixel limit; ours (settings) decides, checked below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            raise _error("far_too_many_pixels", limit=_megapixels()) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise _error("not_an_image") from exc

        if image.format not in ACCEPTED_FORMATS:
            raise _error("unsupported", format=image.format or "?")
        # Checked on the header, before a single pixel is decoded.
        _check_pixels(*image.size)

        try:
            image.verify()  # structure and checksums; the object is unusable afterwards
            image = Image.open(io.BytesIO(data))
            image.load()  # decodes every pixel: a truncated file fails here
        except Image.DecompressionBombError as exc:
            raise _error("far_too_many_pixels", limit=_megapixels()) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            code = "truncated" if "truncated" in str(exc).lower() else "not_an_image"
            raise _error(code) from exc

    image_format = image.format
    upright = ImageOps.exif_transpose(image)
    extension, content_type = ACCEPTED_FORMATS[image_format]
    stem = slugify(posixpath.splitext(posixpath.basename(upload.name or ""))[0])[:80] or "image"
    content = _encode(in_srgb(upright, image.info.get("icc_profile")), image_format)
    return SimpleUploadedFile(f"{stem}.{extension}", content, content_type=content_type)


def _megapixels():
    return f"{settings.ARTICLE_IMAGE_MAX_PIXELS / 1_000_000:g}"


SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def in_srgb(image, icc_profile):
    """``image`` with its pixels converted from ``icc_profile`` (the file's own) to sRGB.

    A wide-gamut phone photo (Display P3) or a CMYK print file keeps its colours without its
    profile, which can carry text of its own. A profile LittleCMS cannot read is ignored, as
    browsers ignore it: the pixels are then taken for sRGB already.
    """
    if not icc_profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    except (OSError, ImageCms.PyCMSError):
        return image
    alpha = _has_alpha(image)
    if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        image = image.convert("RGBA" if alpha else "RGB")
    try:
        return ImageCms.profileToProfile(image, source, SRGB, outputMode="RGBA" if alpha else "RGB")
    except ImageCms.PyCMSError:  # a profile for another colour space than the pixels'
        return image


def _encode(image, image_format, quality=90):
    """``image`` in ``image_format``, carrying no EXIF, XMP, colour profile or text chunks."""
    # Explicit empty values: some encoders otherwise copy metadata from the source's info.
    options = {"exif": b"", "xmp": b"", "icc_profile": b""}
    if image_format == "JPEG":
        image = _without_alpha(image)
        options.update(quality=quality, optimize=True, progressive=True, comment=b"")
    elif image_format == "WEBP":
        image = _for_webp(image)
        options.update(quality=quality, method=4)
    elif image_format == "PNG":
        options.update(optimize=True)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _without_alpha(image):
    """JPEG has no transparency: lay the image on white rather than let it turn black."""
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("RGB", "L"):
        return image
    return image.convert("RGB")


def _for_webp(image):
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGBA" if _has_alpha(image) else "RGB")


# --- Renditions -------------------------------------------------------------------


def rendition_widths(original_width):
    """The widths rendered for an image ``original_width`` pixels wide (never upscaled)."""
    if not original_width:
        return []
    largest = min(original_width, RENDITION_WIDTHS[-1])
    return [width for width in RENDITION_WIDTHS if width < largest] + [largest]


def renditions_folder(image_name):
    return posixpath.join(RENDITIONS_ROOT, posixpath.splitext(image_name)[0])


def rendition_name(image_name, width, extension):
    """``articles/2026/11/photo.jpg`` at 640 px in WebP -> ``renditions/articles/2026/11/photo/640.webp``."""
    return posixpath.join(renditions_folder(image_name), f"{width}.{extension}")


def rendition_height(original_width, original_height, width):
    return max(1, round(original_height * width / original_width))


def make_renditions(article):
    """Write every rendition of ``article.image`` to its storage; return the names written.

    One function so that it can later run in a background task unchanged. Files of the same
    names are replaced (a re-run after changing the widths or the quality is safe).
    """
    if not article.image:
        return []
    storage = article.image.storage
    with storage.open(article.image.name, "rb") as stored:
        source = Image.open(stored)
        profile = source.info.get("icc_profile")
        source = ImageOps.exif_transpose(source)
        source.load()
    # Images stored before profiles were converted at upload still carry theirs.
    source = in_srgb(source, profile)
    bases = {"webp": _for_webp(source), "jpg": _without_alpha(source)}
    encoders = {"webp": ("WEBP", 80), "jpg": ("JPEG", 82)}
    written = []
    for width in rendition_widths(source.width):
        size = (width, rendition_height(source.width, source.height, width))
        for extension, _mime in RENDITION_FORMATS:
            base = bases[extension]
            resized = base.resize(size, Image.Resampling.LANCZOS) if size != base.size else base
            image_format, quality = encoders[extension]
            content = _encode(resized, image_format, quality=quality)
            written.append(_replace(storage, rendition_name(article.image.name, width, extension), content))
    return written


def _replace(storage, name, content):
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(content))
    if saved != name:
        # Another process wrote the same name in between: the page would link to the wrong file.
        storage.delete(saved)
        raise RuntimeError(f"Rendition {name!r} could not be written under its own name.")
    return saved


def delete_renditions(image_name, storage):
    """Remove every rendition of ``image_name`` (whatever widths were made at the time)."""
    folder = renditions_folder(image_name)
    try:
        _folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for filename in files:
        storage.delete(posixpath.join(folder, filename))


def renditions_ready(article):
    """Whether the renditions of the article's current image have been written."""
    return bool(article.image) and article.renditions_of == article.image.name


def picture(article):
    """What ``<picture>`` needs for ``article.image``, computed from its name and size only."""
    if not article.image:
        return None
    storage = article.image.storage
    name, width, height = article.image.name, article.image_width, article.image_height
    widths = rendition_widths(width) if width and height and renditions_ready(article) else []
    if not widths:
        return {"src": storage.url(name), "width": width, "height": height, "sources": []}

    def srcset(extension):
        return ", ".join(f"{storage.url(rendition_name(name, w, extension))} {w}w" for w in widths)

    largest = widths[-1]
    # The src for browsers without srcset: a middle size, not the heaviest.
    fallback = max([w for w in widths if w <= 960] or widths[:1])
    return {
        "src": storage.url(rendition_name(name, fallback, "jpg")),
        "srcset": srcset("jpg"),
        "width": largest,
        "height": rendition_height(width, height, largest),
        # Browsers take the first <source> they support: WebP, else the <img>'s JPEG srcset.
        "sources": [{"type": "image/webp", "srcset": srcset("webp")}],
    }


def jpeg_rendition(article, at_least):
    """(address, width, height) of one file of ``article.image`` for a place that takes one image
    and may not read WebP (an e-mail): the narrowest JPEG rendition at least ``at_least`` pixels
    wide, or the widest when none is. Until the renditions are written, the uploaded image itself
    with its size, as ``picture()`` does; (None, None, None) without an image."""
    if not article.image:
        return None, None, None
    name, width, height = article.image.name, article.image_width, article.image_height
    widths = rendition_widths(width) if width and height and renditions_ready(article) else []
    if not widths:
        return article.image.url, width, height
    chosen = min([w for w in widths if w >= at_least] or widths[-1:])
    url = article.image.storage.url(rendition_name(name, chosen, "jpg"))
    return url, chosen, rendition_height(width, height, chosen)
