"""Sections with subcategories: the menu shows the top ones, a section's page lists its own and
its subcategories' articles under a breadcrumb, and no section can sit under itself."""

import json
import re

import pytest
from django.core.exceptions import ValidationError

from articles.models import Article


@pytest.fixture
def regions(make_category):
    regions = make_category(slug="regions", name_ar="جهات")
    rabat = make_category(slug="rabat", name_ar="الرباط", parent=regions)
    sale = make_category(slug="sale", name_ar="سلا", parent=rabat)
    return regions, rabat, sale


def test_menu_lists_only_top_level_sections(client, regions, make_article):
    make_article()
    menu = client.get("/").content.decode().split('class="category-menu"', 1)[1].split("</nav>", 1)[0]
    assert "/category/regions/" in menu
    assert "/category/rabat/" not in menu and "/category/sale/" not in menu


def test_section_page_lists_its_subcategories_articles_newest_first(client, regions, make_article):
    top, rabat, sale = regions
    make_article(title_ar="خبر من سلا", category=sale)
    make_article(title_ar="خبر من الرباط", category=rabat)
    make_article(title_ar="خبر الجهات", category=top)
    make_article(title_ar="خبر آخر")

    html = client.get("/category/regions/").content.decode()
    assert html.index("خبر من سلا") < html.index("خبر من الرباط") < html.index("خبر الجهات")
    assert "خبر آخر" not in html
    rabat_page = client.get("/category/rabat/").content.decode()
    assert "خبر من سلا" in rabat_page and "خبر من الرباط" in rabat_page and "خبر الجهات" not in rabat_page
    assert "خبر من الرباط" not in client.get("/category/sale/").content.decode()


def test_subcategory_page_has_a_breadcrumb_and_a_breadcrumb_list(client, regions, make_article):
    _top, _rabat, sale = regions
    make_article(category=sale)
    html = client.get("/category/sale/").content.decode()
    trail = html.split('class="breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="([^"]+)"', trail) == [
        "/",
        "/category/regions/",
        "/category/rabat/",
        "/category/sale/",
    ]

    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    crumbs = next(json.loads(text) for text in scripts if "BreadcrumbList" in text)
    assert [item["position"] for item in crumbs["itemListElement"]] == [1, 2, 3, 4]
    assert [item["name"] for item in crumbs["itemListElement"]][1:] == ["جهات", "الرباط", "سلا"]
    assert crumbs["itemListElement"][-1]["item"].endswith("/category/sale/")


def test_article_published_in_a_subcategory_shows_on_the_cached_parent_page(client, regions, make_article):
    top, _rabat, sale = regions
    make_article(title_ar="قديم", category=top)
    assert "جديد سلا" not in client.get("/category/regions/").content.decode()  # now cached
    make_article(title_ar="جديد سلا", category=sale)
    assert "جديد سلا" in client.get("/category/regions/").content.decode()


def test_moving_a_section_under_another_changes_the_cached_parent_page(client, make_category, make_article):
    top, other = make_category(slug="top"), make_category(slug="other")
    make_article(title_ar="في القسم الآخر", category=other)
    assert "في القسم الآخر" not in client.get("/category/top/").content.decode()
    other.parent = top
    other.save()
    assert "في القسم الآخر" in client.get("/category/top/").content.decode()


def test_a_section_cannot_sit_under_itself_or_its_subcategories(regions):
    top, _rabat, sale = regions
    top.parent = sale
    with pytest.raises(ValidationError) as raised:
        top.full_clean()
    assert "parent" in raised.value.message_dict
    sale.parent = sale
    with pytest.raises(ValidationError):
        sale.full_clean()
    top.parent = None
    sale.parent = top
    sale.full_clean()  # moving it up is fine


def test_a_section_with_subcategories_cannot_be_deleted(regions):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        regions[0].delete()
    assert Article.objects.count() == 0
