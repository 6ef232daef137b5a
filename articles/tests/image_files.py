"""Image files for the tests, made with Pillow in memory: good photos and every bad kind."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def photo_bytes(size=(1500, 1000), image_format="JPEG", color=(200, 60, 40), exif=None, **options):
    """A two-tone picture (left half coloured, right half white) so orientation can be checked."""
    image = Image.new("RGB", size, (255, 255, 255))
    image.paste(color, (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    if exif is not None:
        options["exif"] = exif
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def upload(content, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def phone_photo_exif(orientation=6):
    """EXIF as a phone writes it: the camera held sideways, and where the photo was taken."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation  # 6: the stored pixels must be turned 90° clockwise
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {
        1: "N",
        2: (33.0, 35.0, 22.0),
        3: "W",
        4: (7.0, 36.0, 41.0),
    }
    return exif.tobytes()


def png_header_only(width, height):
    """A PNG that claims ``width`` x ``height`` pixels in its header: a decompression bomb's shape.

    Only the header is real; whoever decodes it would have to allocate the full size first.
    """

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )
