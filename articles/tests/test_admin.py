"""The editors' admin: the whole workflow through the test client, lists, filters, permissions."""

import datetime
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.admin.sites import site as admin_site
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils import timezone, translation

from articles.admin import ArticleAdmin
from articles.models import Article
from kawalis.readercache.testing import tag_versions

from .admin_forms import ADD_URL, CHANGELIST_URL, article_form_data, change_url
from .image_files import photo_bytes, upload


def test_editor_creates_translates_and_publishes_an_article_that_readers_then_see(
    client, editor_user, make_category
):
    category = make_category()
    client.force_login(editor_user)

    # 1. A draft in Arabic, with a photo, through the add form.
    response = client.post(
        ADD_URL,
        article_form_data(
            category,
            title_ar="وزارة الصحة تطلق حملة تلقيح جديدة",
            slug="حملة-تلقيح",
            body_ar="<h2>تفاصيل</h2><p>انطلقت <em>اليوم</em> الحملة.</p><script>alert(1)</script>",
            image=upload(photo_bytes(size=(1200, 800))),
            image_caption_ar="صورة توضيحية",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.body_ar == "<h2>تفاصيل</h2><p>انطلقت <em>اليوم</em> الحملة.</p>"
    assert "وزارة الصحة" not in client.get("/").content.decode()

    # 2. The French tab filled in on the change form.
    response = client.post(
        change_url(article),
        article_form_data(
            category,
            published_at=article.published_at,
            title_ar=article.title_ar,
            slug=article.slug,
            body_ar=article.body_ar,
            title_fr="Le ministère de la Santé lance une campagne de vaccination",
            body_fr="<p>La campagne a commencé <strong>aujourd'hui</strong>.</p>",
            image_caption_ar="صورة توضيحية",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    # 3. Published with the bulk action.
    response = client.post(CHANGELIST_URL, {"action": "publish", "_selected_action": [article.pk]})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_published
    assert article.image.name  # the photo survived the change form (not re-uploaded)

    arabic_home = client.get("/").content.decode()
    french_home = client.get("/fr/").content.decode()
    english_home = client.get("/en/").content.decode()
    assert "وزارة الصحة تطلق حملة تلقيح جديدة" in arabic_home
    assert "Le ministère de la Santé lance une campagne de vaccination" in french_home
    assert "وزارة الصحة" not in english_home
    assert "Le ministère" not in english_home
    with translation.override("fr"):
        page = client.get(article.get_absolute_url()).content.decode()
    assert "La campagne a commencé <strong>aujourd" in page
    assert '<source type="image/webp"' in page


def test_slug_is_prefilled_from_the_arabic_title(client, editor_user, make_category):
    make_category()
    client.force_login(editor_user)
    html = client.get(ADD_URL).content.decode()
    assert "&quot;dependency_ids&quot;: [&quot;#id_title_ar&quot;]" in html
    assert "&quot;allowUnicode&quot;: true" in html


def test_change_form_renders_the_rich_text_editor_for_every_language_from_our_own_files(
    client, editor_user, make_article
):
    article = make_article(title_fr="Titre", body_fr="<p>Texte</p>")
    client.force_login(editor_user)
    html = client.get(change_url(article)).content.decode()
    for language in ("ar", "fr", "en"):
        textarea = re.search(rf'<textarea name="body_{language}"[^>]*>', html).group(0)
        assert "data-django-prose-editor-configurable=" in textarea
        assert "&quot;Heading&quot;:{&quot;levels&quot;:[2,3,4]}" in textarea
    assert 'src="/static/django_prose_editor/configurable.js' in html
    assert "/static/jquery-ui/jquery-ui.min.js" in html  # the language tabs
    assert "googleapis.com" not in html
    assert "&lt;p&gt;Texte&lt;/p&gt;" in html  # the stored body, escaped in its textarea


def test_an_empty_slug_is_made_from_the_arabic_title(client, editor_user, make_category):
    category = make_category()
    client.force_login(editor_user)
    client.post(ADD_URL, article_form_data(category, title_ar="عنوان بدون رابط"))
    assert Article.objects.get().slug == "عنوان-بدون-رابط"


def test_article_form_needs_an_arabic_title_and_says_so(client, editor_user, make_category):
    category = make_category()
    client.force_login(editor_user)
    response = client.post(ADD_URL, article_form_data(category, title_ar=""))
    assert response.status_code == 200
    assert "title_ar" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


def test_change_list_shows_the_columns_an_editor_needs(client, editor_user, make_article):
    make_article(title_ar="منشور", title_fr="Publié", body_fr="<p>texte</p>", is_featured=True)
    make_article(title_ar="مقال مؤجل", published_at=timezone.now() + datetime.timedelta(days=1))
    make_article(title_ar="مسودة", title_en="Draft title only", status=Article.Status.DRAFT)
    client.force_login(editor_user)
    html = client.get(CHANGELIST_URL).content.decode()
    for header in ["column-thumbnail", "column-category", "column-state", "column-published_at"]:
        assert header in html
    assert '<td class="field-state">مجدول</td>' in html  # "Scheduled", as a status of its own
    assert '<span class="language-tag" lang="fr">FR</span>' in html
    assert "language-tag--partial" in html  # English title without a body
    assert ">معاينة<" in html  # "Preview" link for the draft and the scheduled article


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "draft"}, {"مسودة"}),
        ({"state": "published"}, {"منشور", "مترجم"}),
        ({"state": "scheduled"}, {"مجدول"}),
        ({"translation": "missing-fr"}, {"منشور", "مسودة", "مجدول"}),
        ({"translation": "missing-en"}, {"منشور", "مسودة", "مجدول"}),
        ({"translation": "complete"}, {"مترجم"}),
        ({"q": "Traduit"}, {"مترجم"}),
        ({"q": "chapeau"}, {"مترجم"}),
    ],
)
def test_change_list_filters_and_search(client, editor_user, make_article, query, expected):
    make_article(title_ar="منشور", title_fr="Titre sans texte")
    make_article(title_ar="مجدول", published_at=timezone.now() + datetime.timedelta(days=1))
    make_article(title_ar="مسودة", status=Article.Status.DRAFT)
    make_article(
        title_ar="مترجم",
        title_fr="Traduit",
        body_fr="<p>Texte</p>",
        lead_fr="Un chapeau",
        title_en="Translated",
        body_en="<p>Text</p>",
    )
    client.force_login(editor_user)
    response = client.get(CHANGELIST_URL, query)
    assert response.status_code == 200
    shown = {article.title_ar for article in response.context["cl"].result_list}
    assert shown == expected


def test_bulk_publish_puts_drafts_live_now_and_keeps_future_ones_scheduled(client, editor_user, make_article):
    old_draft = make_article(
        status=Article.Status.DRAFT, published_at=timezone.now() - datetime.timedelta(days=3)
    )
    future = timezone.now() + datetime.timedelta(days=2)
    future_draft = make_article(status=Article.Status.DRAFT, published_at=future)
    client.force_login(editor_user)
    shown = [f"article:{old_draft.pk}", f"article:{future_draft.pk}", "articles"]
    version = tag_versions(*shown)

    client.post(CHANGELIST_URL, {"action": "publish", "_selected_action": [old_draft.pk, future_draft.pk]})

    old_draft.refresh_from_db()
    future_draft.refresh_from_db()
    assert old_draft.is_published
    assert timezone.now() - old_draft.published_at < datetime.timedelta(minutes=1)
    assert future_draft.is_scheduled and future_draft.published_at == future
    assert all(tag_versions(name) != {name: version[name]} for name in shown)
    logged = LogEntry.objects.filter(user=editor_user)
    assert sorted(int(entry.object_id) for entry in logged) == sorted([old_draft.pk, future_draft.pk])
    assert logged.first().get_change_message() == "تم تغيير الحالة و وقت النشر."


def test_bulk_unpublish_takes_articles_off_the_site(client, editor_user, make_article):
    article = make_article(title_ar="سيسحب")
    client.force_login(editor_user)
    assert "سيسحب" in client.get("/").content.decode()
    client.post(CHANGELIST_URL, {"action": "unpublish", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert "سيسحب" not in client.get("/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 200  # staff preview still works
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.fixture
def view_only_user(db):
    user = User.objects.create_user("viewer", "viewer@example.com", "viewer-pass-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    return user


def test_bulk_publish_is_refused_without_the_change_permission(client, view_only_user, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    client.force_login(view_only_user)
    response = client.get(CHANGELIST_URL)
    assert response.status_code == 200
    assert 'value="publish"' not in response.content.decode()

    client.post(CHANGELIST_URL, {"action": "publish", "_selected_action": [draft.pk]})

    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_bulk_actions_check_the_permission_themselves(view_only_user, make_article, action):
    article = make_article(status=Article.Status.DRAFT)
    request = RequestFactory().post(CHANGELIST_URL)
    request.user = view_only_user
    model_admin = ArticleAdmin(Article, admin_site)
    with pytest.raises(PermissionDenied):
        getattr(model_admin, action)(request, Article.objects.filter(pk=article.pk))
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_editor_group_may_edit_publish_and_moderate_and_nothing_of_accounts(db):
    permissions = Group.objects.get(name="Editor").permissions.select_related("content_type")
    granted = {(p.content_type.app_label, p.codename) for p in permissions}
    for model in ("article", "category"):
        for action in ("add", "change", "delete", "view"):
            assert ("articles", f"{action}_{model}") in granted
    assert ("articles", "publish_article") in granted
    # The embeds' previews: seen, and fetched again (articles migration 0021), never deleted.
    assert {("articles", "view_embed"), ("articles", "change_embed")} <= granted
    assert ("articles", "delete_embed") not in granted
    # In a small newsroom the editor moderates too (kawalis migration 0002_newsroom_roles); beyond
    # articles and comments, only what the push alerts' migration gives editors: sending alerts,
    # and seeing them and how many subscribed (no personal data).
    assert ("comments", "change_comment") in granted
    others = {(app, codename) for app, codename in granted if app not in ("articles", "comments")}
    assert others == {("alerts", "send_alert"), ("alerts", "view_alert"), ("alerts", "view_subscription")}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        "/admin/articles/category/",
        "/admin/articles/category/add/",
    ],
)
def test_editor_reaches_articles_and_categories(client, editor_user, url):
    client.force_login(editor_user)
    assert client.get(url).status_code == 200


def test_editor_adds_a_category(client, editor_user):
    client.force_login(editor_user)
    response = client.post(
        "/admin/articles/category/add/",
        {"name_ar": "ثقافة", "name_fr": "Culture", "name_en": "Culture", "slug": "culture", "menu_order": 3},
    )
    assert response.status_code == 302
    assert client.get("/category/culture/").status_code == 200


@pytest.mark.parametrize("url", ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/"])
def test_editor_cannot_reach_users_or_groups(client, editor_user, url):
    client.force_login(editor_user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/admin/", "/admin/articles/article/", "/admin/articles/article/add/"])
def test_reader_is_sent_to_the_admin_login(client, db, url):
    reader = User.objects.create_user("reader", "reader@example.com", "reader-pass-123")
    client.force_login(reader)
    response = client.get(url)
    assert response.status_code == 302
    assert re.match(r"^/admin/login/\?next=", response["Location"])


def test_change_form_has_view_on_site_and_draft_preview_links(client, editor_user, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    html = client.get(change_url(draft)).content.decode()
    assert 'href="/admin/r/' in html  # Django's "view on site" button
    assert client.get(draft.get_absolute_url()).status_code == 200
