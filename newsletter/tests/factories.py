"""Small helpers to set up subscribers and mailings."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from newsletter.models import Mailing, Subscriber


def subscriber(email, language="ar", status=Subscriber.Status.CONFIRMED, **fields):
    return Subscriber.objects.create(
        email=email, language=language, status=status, consent_text="test", **fields
    )


def queued_newsletter(articles=(), language="ar", subject="نشرة خاصة", intro="مرحبا بكم.\n\nفقرة ثانية."):
    mailing = Mailing.objects.create(subject=subject, language=language, intro=intro)
    mailing.articles.set(articles)
    mailing.queue()
    return mailing


def jpeg(name="photo.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
