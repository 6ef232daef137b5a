"""Article images: bad uploads refused with nothing saved, EXIF cleaned, renditions and <picture>."""

import io
import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from PIL import Image

from articles import images
from articles.load_data import IMAGE_SIZE, load_test_images
from articles.models import Article

from .admin_forms import ADD_URL, article_form_data, change_url
from .image_files import (
    GPS_IFD,
    ORIENTATION,
    phone_photo_exif,
    photo_bytes,
    png_header_only,
    swapped_primaries_profile,
    upload,
)


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def post_article_with_image(client, category, image_upload):
    return client.post(ADD_URL, article_form_data(category, image=image_upload))


BAD_UPLOADS = {
    "not an image": (
        lambda: upload(b"%PDF-1.7\n1 0 obj << >> endobj\n", "report.pdf", "application/pdf"),
        "not_an_image",
    ),
    "text with an image extension": (
        lambda: upload(b"just some text, not a photo\n" * 20, "photo.jpg"),
        "not_an_image",
    ),
    "truncated": (lambda: upload(photo_bytes(size=(800, 600), quality=95)[:4000], "cut.jpg"), "truncated"),
    "decompression bomb": (
        lambda: upload(png_header_only(30_000, 30_000), "bomb.png", "image/png"),
        "far_too_many_pixels",
    ),
    "too many pixels": (
        lambda: upload(png_header_only(8_000, 8_000), "huge.png", "image/png"),
        "too_many_pixels",
    ),
    "unsupported format": (
        lambda: upload(photo_bytes(size=(40, 30), image_format="BMP"), "old.bmp", "image/bmp"),
        "unsupported",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_UPLOADS))
def test_bad_image_gives_a_form_error_and_saves_nothing(client, editor_user, make_category, settings, kind):
    make_upload, code = BAD_UPLOADS[kind]
    category = make_category()
    client.force_login(editor_user)

    response = post_article_with_image(client, category, make_upload())

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [error.code for error in errors["image"]] == [code]
    assert not Article.objects.exists()
    assert stored_files(settings) == []


def test_image_over_the_byte_limit_is_refused(client, editor_user, make_category, settings):
    settings.ARTICLE_IMAGE_MAX_BYTES = 2_000
    category = make_category()
    client.force_login(editor_user)
    response = post_article_with_image(client, category, upload(photo_bytes(size=(600, 400), quality=95)))
    errors = response.context["adminform"].form.errors.as_data()
    assert [error.code for error in errors["image"]] == ["too_large"]
    assert not Article.objects.exists()
    assert stored_files(settings) == []


def test_image_error_is_written_in_the_editors_language(client, editor_user, make_category):
    category = make_category()
    client.force_login(editor_user)
    response = post_article_with_image(client, category, upload(b"not an image at all", "x.jpg"))
    assert "هذا الملف ليس صورة يمكن قراءتها" in response.content.decode()
    response = client.post(
        f"/fr{ADD_URL}", article_form_data(category, image=upload(b"not an image at all", "x.jpg"))
    )
    assert "Ce fichier n&#x27;est pas une image lisible" in response.content.decode()


def test_pixel_limit_comes_from_the_settings(settings):
    settings.ARTICLE_IMAGE_MAX_PIXELS = 10_000
    with pytest.raises(ValidationError) as caught:
        images.clean_upload(upload(photo_bytes(size=(200, 100))))
    assert caught.value.code == "too_many_pixels"
    assert images.clean_upload(upload(photo_bytes(size=(100, 100))))


def test_phone_photo_is_turned_upright_and_loses_its_gps_position(client, editor_user, make_category):
    category = make_category()
    client.force_login(editor_user)
    # Stored sideways (200 x 100, coloured half on the left), EXIF says "turn 90° clockwise".
    photo = upload(photo_bytes(size=(200, 100), exif=phone_photo_exif(orientation=6)))

    post_article_with_image(client, category, photo)

    article = Article.objects.get()
    with default_storage.open(article.image.name) as stored:
        image = Image.open(stored)
        image.load()
    assert image.size == (100, 200)
    assert (article.image_width, article.image_height) == (100, 200)
    red, green, _blue = image.getpixel((50, 20))  # the coloured half is now on top
    assert red > 150 and green < 120
    assert image.getpixel((50, 180)) == pytest.approx((255, 255, 255), abs=8)
    exif = image.getexif()
    assert ORIENTATION not in exif
    assert exif.get_ifd(GPS_IFD) == {}
    assert "exif" not in image.info


@pytest.mark.parametrize(
    ("image_format", "name"), [("JPEG", "photo.jpg"), ("PNG", "photo.png"), ("WEBP", "p.webp")]
)
def test_an_images_colour_profile_is_applied_then_dropped(make_article, image_format, name):
    # Stored as pure red under a profile that makes it green: a reader must see green, and the
    # profile (with the text it carries) must not reach them.
    profile = swapped_primaries_profile()
    original = photo_bytes(size=(200, 100), image_format=image_format, color=(255, 0, 0), icc_profile=profile)
    assert Image.open(io.BytesIO(original)).info["icc_profile"] == profile

    article = make_article(image=images.clean_upload(upload(original, name=name)))

    with default_storage.open(article.image.name) as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert not image.info.get("icc_profile")
    assert b"Nadia" not in data
    red, green, blue = image.convert("RGB").getpixel((20, 50))
    assert green > 200 and red < 60 and blue < 60, (red, green, blue)
    for extension in ("webp", "jpg"):
        with default_storage.open(images.rendition_name(article.image.name, 200, extension)) as stored:
            rendition = Image.open(stored)
            assert not rendition.info.get("icc_profile")
            assert rendition.convert("RGB").getpixel((20, 50))[1] > 200


def test_an_unreadable_colour_profile_is_dropped_and_the_pixels_kept():
    original = photo_bytes(size=(200, 100), color=(255, 0, 0), icc_profile=b"not a profile at all" * 10)

    image = Image.open(io.BytesIO(images.clean_upload(upload(original)).read()))

    assert not image.info.get("icc_profile")
    red, green, _blue = image.getpixel((20, 50))
    assert red > 200 and green < 60


def test_renditions_exist_at_the_right_widths_and_formats(make_article):
    article = make_article(image=images.clean_upload(upload(photo_bytes(size=(1500, 1000)))))

    assert images.rendition_widths(article.image_width) == [320, 640, 960, 1280, 1500]
    for width in [320, 640, 960, 1280, 1500]:
        for extension, image_format in [("webp", "WEBP"), ("jpg", "JPEG")]:
            name = images.rendition_name(article.image.name, width, extension)
            with default_storage.open(name) as stored:
                rendition = Image.open(stored)
                assert rendition.format == image_format
                assert rendition.size == (width, round(1000 * width / 1500))
                assert not rendition.getexif()
    assert not default_storage.exists(images.rendition_name(article.image.name, 1920, "webp"))


def test_small_images_are_never_upscaled():
    assert images.rendition_widths(500) == [320, 500]
    assert images.rendition_widths(200) == [200]
    assert images.rendition_widths(4000) == [320, 640, 960, 1280, 1920]
    assert images.rendition_widths(None) == []


def test_one_jpeg_is_the_narrowest_rendition_as_wide_as_asked_else_the_widest(make_article, settings):
    article = make_article(image=images.clean_upload(upload(photo_bytes(size=(1500, 1000)))))

    def name_and_size(at_least):
        url, width, height = images.jpeg_rendition(article, at_least)
        return url.removeprefix(settings.MEDIA_URL), width, height

    assert name_and_size(640) == (images.rendition_name(article.image.name, 640, "jpg"), 640, 427)
    assert name_and_size(641) == (images.rendition_name(article.image.name, 960, "jpg"), 960, 640)
    assert name_and_size(4000) == (images.rendition_name(article.image.name, 1500, "jpg"), 1500, 1000)
    assert images.jpeg_rendition(make_article(), 640) == (None, None, None)


def test_transparent_png_gets_a_white_jpeg_fallback(make_article):
    transparent = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    buffer = io.BytesIO()
    transparent.save(buffer, format="PNG")
    article = make_article(image=images.clean_upload(upload(buffer.getvalue(), "logo.png", "image/png")))
    with default_storage.open(images.rendition_name(article.image.name, 320, "jpg")) as stored:
        assert Image.open(stored).convert("RGB").getpixel((10, 10)) == (255, 255, 255)
    with default_storage.open(images.rendition_name(article.image.name, 320, "webp")) as stored:
        assert Image.open(stored).mode == "RGBA"


def test_replacing_the_image_deletes_the_old_file_and_its_renditions(
    client, editor_user, make_category, settings, django_capture_on_commit_callbacks
):
    category = make_category()
    client.force_login(editor_user)
    post_article_with_image(client, category, upload(photo_bytes(size=(700, 500)), "first.jpg"))
    article = Article.objects.get()
    old_name = article.image.name
    old_files = stored_files(settings)
    assert len(old_files) == 1 + 3 * 2  # the image and 320/640/700 in two formats

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(article),
            article_form_data(
                category,
                published_at=article.published_at,
                title_ar=article.title_ar,
                slug=article.slug,
                image=upload(photo_bytes(size=(400, 300)), "second.jpg"),
            ),
        )
    assert response.status_code == 302

    article.refresh_from_db()
    assert article.image.name != old_name
    files = stored_files(settings)
    assert not set(old_files) & set(files)
    assert files == sorted(
        [article.image.name]
        + [images.rendition_name(article.image.name, w, ext) for w in (320, 400) for ext in ("webp", "jpg")]
    )


def test_deleting_an_article_deletes_its_image_files(
    make_article, settings, django_capture_on_commit_callbacks
):
    article = make_article(image=images.clean_upload(upload(photo_bytes(size=(400, 300)))))
    assert stored_files(settings)
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert stored_files(settings) == []


def test_the_lead_image_is_described_by_its_alt_text_in_the_readers_language_else_its_caption(
    client, make_article
):
    photo = images.clean_upload(upload(photo_bytes(size=(800, 600))))
    article = make_article(
        image=photo,
        image_caption_ar="الوزير يلقي كلمته",
        image_alt_ar="رجل في بذلة داكنة يتحدث أمام ميكروفون",
        title_fr="Le ministre",
        image_caption_fr="Le ministre prononce son discours",
    )

    def lead_alt(path):
        html = client.get(path).content.decode()
        figure = html[html.index('<figure class="article-image">') : html.index("</figure>")]
        return re.search(r'<img [^>]*alt="([^"]*)"', figure).group(1)

    assert lead_alt(article.get_absolute_url()) == "رجل في بذلة داكنة يتحدث أمام ميكروفون"
    assert (
        lead_alt(f"/fr{article.get_absolute_url()}") == "Le ministre prononce son discours"
    )  # no French alt


def test_article_page_serves_a_picture_with_renditions_and_no_layout_shift(client, make_article):
    article = make_article(
        image=images.clean_upload(upload(photo_bytes(size=(1500, 1000)))), image_caption_ar="وصف الصورة"
    )
    html = client.get(article.get_absolute_url()).content.decode()
    figure = html[html.index('<figure class="article-image">') : html.index("</figure>")]
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="([^"]+)">', figure)
    assert webp
    assert [entry.split()[-1] for entry in webp.group(1).split(", ")] == [
        "320w",
        "640w",
        "960w",
        "1280w",
        "1500w",
    ]
    assert all(".webp " in entry + " " for entry in webp.group(1).split(", "))
    img = re.search(r"<img [^>]+>", figure).group(0)
    assert 'width="1500" height="1000"' in img
    assert 'loading="eager" fetchpriority="high"' in img
    assert 'alt="وصف الصورة"' in img
    assert re.search(r'srcset="[^"]+\.jpg 320w', img)
    # Every URL in the page points at a file that exists.
    for url in re.findall(r"(/media/[^\s\"]+)", figure):
        assert default_storage.exists(url.removeprefix("/media/")), url


def test_cards_below_the_fold_load_their_images_lazily(client, make_article):
    make_article(
        title_ar="مقال مميز", is_featured=True, image=images.clean_upload(upload(photo_bytes((800, 600))))
    )
    make_article(title_ar="مقال عادي", image=images.clean_upload(upload(photo_bytes((800, 600)))))
    html = client.get("/").content.decode()
    featured = html[html.index('class="featured"') : html.index('class="latest"')]
    latest = html[html.index('class="latest"') :]
    assert 'loading="eager"' in featured
    assert 'loading="lazy"' in latest and 'loading="eager"' not in latest


def test_make_renditions_command_rewrites_missing_renditions(make_article):
    article = make_article(image=images.clean_upload(upload(photo_bytes(size=(700, 500)))))
    lost = images.rendition_name(article.image.name, 640, "webp")
    default_storage.delete(lost)
    output = StringIO()
    call_command("make_renditions", stdout=output)
    assert default_storage.exists(lost)
    assert "Renditions written for 1 image file(s)." in output.getvalue()


def test_make_renditions_command_says_which_article_numbers_are_unknown(db):
    with pytest.raises(CommandError, match="999"):
        call_command("make_renditions", "999")


def test_load_test_images_come_with_their_renditions(db):
    names = load_test_images()
    for name in names:
        for width in images.rendition_widths(IMAGE_SIZE[0]):
            assert default_storage.exists(images.rendition_name(name, width, "webp"))
            assert default_storage.exists(images.rendition_name(name, width, "jpg"))
