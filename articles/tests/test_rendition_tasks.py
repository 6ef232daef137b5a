"""Renditions are written by a background worker; until then pages show the uploaded image."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from articles import images
from articles.models import Article

from .image_files import photo_bytes, upload

pytestmark = pytest.mark.django_db(transaction=True)  # the worker needs committed rows


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def lead_image(html):
    figure = html[html.index('<figure class="article-image">') : html.index("</figure>")]
    return re.search(r"<img [^>]+>", figure).group(0), figure


def test_a_saved_photo_shows_itself_until_the_worker_has_written_its_renditions(make_article, database_queue):
    article = make_article(image=images.clean_upload(upload(photo_bytes(size=(1500, 1000)))))
    url = article.get_absolute_url()

    # The editor's save only queued the work.
    assert DBTaskResult.objects.filter(task_path__endswith="make_image_renditions").count() == 1
    assert not default_storage.exists(images.rendition_name(article.image.name, 320, "webp"))
    img, figure = lead_image(Client().get(url).content.decode())
    assert f'src="{article.image.url}"' in img  # the upload itself...
    assert 'width="1500" height="1000"' in img  # ...with its size: no layout shift
    assert "srcset" not in figure  # and no link to a file that does not exist yet

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    article.refresh_from_db()
    assert article.renditions_of == article.image.name
    img, figure = lead_image(Client().get(url).content.decode())  # the cached page was renewed
    assert 'type="image/webp"' in figure and ".jpg 320w" in img
    for path in re.findall(r"(/media/[^\s\"]+)", figure):
        assert default_storage.exists(path.removeprefix("/media/")), path


def test_a_photo_replaced_before_the_worker_came_only_gets_its_own_renditions(make_article, database_queue):
    article = make_article(image=images.clean_upload(upload(photo_bytes(size=(900, 600)))))
    first = article.image.name
    article.image = images.clean_upload(upload(photo_bytes(size=(1200, 800))))
    article.save()

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    article.refresh_from_db()
    assert article.renditions_of == article.image.name != first
    assert default_storage.exists(images.rendition_name(article.image.name, 320, "jpg"))
    assert Article.objects.filter(renditions_of=first).count() == 0
