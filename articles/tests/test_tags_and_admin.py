"""Tags (translated, with their pages) and the editors' admin for tags and "see also"."""

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleTag, RelatedArticle, Tag
from kawalis.readercache.testing import tag_versions


def test_tag_page_lists_its_published_articles_newest_first(client, make_article):
    tag = Tag.objects.create(name_ar="الرياضة", name_fr="Sport")
    older = make_article(title_ar="مقال أقدم")
    newer = make_article(title_ar="مقال أحدث")
    older.published_at = older.published_at.replace(year=older.published_at.year - 1)
    older.save()
    draft = make_article(title_ar="مسودة موسومة", status=Article.Status.DRAFT)
    for item in (older, newer, draft):
        item.tags.add(tag, through_defaults={"article_published_at": item.published_at})
    make_article(title_ar="بلا وسم")
    response = client.get(tag.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and "الرياضة" in html
    assert html.index("مقال أحدث") < html.index("مقال أقدم")
    assert "مسودة موسومة" not in html
    assert "بلا وسم" not in html


def test_tag_name_is_translated_and_slug_is_filled_from_arabic(client, db):
    tag = Tag.objects.create(name_ar="الانتخابات التشريعية", name_fr="Législatives")
    assert tag.slug == "الانتخابات-التشريعية"
    html = client.get(f"/fr{tag.get_absolute_url()}").content.decode()
    assert "Législatives" in html


def test_tag_page_paginates_and_survives_bad_page_numbers(client, make_article, settings):
    settings.ARTICLES_PER_PAGE = 1
    tag = Tag.objects.create(name_ar="وسم")
    for _n in range(3):
        item = make_article()
        item.tags.add(tag, through_defaults={"article_published_at": item.published_at})
    assert client.get(tag.get_absolute_url(), {"page": "2"}).status_code == 200
    for value in ["abc", "99999", "1" * 40]:
        assert client.get(tag.get_absolute_url(), {"page": value}).status_code == 404


def test_unknown_tag_is_404(client, db):
    assert client.get("/tag/nothing/").status_code == 404


def test_article_page_links_its_tags(client, make_article):
    tag = Tag.objects.create(name_ar="المغرب")
    article = make_article()
    article.tags.add(tag, through_defaults={"article_published_at": article.published_at})
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'<a href="{tag.get_absolute_url()}" rel="tag">المغرب</a>' in html


# --- admin -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The editor's password is hashed once per test; the production hasher is slow by design.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def article_form_data(article, tags=(), related=(), initial_rows=0):
    """The POST an editor's browser sends from the article change form."""
    data = {
        "title_ar": article.title_ar,
        "slug": article.slug,
        "lead_ar": "",
        "body_ar": article.body_ar,
        "category": article.category_id,
        "status": article.status,
        "published_at_0": timezone.localtime(article.published_at).strftime("%Y-%m-%d"),
        "published_at_1": timezone.localtime(article.published_at).strftime("%H:%M:%S"),
        "comments_open": "on",
        "tag_list": [tag.pk for tag in tags],
        "related_links-TOTAL_FORMS": str(len(related)),
        "related_links-INITIAL_FORMS": str(initial_rows),
        "related_links-MIN_NUM_FORMS": "0",
        "related_links-MAX_NUM_FORMS": "4",
    }
    for index, row in enumerate(related):
        for key, value in row.items():
            data[f"related_links-{index}-{key}"] = value
    return data


def change(client, article, **kwargs):
    url = reverse("admin:articles_article_change", args=[article.pk])
    return client.post(url, article_form_data(article, **kwargs))


@pytest.fixture
def editor(client, editor_user):
    client.force_login(editor_user)
    return client


def test_editor_saves_tags_and_picks_in_order(editor, make_article):
    article = make_article()
    first, second = make_article(), make_article()
    tag = Tag.objects.create(name_ar="السياسة")
    version = tag_versions(f"article:{article.pk}", f"articles:tag:{tag.pk}")
    response = change(
        editor,
        article,
        tags=[tag],
        related=[{"related": second.pk, "position": "1"}, {"related": first.pk, "position": "2"}],
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert list(article.tags.all()) == [tag]
    article.refresh_from_db()
    assert ArticleTag.objects.get(article=article).article_published_at == article.published_at
    assert [link.related for link in article.related_links.all()] == [second, first]
    assert tag_versions(*version)[f"article:{article.pk}"] != version[f"article:{article.pk}"]
    assert tag_versions(*version)[f"articles:tag:{tag.pk}"] != version[f"articles:tag:{tag.pk}"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("self", "لا يمكن ربط مقال بنفسه."),
        ("twice", "هذا المقال موجود في القائمة."),
        ("too-many", "لا يمكن اختيار أكثر من 4 من المقالات ذات الصلة"),
    ],
)
def test_editor_gets_a_clear_error_for_bad_picks(editor, make_article, rows, message):
    article = make_article()
    others = [make_article() for _n in range(5)]
    related = {
        "self": [{"related": article.pk}],
        "twice": [{"related": others[0].pk}, {"related": others[0].pk}],
        "too-many": [{"related": other.pk} for other in others],
    }[rows]
    response = change(editor, article, related=related)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RelatedArticle.objects.exists()


def test_link_back_adds_the_reverse_pick(editor, make_article):
    article = make_article()
    other = make_article()
    RelatedArticle.objects.create(article=other, related=make_article(), position=3)
    response = change(editor, article, related=[{"related": other.pk, "link_back": "on"}])
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    back = other.related_links.get(related=article)
    assert back.position == 4


def test_link_back_is_refused_with_a_warning_when_the_other_list_is_full(editor, make_article, settings):
    settings.SEE_ALSO_LIMIT = 1
    article = make_article()
    other = make_article()
    RelatedArticle.objects.create(article=other, related=make_article(), position=1)
    response = change(editor, article, related=[{"related": other.pk, "link_back": "on"}])
    assert response.status_code == 302
    assert not other.related_links.filter(related=article).exists()
    follow = editor.get(response["Location"])
    assert "لم يضف الرابط العكسي" in follow.content.decode()


def test_related_article_autocomplete_searches_translated_titles(editor, make_article):
    make_article(title_ar="زيارة ملكية", title_fr="Visite royale")
    make_article(title_ar="أخبار أخرى")
    url = reverse("admin:autocomplete")
    response = editor.get(
        url,
        {"term": "royale", "app_label": "articles", "model_name": "relatedarticle", "field_name": "related"},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["زيارة ملكية"]


def test_editor_can_manage_tags(editor):
    response = editor.post(
        reverse("admin:articles_tag_add"), {"name_ar": "الثقافة", "name_fr": "Culture", "slug": "culture"}
    )
    assert response.status_code == 302
    assert Tag.objects.get(slug="culture").name_fr == "Culture"
