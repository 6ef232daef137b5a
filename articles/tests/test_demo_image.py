"""The demo's seed article carries an abstract illustration, plainly credited, through the pipeline."""

from django.core.files.storage import default_storage
from django.core.management import call_command

from articles import images
from articles.demo import content, illustration
from articles.models import Article


def load_demo():
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_seed_article_gets_a_credited_illustration_with_renditions(client, db, settings):
    load_demo()
    title, _paragraphs = content.read_seed()
    seed = Article.objects.get(title_ar=title)
    assert seed.image_credit == illustration.CREDITS["ar"]
    assert seed.image_caption_ar == illustration.CAPTION_AR
    assert (seed.image_width, seed.image_height) == (illustration.WIDTH, illustration.HEIGHT)
    for width in images.rendition_widths(seed.image_width):
        assert default_storage.exists(images.rendition_name(seed.image.name, width, "webp"))
    html = client.get(seed.get_absolute_url()).content.decode()
    assert "<picture>" in html and illustration.CREDITS["ar"] in html


def test_loading_the_demo_again_keeps_the_same_image_files(db, settings):
    load_demo()
    files = sorted(path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file())
    load_demo()
    assert sorted(path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()) == files
