"""The articles panels of the editors' dashboard, against data each test creates."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.utils import timezone

from articles import dashboard
from articles.models import Article, ArticleViewCount, BreakingNews
from articles.popularity import current_hour

pytestmark = pytest.mark.django_db


def request_as(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_scheduled_articles_come_next_first_and_drafts_newest_first(make_article, editor_user):
    now = timezone.now()
    later = make_article(title_ar="بعد ساعتين", published_at=now + datetime.timedelta(hours=2))
    sooner = make_article(title_ar="بعد ساعة", published_at=now + datetime.timedelta(hours=1))
    old_draft = make_article(title_ar="مسودة قديمة", status=Article.Status.DRAFT)
    new_draft = make_article(title_ar="مسودة جديدة", status=Article.Status.DRAFT)
    make_article(title_ar="منشور")

    panel = dashboard.drafts_and_scheduled(request_as(editor_user))

    assert list(panel["scheduled"]) == [sooner, later]
    assert panel["scheduled_count"] == 2
    assert list(panel["drafts"]) == [new_draft, old_draft]
    assert panel["drafts_count"] == 2


def test_most_read_today_counts_only_todays_views(make_article, editor_user):
    today = current_hour()
    top, second, yesterday_only = make_article(), make_article(), make_article()
    ArticleViewCount.objects.create(article=top, hour=today, views=40)
    ArticleViewCount.objects.create(article=second, hour=today, views=15)
    ArticleViewCount.objects.create(
        article=yesterday_only, hour=dashboard.start_of_today() - datetime.timedelta(hours=2), views=999
    )

    panel = dashboard.most_read_today(request_as(editor_user))

    assert [(article, article.recent_views) for article in panel["articles"]] == [(top, 40), (second, 15)]


def test_breaking_news_panel_shows_lines_on_the_site_and_waiting(make_article, editor_user):
    now = timezone.now()
    on_site = BreakingNews.objects.create(
        text_ar="على الموقع", starts_at=now, expires_at=now + datetime.timedelta(hours=1)
    )
    waiting = BreakingNews.objects.create(
        text_ar="لاحقا",
        starts_at=now + datetime.timedelta(hours=1),
        expires_at=now + datetime.timedelta(hours=2),
    )
    BreakingNews.objects.create(
        text_ar="انتهى",
        starts_at=now - datetime.timedelta(hours=2),
        expires_at=now - datetime.timedelta(hours=1),
    )

    panel = dashboard.breaking_news_status(request_as(editor_user))

    assert panel["lines"] == [on_site, waiting]
    assert panel["can_add"] is True


def test_admin_index_shows_the_articles_panels(client, make_article, editor_user):
    now = timezone.now()
    make_article(title_ar="مقال مبرمج", published_at=now + datetime.timedelta(hours=3))
    read = make_article(title_ar="مقال مقروء")
    ArticleViewCount.objects.create(article=read, hour=current_hour(), views=12)
    BreakingNews.objects.create(
        text_ar="خبر عاجل الآن", starts_at=now, expires_at=now + datetime.timedelta(hours=1)
    )
    client.force_login(editor_user)

    html = client.get("/en/admin/").content.decode()

    assert "Drafts and scheduled articles" in html and "مقال مبرمج" in html
    assert "Most read today" in html and "مقال مقروء" in html
    assert '<span class="dashboard-figure">12</span>' in html
    assert "خبر عاجل الآن" in html and "on the site until" in html


def test_staff_without_article_permissions_see_no_articles_panels(client, make_article):
    make_article(title_ar="مسودة سرية", status=Article.Status.DRAFT)
    clerk = User.objects.create_user("clerk", password="clerk-pass-123", is_staff=True)
    client.force_login(clerk)

    html = client.get("/en/admin/").content.decode()

    assert "مسودة سرية" not in html
    assert "Drafts and scheduled articles" not in html
