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


def _s15f16(value):
    return struct.pack(">i", round(value * 65536))


def swapped_primaries_profile(description="Camera profile of Nadia's phone"):
    """An ICC v2 RGB profile (matrix and gamma 1.0 curves) whose red channel is sRGB's green and
    whose green is sRGB's red: a pixel stored as pure red is green to a colour-managed viewer.
    Written by hand (Pillow makes only sRGB), per ICC.1:2001-04; its description is the kind of
    personal text a profile may carry."""
    srgb_primaries = {  # D50-adapted XYZ of sRGB's primaries, as in every sRGB profile
        "red": (0.4361, 0.2225, 0.0139),
        "green": (0.3851, 0.7169, 0.0971),
        "blue": (0.1431, 0.0606, 0.7141),
    }

    def xyz(values):
        return b"XYZ " + b"\0" * 4 + b"".join(_s15f16(value) for value in values)

    def curve():
        return b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 256) + b"\0\0"  # gamma 1.0

    text = description.encode("ascii") + b"\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text + b"\0" * 4 + b"\0" * 4 + b"\0" * 70
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(srgb_primaries["green"])),
        (b"gXYZ", xyz(srgb_primaries["red"])),
        (b"bXYZ", xyz(srgb_primaries["blue"])),
        (b"rTRC", curve()),
        (b"gTRC", curve()),
        (b"bTRC", curve()),
        (b"cprt", b"text" + b"\0" * 4 + b"Private\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"mntr"
        + b"RGB "
        + b"XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"APPL"
        + b"\0" * 4
        + b"\0" * 8
        + b"\0" * 8
        + b"\0" * 4
        + _s15f16(0.9642)
        + _s15f16(1.0)
        + _s15f16(0.8249)
        + b"\0" * 4
        + b"\0" * 16
        + b"\0" * 28
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data
