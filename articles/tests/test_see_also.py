"""The "شاهد أيضا" (see also) block: editors' picks, the automatic fill, and what it costs."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.arabic import newsroom_date
from articles.models import Article, ArticleTag, RelatedArticle, Tag
from articles.see_also import MAX_TAGS_CONSIDERED, see_also


def jpeg_bytes(width, height):
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def hours_ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


def tag_article(article, *tags):
    article.tags.add(*tags, through_defaults={"article_published_at": article.published_at})


def pick(article, *related):
    for position, other in enumerate(related, start=1):
        RelatedArticle.objects.create(article=article, related=other, position=position)


@pytest.fixture
def category(make_category):
    return make_category()


def test_picks_come_first_in_the_editors_order(make_article, category):
    article = make_article(category=category)
    newest = make_article(category=category, published_at=hours_ago(1))
    older = make_article(published_at=hours_ago(50))
    oldest = make_article(published_at=hours_ago(90))
    pick(article, oldest, older)
    assert see_also(article, "ar", limit=3) == [oldest, older, newest]


def test_fill_takes_the_newest_of_the_same_category(make_article, category):
    article = make_article(category=category, published_at=hours_ago(5))
    old = make_article(category=category, published_at=hours_ago(30))
    new = make_article(category=category, published_at=hours_ago(2))
    middle = make_article(category=category, published_at=hours_ago(10))
    make_article(published_at=hours_ago(1))  # another category, no shared tag
    assert see_also(article, "ar", limit=3) == [new, middle, old]


def test_fill_takes_articles_sharing_a_tag_from_other_categories(make_article, category):
    tag = Tag.objects.create(name_ar="الانتخابات")
    article = make_article(category=category)
    same_tag = make_article(published_at=hours_ago(3))
    unrelated = make_article(published_at=hours_ago(1))
    same_category = make_article(category=category, published_at=hours_ago(6))
    tag_article(article, tag)
    tag_article(same_tag, tag)
    shown = see_also(article, "ar", limit=4)
    assert shown == [same_tag, same_category]
    assert unrelated not in shown


def test_never_the_article_itself_a_draft_or_a_scheduled_article(make_article, category):
    article = make_article(category=category)
    draft = make_article(category=category, status=Article.Status.DRAFT, published_at=hours_ago(1))
    scheduled = make_article(category=category, published_at=timezone.now() + datetime.timedelta(hours=3))
    visible = make_article(category=category, published_at=hours_ago(4))
    RelatedArticle.objects.create(article=article, related=draft, position=1)
    RelatedArticle.objects.create(article=article, related=scheduled, position=2)
    assert see_also(article, "ar", limit=4) == [visible]


def test_a_pick_is_not_shown_twice(make_article, category):
    tag = Tag.objects.create(name_ar="كرة القدم")
    article = make_article(category=category)
    picked = make_article(category=category, published_at=hours_ago(1))
    tag_article(article, tag)
    tag_article(picked, tag)
    pick(article, picked)
    assert see_also(article, "ar", limit=4) == [picked]


def test_fill_is_in_the_readers_language(make_article, category):
    article = make_article(category=category, title_fr="Article")
    make_article(category=category, published_at=hours_ago(1))  # Arabic only
    translated = make_article(category=category, published_at=hours_ago(2), title_fr="Traduit")
    picked_untranslated = make_article(published_at=hours_ago(3))
    pick(article, picked_untranslated)
    assert see_also(article, "fr", limit=4) == [translated]
    assert len(see_also(article, "ar", limit=4)) == 3


def test_the_limit_holds_for_picks_and_fill(make_article, category, settings):
    settings.SEE_ALSO_LIMIT = 2
    article = make_article(category=category)
    others = [make_article(category=category, published_at=hours_ago(n)) for n in range(1, 5)]
    assert see_also(article, "ar") == others[:2]
    pick(article, others[3], others[2], others[1])
    assert see_also(article, "ar") == [others[3], others[2]]


def test_tag_fill_follows_a_changed_publication_time(make_article, category):
    tag = Tag.objects.create(name_ar="الاقتصاد")
    article = make_article(category=category)
    first = make_article(published_at=hours_ago(1))
    second = make_article(published_at=hours_ago(2))
    for item in (article, first, second):
        tag_article(item, tag)
    second.published_at = timezone.now() - datetime.timedelta(minutes=1)
    second.save()
    assert see_also(article, "ar", limit=1) == [second]


def test_block_is_absent_when_there_is_nothing_to_show(client, make_article):
    article = make_article()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "see-also" not in html
    assert "شاهد أيضا" not in html


def test_block_shows_title_date_and_thumbnail(client, make_article, category):
    from django.core.files.uploadedfile import SimpleUploadedFile

    article = make_article(category=category)
    related = make_article(category=category, title_ar="مقال ذو صلة", published_at=hours_ago(1))
    related.image = SimpleUploadedFile("photo.jpg", jpeg_bytes(40, 30), content_type="image/jpeg")
    related.save()
    html = client.get(article.get_absolute_url()).content.decode()
    block = html[html.index('class="see-also"') :]
    assert "شاهد أيضا" in block
    assert "مقال ذو صلة" in block
    assert related.get_absolute_url() in block
    assert 'loading="lazy"' in block
    assert 'width="40" height="30"' in block
    assert newsroom_date(related.published_at, "ar", with_time=False) in block


def _queries_for_article_page(client, article):
    from django.core.cache import cache

    cache.clear()  # the page from an empty readers' cache: all of its parts rendered
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def _archive(make_article, category, tags, size):
    for n in range(size):
        item = make_article(category=category, published_at=hours_ago(n + 10))
        tag_article(item, *tags)


def test_page_queries_are_bounded_and_do_not_grow_with_the_archive(client, make_article, category):
    tags = [Tag.objects.create(name_ar=f"وسم {n}") for n in range(5)]
    article = make_article(category=category)
    tag_article(article, *tags)
    _archive(make_article, category, tags, 3)
    small = _queries_for_article_page(client, article)
    _archive(make_article, category, tags, 40)
    large = _queries_for_article_page(client, article)
    assert large == small
    pick(article, *Article.objects.exclude(pk=article.pk)[:2])
    article = Article.objects.prefetch_related("tags").get(pk=article.pk)  # as the page has it
    with CaptureQueriesContext(connection) as queries:
        shown = see_also(article, "ar")
    assert len(shown) == 4
    if connection.features.supports_slicing_ordering_in_compound:  # PostgreSQL: one UNION ALL
        assert len(queries) == 2
    else:  # SQLite: the same limited reads one by one
        assert len(queries) == 3 + MAX_TAGS_CONSIDERED


def test_generated_load_data_is_tagged_and_searchable(db):
    from io import StringIO

    from django.core.management import call_command

    from articles.search import query_terms

    call_command("generate_load_data", "--articles", "30", "--seed", "1", stdout=StringIO())
    fake = Article.objects.filter(category__slug__startswith="load-test-")
    assert ArticleTag.objects.filter(article__in=fake).count() == 60
    assert all(link.article_published_at == link.article.published_at for link in ArticleTag.objects.all())
    economy = Article.objects.published().search(query_terms("الاقتصاد"), "ar")
    assert economy.exists()
    assert Article.objects.published().search(query_terms("economie"), "fr").exists()
    article = fake.published().first()
    shown = see_also(article, "ar")
    assert shown
    tags = set(article.tags.all())
    assert all(other.category_id == article.category_id or tags & set(other.tags.all()) for other in shown)
