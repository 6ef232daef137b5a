"""generate_load_data: fast fake content for benchmarks, plainly labelled, refusing real sites."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from articles.models import Article
from kawalis.readercache.testing import tag_versions


def generate(*args):
    out = io.StringIO()
    call_command("generate_load_data", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_generates_the_asked_number_of_fake_translated_articles_in_small_batches():
    output = generate("--articles", "45", "--batch-size", "10")

    assert Article.objects.count() == 45
    assert "articles: 45 rows" in output
    assert not Article.objects.exclude(title_ar__startswith="[بيانات تجريبية]").exists()
    assert Article.objects.filter(title_fr__startswith="[Données de test]").count() == 45
    assert Article.objects.filter(title_en__startswith="[Load test]").count() == 30
    assert Article.objects.published().count() > 40


@pytest.mark.django_db
def test_generated_articles_have_real_images_and_readable_pages(client):
    generate("--articles", "10")

    article = Article.objects.published().exclude(image="").first()
    assert default_storage.exists(article.image.name)
    with default_storage.open(article.image.name) as image:
        assert image.read(3) == b"\xff\xd8\xff"  # a JPEG
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "[بيانات تجريبية]" in response.content.decode()


@pytest.mark.django_db
def test_running_again_adds_more_with_new_numbers():
    generate("--articles", "5")
    generate("--articles", "5")

    titles = set(Article.objects.values_list("title_ar", flat=True))
    assert len(titles) == 10


@pytest.mark.django_db
def test_new_load_data_makes_cached_reader_pages_stale():
    before = tag_versions("site")
    generate("--articles", "3")
    assert tag_versions("site") != before


@pytest.mark.django_db
def test_refuses_to_mix_fake_articles_into_real_content(make_article):
    make_article(title_ar="خبر حقيقي")

    with pytest.raises(CommandError, match="real articles"):
        generate("--articles", "5")
    assert Article.objects.count() == 1

    generate("--articles", "5", "--force")
    assert Article.objects.count() == 6


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--articles", "-3"], "negative"),
        (["--articles", "many"], "not a whole number"),
        ([], "Nothing to generate"),
        (["--articles", "3", "--batch-size", "0"], "at least 1"),
    ],
)
@pytest.mark.django_db
def test_bad_arguments_stop_with_one_clear_line(arguments, message):
    with pytest.raises(CommandError, match=message):
        generate(*arguments)
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_a_part_whose_app_is_not_there_is_skipped_with_a_message(monkeypatch):
    from kawalis import load_data

    load_data.generators()  # import every app's generator first, then take one away
    monkeypatch.delitem(load_data._registry, "subscribers", raising=False)

    output = generate("--articles", "2", "--subscribers", "5")

    assert "--subscribers: skipped" in output
    assert Article.objects.count() == 2
