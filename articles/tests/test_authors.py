"""Authors: a byline readers can follow to a page of the author's articles, for search engines a
Person, in the feeds; picked by editors in the admin. Agencies and guests keep the free text."""

import json
import re
from xml.etree import ElementTree

import pytest

from articles.models import Article, Author


@pytest.fixture
def said(db):
    return Author.objects.create(name_ar="سعيد الصحفي", name_fr="Saïd Journaliste", bio_ar="صحفي سياسي.")


@pytest.fixture
def nadia(db):
    return Author.objects.create(name_ar="نادية الكاتبة")


def byline_of(html):
    return re.search(
        r'<span class="byline">(.*?)</span></p>|<span class="byline"[^>]*>.*?</span>', html, re.S
    ).group(0)


def test_the_article_page_links_each_author_then_names_the_agency(client, make_article, said, nadia):
    article = make_article(byline="و.م.ع")
    article.authors.add(said, nadia)

    html = client.get(article.get_absolute_url()).content.decode()

    assert f'<a href="{said.get_absolute_url()}" rel="author">سعيد الصحفي</a>' in html
    assert f'<a href="{nadia.get_absolute_url()}" rel="author">نادية الكاتبة</a>' in html
    assert html.index("سعيد الصحفي") < html.index("و.م.ع")


def test_the_french_page_names_the_author_in_french_and_falls_back_to_arabic(
    client, make_article, said, nadia
):
    article = make_article(title_fr="Un article")
    article.authors.add(said, nadia)
    said_url = said.get_absolute_url()

    html = client.get(f"/fr{article.get_absolute_url()}").content.decode()

    assert f'href="/fr{said_url}" rel="author">Saïd Journaliste</a>' in html
    assert 'rel="author" lang="ar" dir="rtl">نادية الكاتبة</a>' in html


def test_the_author_page_lists_their_published_articles_newest_first(client, make_article, said):
    first, second = make_article(title_ar="الأول"), make_article(title_ar="الثاني")
    draft = make_article(title_ar="مسودة", status=Article.Status.DRAFT)
    other = make_article(title_ar="لغيره")
    for article in (first, second, draft):
        article.authors.add(said)

    response = client.get(said.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and "سعيد الصحفي" in html and "صحفي سياسي." in html
    assert [article.pk for article in response.context["page"]] == [first.pk, second.pk]
    assert other.title_ar not in html and draft.title_ar not in html


def test_the_author_page_in_french_lists_only_their_french_articles(client, make_article, said):
    translated, arabic_only = make_article(title_fr="Traduit"), make_article()
    translated.authors.add(said)
    arabic_only.authors.add(said)

    page = client.get(f"/fr{said.get_absolute_url()}").context["page"]

    assert list(page) == [translated]


def test_an_unknown_author_is_404_until_one_takes_that_address(client, db):
    assert client.get("/author/nobody/").status_code == 404

    Author.objects.create(name_ar="أحد", slug="nobody")

    assert client.get("/author/nobody/").status_code == 200


def test_stored_pages_follow_authors_added_renamed_and_removed(client, make_article, said):
    article = make_article(title_ar="مقال يتغير كاتبه")
    client.get(said.get_absolute_url()), client.get(article.get_absolute_url())  # both stored

    article.authors.add(said)
    assert article.title_ar in client.get(said.get_absolute_url()).content.decode()
    assert "سعيد الصحفي" in client.get(article.get_absolute_url()).content.decode()

    said.name_ar = "سعيد المراسل"
    said.save()
    assert "سعيد المراسل" in client.get(article.get_absolute_url()).content.decode()

    article.authors.remove(said)
    assert article.title_ar not in client.get(said.get_absolute_url()).content.decode()
    assert "سعيد المراسل" not in client.get(article.get_absolute_url()).content.decode()


def test_unpublishing_takes_the_article_off_its_authors_page(client, make_article, said):
    article = make_article(title_ar="سيسحب")
    article.authors.add(said)
    client.get(said.get_absolute_url())

    article.status = Article.Status.DRAFT
    article.save()

    assert article.title_ar not in client.get(said.get_absolute_url()).content.decode()


def test_structured_data_names_each_author_as_a_person_with_their_page(client, make_article, said):
    article = make_article(byline="وكالة")
    article.authors.add(said)

    html = client.get(article.get_absolute_url()).content.decode()

    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    authors = json.loads(script)["author"]
    assert authors == [
        {"@type": "Person", "name": "سعيد الصحفي", "url": f"http://127.0.0.1:8000{said.get_absolute_url()}"},
        {"@type": "Person", "name": "وكالة"},
    ]


def test_feeds_name_the_authors(client, make_article, said):
    article = make_article(byline="وكالة")
    article.authors.add(said)

    rss = ElementTree.fromstring(client.get("/feeds/rss/").content)  # noqa: S314 (our own feed)
    atom = ElementTree.fromstring(client.get("/feeds/atom/").content)  # noqa: S314

    creator = rss.find("channel/item/{http://purl.org/dc/elements/1.1/}creator")
    assert creator.text == "سعيد الصحفي, وكالة"
    author = atom.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}author")
    assert author.find("{http://www.w3.org/2005/Atom}uri").text.endswith(said.get_absolute_url())


def test_author_pages_are_in_the_sitemap(client, said):
    html = client.get("/sitemap-authors.xml").content.decode()

    assert f"http://127.0.0.1:8000{said.get_absolute_url()}" in html


def test_an_editor_picks_authors_by_typing_part_of_a_name(client, editor_user, said, nadia, make_category):
    from articles.tests.admin_forms import ADD_URL, article_form_data

    client.force_login(editor_user)
    found = client.get(
        "/en/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "authors", "term": "نادية"},
    ).json()
    assert [result["text"] for result in found["results"]] == ["نادية الكاتبة"]

    response = client.post(ADD_URL, {**article_form_data(make_category()), "authors": [said.pk, nadia.pk]})

    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(Article.objects.get().authors.all()) == {said, nadia}


def test_an_editor_adds_an_author_with_a_photo_cleaned_of_its_metadata(client, editor_user):
    from PIL import Image

    from articles.tests.image_files import phone_photo_exif, photo_bytes, upload

    client.force_login(editor_user)
    response = client.post(
        "/en/admin/articles/author/add/",
        {
            "name_ar": "كاتب جديد",
            "slug": "",
            "photo": upload(photo_bytes(size=(300, 300), exif=phone_photo_exif())),
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    author = Author.objects.get()
    assert author.slug == "كاتب-جديد"
    with author.photo.open() as stored:
        assert not Image.open(stored).getexif()


def card_bylines(html):
    found = re.findall(r'<span class="card-byline">(.*?)</span> ·', html)
    return [re.sub(r"<[^>]+>", "", match) for match in found]


def test_cards_name_the_authors_then_the_agency(client, make_article, make_category, said, nadia):
    section = make_category(slug="politics")
    signed = make_article(title_ar="بقلم اثنين", byline="و.م.ع", category=section)
    signed.authors.add(said, nadia)
    make_article(title_ar="وكالة فقط", byline="و.م.ع", category=section)
    make_article(title_ar="بلا توقيع", category=section)

    for path in ["/", section.get_absolute_url()]:
        bylines = card_bylines(client.get(path).content.decode())
        assert bylines == ["سعيد الصحفي، نادية الكاتبة، و.م.ع", "و.م.ع"], path


def test_a_renamed_author_is_renamed_on_the_stored_cards(client, make_article, said):
    make_article().authors.add(said)
    assert card_bylines(client.get("/").content.decode()) == ["سعيد الصحفي"]  # now stored
    said.name_ar = "سعيد الكاتب"
    said.save()
    assert card_bylines(client.get("/").content.decode()) == ["سعيد الكاتب"]


@pytest.mark.parametrize("path", ["/", "/category/politics/", "/author/said/"])
def test_card_bylines_cost_one_query_per_list_however_many_cards(
    client, make_article, make_category, said, nadia, path
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    said.slug = "said"
    said.save()
    section = make_category(slug="politics")

    def queries():
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    make_article(category=section).authors.add(said)
    one = queries()
    for _ in range(8):
        make_article(category=section).authors.add(said, nadia)
    assert queries() == one
