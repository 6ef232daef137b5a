"""The editors' desk: drafts that survive, saves that never overwrite a colleague unseen, who
else has the article open (articles/desk.py, articles/desk_admin.py)."""

import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client

from articles.desk import DRAFT_MAX_BYTES, PRESENCE_TTL_SECONDS, mark_present
from articles.desk_admin import SAVED_DRAFTS_COOKIE
from articles.models import Article, ArticleDraft
from articles.sanitize import sanitize_html
from articles.tests.admin_forms import ADD_URL, article_form_data, change_url
from articles.tests.test_revisions import change_form_data, save_revision

pytestmark = pytest.mark.django_db


def draft_url(article=None):
    return f"/admin/articles/article/{article.pk}/draft/" if article else "/admin/articles/article/draft/"


def presence_url(article):
    return f"/admin/articles/article/{article.pk}/presence/"


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


@pytest.fixture
def fatima(db):
    user = User.objects.create_user(
        "fatima",
        "fatima@example.com",
        "fatima-pass-123",
        is_staff=True,
        first_name="Fatima",
        last_name="Zahra",
    )
    user.groups.add(Group.objects.get(name="Editor"))
    return user


def client_for(user):
    other = Client()
    other.force_login(user)
    return other


def post_draft(client, article=None, data=None, **extra):
    fields = {"data": json.dumps(data if data is not None else {"title_ar": "مسودة"}), **extra}
    return client.post(draft_url(article), fields)


# --- Drafts --------------------------------------------------------------------------------


def test_a_draft_is_kept_and_offered_back_when_the_article_is_reopened(
    editor_client, editor_user, make_article
):
    article = make_article(title_ar="العنوان المحفوظ")
    typed = {"title_ar": "عنوان لم يحفظ بعد", "body_ar": "<p>فقرة <strong>مكتوبة</strong></p>"}

    response = post_draft(editor_client, article, typed, base_version=str(article.version))

    assert response.status_code == 200
    config = editor_client.get(change_url(article)).context["desk"]["config"]
    assert config["draft"]["data"] == typed
    assert config["draft"]["baseVersion"] == article.version
    assert config["version"] == article.version


def test_a_draft_is_never_saved_into_the_article_nor_published(editor_client, make_article):
    article = make_article(title_ar="العنوان المحفوظ", status=Article.Status.DRAFT)

    post_draft(editor_client, article, {"title_ar": "عنوان المسودة", "status": "published"})

    article.refresh_from_db()
    assert article.title_ar == "العنوان المحفوظ"
    assert article.status == Article.Status.DRAFT


def test_each_editor_has_their_own_draft(editor_client, fatima, make_article):
    article = make_article()
    post_draft(editor_client, article, {"title_ar": "نص المحرر"})
    post_draft(client_for(fatima), article, {"title_ar": "نص فاطمة"})

    assert ArticleDraft.objects.filter(article=article).count() == 2
    config = client_for(fatima).get(change_url(article)).context["desk"]["config"]
    assert config["draft"]["data"] == {"title_ar": "نص فاطمة"}


def test_a_new_articles_draft_is_kept_by_its_token_and_offered_on_the_add_form(editor_client, editor_user):
    post_draft(editor_client, data={"title_ar": "مقال جديد لم يحفظ"}, token="a1b2c3")

    draft = ArticleDraft.objects.get(user=editor_user, article=None)
    assert draft.token == "a1b2c3"
    config = editor_client.get(ADD_URL).context["desk"]["config"]
    assert config["draft"]["data"] == {"title_ar": "مقال جديد لم يحفظ"}
    assert config["draft"]["token"] == "a1b2c3"


def test_a_new_articles_draft_needs_a_token(editor_client):
    assert post_draft(editor_client, data={"title_ar": "بلا رمز"}).status_code == 400
    assert not ArticleDraft.objects.exists()


def test_a_draft_needs_the_permission_to_change_that_article(make_article):
    article = make_article()
    viewer = User.objects.create_user("viewer", password="viewer-pass-123", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))

    response = post_draft(client_for(viewer), article)

    assert response.status_code == 403
    assert not ArticleDraft.objects.exists()


def test_a_new_articles_draft_needs_the_permission_to_add_articles(db):
    changer = User.objects.create_user("changer", password="changer-pass-123", is_staff=True)
    changer.user_permissions.add(Permission.objects.get(codename="change_article"))

    response = post_draft(client_for(changer), token="t0k3n")

    assert response.status_code == 403
    assert not ArticleDraft.objects.exists()


def test_a_draft_is_refused_without_the_csrf_token(editor_user, make_article):
    article = make_article()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor_user)

    response = post_draft(strict, article)

    assert response.status_code == 403
    assert not ArticleDraft.objects.exists()


def test_a_draft_with_the_csrf_token_is_kept(editor_user, make_article):
    article = make_article()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor_user)
    token = strict.get(change_url(article)).context["csrf_token"]

    response = post_draft(strict, article, csrfmiddlewaretoken=str(token))

    assert response.status_code == 200
    assert ArticleDraft.objects.filter(article=article).exists()


def test_a_draft_over_the_size_cap_is_refused_and_the_previous_one_kept(editor_client, make_article):
    article = make_article()
    post_draft(editor_client, article, {"title_ar": "النسخة السابقة"})

    response = post_draft(editor_client, article, {"body_ar": "ب" * DRAFT_MAX_BYTES})

    assert response.status_code == 413
    assert ArticleDraft.objects.get(article=article).data == {"title_ar": "النسخة السابقة"}


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '{"title_ar": {"nested": 1}}', '{"tags": [1]}'])
def test_a_draft_that_is_not_a_forms_fields_is_refused(editor_client, make_article, raw):
    article = make_article()

    response = editor_client.post(draft_url(article), {"data": raw})

    assert response.status_code == 400
    assert not ArticleDraft.objects.exists()


def test_a_draft_is_posted_only(editor_client, make_article):
    assert editor_client.get(draft_url(make_article())).status_code == 405


def test_discarding_forgets_the_draft(editor_client, make_article):
    article = make_article()
    post_draft(editor_client, article)

    response = editor_client.post(draft_url(article), {"discard": "1"})

    assert response.status_code == 200
    assert not ArticleDraft.objects.exists()
    assert editor_client.get(change_url(article)).context["desk"]["config"]["draft"] is None


def test_saving_the_article_clears_its_draft_and_tells_the_browser(
    editor_client, editor_user, fatima, make_article
):
    article = make_article(title_ar="قبل")
    post_draft(editor_client, article, {"title_ar": "بعد"})
    post_draft(client_for(fatima), article, {"title_ar": "مسودة فاطمة"})
    data = change_form_data(editor_client.get(change_url(article)))
    data["title_ar"] = "بعد"

    response = editor_client.post(change_url(article), data)

    assert response.status_code == 302
    assert not ArticleDraft.objects.filter(user=editor_user).exists()
    assert ArticleDraft.objects.filter(user=fatima).exists()  # hers is hers to keep or discard
    assert response.cookies[SAVED_DRAFTS_COOKIE].value == f"a{article.pk}"


def test_adding_the_article_clears_the_add_forms_draft(editor_client, editor_user, make_category):
    category = make_category()
    post_draft(editor_client, data={"title_ar": "مقال جديد"}, token="tok42")
    post_draft(editor_client, data={"title_ar": "مقال آخر"}, token="other")

    response = editor_client.post(ADD_URL, article_form_data(category, _draft_token="tok42"))

    assert response.status_code == 302
    assert list(ArticleDraft.objects.values_list("token", flat=True)) == ["other"]
    saved = response.cookies[SAVED_DRAFTS_COOKIE].value.split(".")
    assert saved == [f"a{Article.objects.get().pk}", "ntok42"]


# --- Edit conflicts ------------------------------------------------------------------------


def test_each_save_counts_a_new_version(make_article):
    article = make_article()
    first = article.version

    article.save()
    article.save(update_fields=["title_ar"])

    article.refresh_from_db()
    assert article.version == first + 2


def test_the_second_save_from_the_same_version_is_refused_with_what_the_first_changed(
    editor_client, fatima, make_article
):
    article = make_article(title_ar="العنوان الأصلي", body_ar="<p>فقرة قديمة</p>", title_fr="Titre d'origine")
    save_revision(article)  # as the admin keeps one of every save
    hers = client_for(fatima)
    mine = change_form_data(editor_client.get(change_url(article)))
    theirs = change_form_data(hers.get(change_url(article)))
    assert mine["base_version"] == theirs["base_version"] == str(article.version)

    theirs.update(title_ar="عنوان فاطمة", body_ar="<p>فقرة جديدة من فاطمة</p>", title_fr="Titre de Fatima")
    assert hers.post(change_url(article), theirs).status_code == 302
    mine.update(title_ar="عنواني أنا", lead_ar="مقدمة كتبتها")
    response = editor_client.post(change_url(article), mine)

    assert response.status_code == 200
    article.refresh_from_db()
    assert article.title_ar == "عنوان فاطمة"  # nothing of the refused save reached the article
    assert article.lead_ar == ""
    form = response.context["adminform"].form
    assert form.conflict["since_base"] is True
    html = response.content.decode()
    assert "حفظ شخص آخر هذا المقال" in html or "Someone else saved" in html
    assert '<del class="diff-removed">الأصلي</del><ins class="diff-added">فاطمة</ins>' in html
    assert '<del class="diff-removed">قديمة</del><ins class="diff-added">جديدة من فاطمة</ins>' in html
    assert '<ins class="diff-added">de Fatima</ins>' in html
    # The editor's own text is still in the form, and the form now carries the saved version.
    assert form["title_ar"].value() == "عنواني أنا"
    assert form["lead_ar"].value() == "مقدمة كتبتها"
    assert int(form["base_version"].value()) == article.version


def test_without_a_revision_of_the_editors_version_the_saved_article_is_compared_with_their_text(
    editor_client, fatima, make_article
):
    article = make_article(title_ar="العنوان الأصلي")  # made outside the admin: no revision
    hers = client_for(fatima)
    mine = change_form_data(editor_client.get(change_url(article)))
    theirs = change_form_data(hers.get(change_url(article)))
    theirs["title_ar"] = "عنوان فاطمة"
    hers.post(change_url(article), theirs)
    mine["title_ar"] = "عنواني أنا"

    response = editor_client.post(change_url(article), mine)

    conflict = response.context["adminform"].form.conflict
    assert conflict["since_base"] is False
    html = response.content.decode()
    assert '<ins class="diff-added">فاطمة</ins>' in html


def test_saving_again_after_reading_the_differences_goes_through(editor_client, fatima, make_article):
    article = make_article(title_ar="العنوان الأصلي")
    hers = client_for(fatima)
    mine = change_form_data(editor_client.get(change_url(article)))
    theirs = change_form_data(hers.get(change_url(article)))
    theirs["title_ar"] = "عنوان فاطمة"
    hers.post(change_url(article), theirs)
    mine["title_ar"] = "عنواني أنا"
    refused = editor_client.post(change_url(article), mine)

    again = change_form_data(refused)
    response = editor_client.post(change_url(article), again)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title_ar == "عنواني أنا"


def test_the_difference_is_escaped(editor_client, fatima, make_article):
    article = make_article(title_ar="عنوان")
    hers = client_for(fatima)
    mine = change_form_data(editor_client.get(change_url(article)))
    theirs = change_form_data(hers.get(change_url(article)))
    theirs["title_ar"] = "1 < 2 & <i>3</i>"
    hers.post(change_url(article), theirs)

    html = editor_client.post(change_url(article), mine).content.decode()

    assert '<ins class="diff-added">1 &lt; 2 &amp; 3</ins>' in html


def test_a_form_opened_before_a_publish_action_cannot_undo_it(editor_client, make_article):
    article = make_article(status=Article.Status.DRAFT)
    stale = change_form_data(editor_client.get(change_url(article)))
    editor_client.post(
        "/admin/articles/article/",
        {"action": "publish", "_selected_action": [str(article.pk)], "index": "0"},
    )
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED

    stale["title_ar"] = "تعديل بعد النشر"
    response = editor_client.post(change_url(article), stale)

    assert response.status_code == 200
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert response.context["adminform"].form.conflict is not None


# --- Who else has it open ------------------------------------------------------------------


def test_the_form_says_who_else_has_the_article_open_by_full_name(editor_client, fatima, make_article):
    article = make_article()
    client_for(fatima).post(presence_url(article))

    response = editor_client.get(change_url(article))

    assert "Fatima Zahra" in response.context["desk"]["presence"]
    assert "Fatima Zahra" in response.content.decode()


def test_a_heartbeat_answers_the_others_and_not_oneself(editor_client, editor_user, fatima, make_article):
    article = make_article()
    editor_client.post(presence_url(article))

    answer = client_for(fatima).post(presence_url(article)).json()
    mine = editor_client.post(presence_url(article)).json()

    assert answer["others"] == ["editor"]  # no full name: the username
    assert mine["others"] == ["Fatima Zahra"]
    assert "Fatima Zahra" in mine["message"]


def test_leaving_the_form_takes_one_off_the_list(editor_client, fatima, make_article):
    article = make_article()
    hers = client_for(fatima)
    hers.post(presence_url(article))

    hers.post(presence_url(article), {"leave": "1"})

    assert editor_client.post(presence_url(article)).json()["others"] == []


def test_an_editor_not_heard_from_for_a_while_is_gone(fatima, editor_user, make_article, monkeypatch):
    article = make_article()
    clock = [1_000_000.0]
    monkeypatch.setattr("articles.desk.time.time", lambda: clock[0])
    mark_present(article.pk, fatima)

    clock[0] += PRESENCE_TTL_SECONDS + 1

    assert mark_present(article.pk, editor_user) == []


def test_presence_needs_a_permission_on_the_article(make_article):
    article = make_article()
    nobody = User.objects.create_user("nobody", password="nobody-pass-123", is_staff=True)

    assert client_for(nobody).post(presence_url(article)).status_code == 403


# --- The editor's screen -------------------------------------------------------------------


def test_the_form_carries_what_the_script_previews(editor_client, make_article):
    article = make_article()

    response = editor_client.get(change_url(article))

    config = response.context["desk"]["config"]
    assert config["articlePath"].endswith(f"/{article.pk}/-/")
    assert config["wordsPerMinute"] == {"ar": 180, "fr": 238, "en": 238}
    assert config["titleLimit"] == 110
    html = response.content.decode()
    assert 'id="desk-config" type="application/json"' in html
    assert "articles/desk.js" in html


def test_tags_can_be_created_from_the_article_form(editor_client, editor_user):
    editor_user.user_permissions.add(Permission.objects.get(codename="add_tag"))

    html = editor_client.get(ADD_URL).content.decode()

    assert 'id="add_id_tag_list"' in html
    assert "/admin/articles/tag/add/?_to_field=id&amp;_popup=1" in html


def test_tables_are_kept_as_structure_only():
    pasted = (
        '<table style="width:100%" class="x"><caption>النتائج</caption><colgroup><col style="w"></colgroup>'
        '<thead><tr><th scope="col" colspan="2" onclick="x()">الفريق</th></tr></thead>'
        '<tbody><tr><td rowspan="2" style="color:red">الرجاء</td><td colspan="evil">3</td>'
        "</tr></tbody></table>"
    )

    assert sanitize_html(pasted) == (
        '<table><caption>النتائج</caption><thead><tr><th scope="col" colspan="2">الفريق</th></tr></thead>'
        '<tbody><tr><td rowspan="2">الرجاء</td><td>3</td></tr></tbody></table>'
    )
