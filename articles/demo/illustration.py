"""The demo's illustration: an abstract picture drawn with Pillow, so the demo shows the image
pipeline (renditions, <picture>) without a photograph that could be taken for the real event."""

import io

from PIL import Image, ImageDraw, ImageOps

WIDTH, HEIGHT = 1600, 900

CAPTION_AR = "رسم توضيحي تجريدي لا يصوّر الحدث"
# Per language: the credit is printed under the picture in the reader's language.
CREDITS = {"ar": "محتوى تجريبي", "fr": "Contenu de démonstration", "en": "Demo content"}


def abstract_illustration():
    """JPEG bytes of the same abstract picture every time (no randomness: load_demo is idempotent)."""
    # A diagonal gradient: a vertical one, turned, cut out of its middle (no empty corners).
    side = 2000
    gradient = Image.linear_gradient("L").resize((side, side)).rotate(-60, resample=Image.Resampling.BICUBIC)
    left, top = (side - WIDTH) // 2, (side - HEIGHT) // 2
    gradient = gradient.crop((left, top, left + WIDTH, top + HEIGHT))
    image = ImageOps.colorize(gradient, black="#3a0a0e", white="#d8c9b0", mid="#b3121b").convert("RGB")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for step in range(9):
        radius = 120 + step * 70
        centre = (WIDTH * 0.72, HEIGHT * 0.38)
        box = [centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius]
        draw.ellipse(box, outline=(255, 255, 255, 70 - step * 6), width=6)
    for step in range(6):
        offset = step * 150
        draw.polygon(
            [(offset - 400, HEIGHT), (offset - 250, HEIGHT), (offset + 350, 0), (offset + 200, 0)],
            fill=(20, 20, 20, 28),
        )
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()
