"""What search engines and social networks read on the article page."""

import datetime
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.images import rendition_name
from articles.models import Tag
from articles.seo import share_image
from articles.tests.test_see_also import jpeg_bytes


class HeadReader(HTMLParser):
    """Collects <title>, <meta>, <link> and JSON-LD scripts as a browser or a crawler sees them."""

    def __init__(self):
        super().__init__()
        self.title = ""
        self.meta = {}
        self.links = []
        self.json_ld = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in = "title"
        elif tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta.setdefault(key, []).append(attrs.get("content"))
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "json"
            self.json_ld.append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "json":
            self.json_ld[-1] += data


def read_head(client, url):
    response = client.get(url)
    assert response.status_code == 200
    reader = HeadReader()
    reader.feed(response.content.decode())
    return reader


@pytest.fixture
def article(make_article):
    item = make_article(
        title_ar="المغرب يحتضن مؤتمر الأنتربول",
        lead_ar="يحتضن المغرب الدورة المقبلة من المؤتمر.",
        title_fr="Le Maroc accueille le congrès d'Interpol",
        lead_fr="Le Maroc accueille la prochaine session.",
        byline="سعيد الصحفي",
    )
    item.image = SimpleUploadedFile("photo.jpg", jpeg_bytes(700, 394), content_type="image/jpeg")
    item.save()
    item.tags.add(
        Tag.objects.create(name_ar="الأمن", name_fr="Sécurité"),
        through_defaults={"article_published_at": item.published_at},
    )
    return item


def test_title_description_and_canonical(client, article):
    head = read_head(client, article.get_absolute_url())
    assert head.title == "المغرب يحتضن مؤتمر الأنتربول | كواليس اليوم"
    assert head.meta["description"] == ["يحتضن المغرب الدورة المقبلة من المؤتمر."]
    canonical = [link["href"] for link in head.links if link.get("rel") == "canonical"]
    assert canonical == [f"http://127.0.0.1:8000{article.get_absolute_url()}"]


def test_hreflang_alternates_name_only_real_translations_and_x_default(client, article):
    path = article.get_absolute_url()
    head = read_head(client, f"/fr{path}")
    alternates = {
        link["hreflang"]: link["href"]
        for link in head.links
        if link.get("rel") == "alternate" and "hreflang" in link
    }
    arabic = f"http://127.0.0.1:8000{path}"
    assert alternates == {
        "ar": arabic,
        "fr": f"http://127.0.0.1:8000/fr{path}",
        "x-default": arabic,
    }


def test_a_page_shown_in_arabic_for_want_of_a_translation_is_canonical_in_arabic(client, make_article):
    item = make_article(title_ar="بالعربية فقط")
    path = item.get_absolute_url()
    head = read_head(client, f"/en{path}")
    assert [link["href"] for link in head.links if link.get("rel") == "canonical"] == [
        f"http://127.0.0.1:8000{path}"
    ]
    assert head.meta["og:locale"] == ["ar_MA"]


def test_open_graph_and_twitter_cards_carry_the_absolute_image(client, article):
    path = article.get_absolute_url()
    head = read_head(client, f"/fr{path}")
    image = f"http://127.0.0.1:8000{share_image(article)[0]}"
    assert image.endswith("/700.jpg")  # the JPEG rendition, not the upload itself
    assert article.image.storage.exists(rendition_name(article.image.name, 700, "jpg"))
    assert head.meta["og:type"] == ["article"]
    assert head.meta["og:title"] == ["Le Maroc accueille le congrès d'Interpol"]
    assert head.meta["og:description"] == ["Le Maroc accueille la prochaine session."]
    assert head.meta["og:url"] == [f"http://127.0.0.1:8000/fr{path}"]
    assert head.meta["og:locale"] == ["fr_MA"]
    assert head.meta["og:locale:alternate"] == ["ar_MA"]
    assert head.meta["og:image"] == [image]
    assert head.meta["og:image:width"] == ["700"]
    assert head.meta["og:image:height"] == ["394"]
    assert head.meta["article:tag"] == ["Sécurité"]
    assert head.meta["twitter:card"] == ["summary_large_image"]
    assert head.meta["twitter:image"] == [image]
    assert head.meta["twitter:title"] == head.meta["og:title"]


def test_shared_cards_describe_the_image_with_its_alt_text_else_its_caption(client, article):
    path = article.get_absolute_url()
    article.image_alt_fr = "Des policiers devant un bâtiment officiel"
    article.save()

    assert read_head(client, f"/fr{path}").meta["og:image:alt"] == [
        "Des policiers devant un bâtiment officiel"
    ]
    arabic = read_head(client, path).meta.get("og:image:alt")
    assert arabic == ([article.image_caption_ar] if article.image_caption_ar else None)


def test_editors_seo_overrides_win_in_their_language_only(client, article):
    article.seo_title_ar = "عنوان لمحركات البحث"
    article.seo_description_ar = "وصف مخصص لمحركات البحث."
    article.save()
    arabic = read_head(client, article.get_absolute_url())
    assert arabic.title == "عنوان لمحركات البحث | كواليس اليوم"
    assert arabic.meta["description"] == ["وصف مخصص لمحركات البحث."]
    assert arabic.meta["og:title"] == ["عنوان لمحركات البحث"]
    french = read_head(client, f"/fr{article.get_absolute_url()}")
    assert french.title == "Le Maroc accueille le congrès d'Interpol | كواليس اليوم"
    assert french.meta["description"] == ["Le Maroc accueille la prochaine session."]


def test_json_ld_news_article_has_the_fields_google_reads(client, article):
    head = read_head(client, article.get_absolute_url())
    assert len(head.json_ld) == 1
    data = json.loads(head.json_ld[0])
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "المغرب يحتضن مؤتمر الأنتربول"
    assert datetime.datetime.fromisoformat(data["datePublished"]) == article.published_at
    assert datetime.datetime.fromisoformat(data["dateModified"]) >= article.published_at
    assert data["author"] == [{"@type": "Person", "name": "سعيد الصحفي"}]
    assert data["image"] == [f"http://127.0.0.1:8000{share_image(article)[0]}"]
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["name"] == "كواليس اليوم"
    assert data["publisher"]["logo"]["url"] == "http://127.0.0.1:8000/static/img/logo.svg"
    assert data["inLanguage"] == "ar"
    assert data["mainEntityOfPage"]["@id"] == f"http://127.0.0.1:8000{article.get_absolute_url()}"
    assert data["keywords"] == ["الأمن"]


def test_json_ld_headline_is_at_most_110_characters_and_without_image_when_there_is_none(
    client, make_article
):
    item = make_article(title_ar="خبر " * 60)
    data = json.loads(read_head(client, item.get_absolute_url()).json_ld[0])
    assert len(data["headline"]) <= 110
    assert "image" not in data
    assert data["author"] == [
        {"@type": "Organization", "name": "كواليس اليوم", "url": "http://127.0.0.1:8000/"}
    ]


def test_a_title_cannot_break_out_of_the_json_ld_script(client, make_article):
    hostile = 'x</script><script>alert("pwned")</script><!--'
    item = make_article(title_ar=hostile)
    html = client.get(item.get_absolute_url()).content.decode()
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in script
    assert json.loads(script)["headline"] == hostile
    assert "<script>alert" not in html


def test_site_logo_is_a_served_static_file(client, db):
    from django.contrib.staticfiles import finders

    path = finders.find("img/logo.svg")
    assert path
    with open(path, encoding="utf-8") as logo:
        assert logo.read().lstrip().startswith("<svg")


def test_share_image_is_the_rendition_closest_under_1280_pixels(make_article):
    item = make_article()
    item.image = SimpleUploadedFile("wide.jpg", jpeg_bytes(1500, 750), content_type="image/jpeg")
    item.save()
    url, width, height = share_image(item)
    assert (width, height) == (1280, 640)
    assert url.endswith("/1280.jpg")
