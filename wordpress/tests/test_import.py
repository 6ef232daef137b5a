"""``manage.py import_wordpress``: a WordPress newsroom moves in with its old links intact, and
importing again changes nothing."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, Author, Category, Redirect, Tag
from articles.tests.image_files import photo_bytes
from comments.models import Comment
from wordpress.models import ImportedObject

THEME_TEST_DATA = (
    Path(__file__).resolve().parents[2].parent / "shared" / "wordpress" / "themeunittestdata.wordpress.xml"
)
needs_theme_test_data = pytest.mark.skipif(
    not THEME_TEST_DATA.is_file(), reason=f"WordPress's theme test export is not at {THEME_TEST_DATA}"
)

SITE = "https://old.kawalis.example"
TAG_SLUG = "%d8%a7%d9%84%d8%a8%d8%b1%d9%84%d9%85%d8%a7%d9%86"  # البرلمان, as WordPress writes it


def post(post_id, title, slug, content, status="publish", date="2024-05-01 10:00:00", extra="", comments=""):
    return f"""
<item>
  <title><![CDATA[{title}]]></title>
  <link>{SITE}/2024/05/{slug}/</link>
  <dc:creator><![CDATA[nadia]]></dc:creator>
  <content:encoded><![CDATA[{content}]]></content:encoded>
  <excerpt:encoded><![CDATA[]]></excerpt:encoded>
  <wp:post_id>{post_id}</wp:post_id>
  <wp:post_date_gmt><![CDATA[{date}]]></wp:post_date_gmt>
  <wp:comment_status><![CDATA[open]]></wp:comment_status>
  <wp:post_name><![CDATA[{slug}]]></wp:post_name>
  <wp:status><![CDATA[{status}]]></wp:status>
  <wp:post_parent>0</wp:post_parent>
  <wp:post_type><![CDATA[post]]></wp:post_type>
  <category domain="category" nicename="watani"><![CDATA[وطني]]></category>
  <category domain="post_tag" nicename="{TAG_SLUG}"><![CDATA[البرلمان]]></category>
  {extra}{comments}
</item>"""


def comment(comment_id, body, approved="1", parent=0):
    return f"""
  <wp:comment>
    <wp:comment_id>{comment_id}</wp:comment_id>
    <wp:comment_author><![CDATA[قارئ {comment_id}]]></wp:comment_author>
    <wp:comment_author_email>reader{comment_id}@example.com</wp:comment_author_email>
    <wp:comment_date_gmt>2024-05-02 09:00:00</wp:comment_date_gmt>
    <wp:comment_content><![CDATA[{body}]]></wp:comment_content>
    <wp:comment_approved>{approved}</wp:comment_approved>
    <wp:comment_parent>{parent}</wp:comment_parent>
  </wp:comment>"""


ARABIC_SLUG = "%d8%a7%d9%84%d8%a8%d8%b1%d9%84%d9%85%d8%a7%d9%86-%d9%8a%d8%b5%d9%88%d8%aa"  # البرلمان-يصوت
CLASSIC = (
    "الفقرة الأولى\nسطر ثان\n\nالفقرة الثانية [custom_plugin]بنص[/custom_plugin]"
    "\n\nhttps://www.youtube.com/watch?v=abc"
)
GUTENBERG = "<!-- wp:paragraph -->\n<p>فقرة من المحرر الجديد</p>\n<!-- /wp:paragraph -->"
CAPTIONED = (
    '[caption id="a" width="300"]<a href="x"><img src="y.jpg"></a> قبة البرلمان[/caption]'
    '<p>نص</p>[gallery ids="1,2"]'
)


def export(items, title_suffix=""):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.1/excerpt/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:wp="http://wordpress.org/export/1.1/">
<channel>
  <title>كواليس اليوم</title>
  <link>{SITE}</link>
  <language>ar</language>
  <wp:wxr_version>1.1</wp:wxr_version>
  <wp:base_site_url>{SITE}</wp:base_site_url>
  <wp:base_blog_url>{SITE}</wp:base_blog_url>
  <wp:author><wp:author_login>nadia</wp:author_login>
    <wp:author_display_name><![CDATA[نادية الصحفية]]></wp:author_display_name>
    </wp:author>
  <wp:category><wp:term_id>3</wp:term_id>
    <wp:category_nicename>akhbar</wp:category_nicename>
    <wp:category_parent></wp:category_parent>
    <wp:cat_name><![CDATA[أخبار]]></wp:cat_name>
    </wp:category>
  <wp:category><wp:term_id>4</wp:term_id>
    <wp:category_nicename>watani</wp:category_nicename>
    <wp:category_parent>akhbar</wp:category_parent>
    <wp:cat_name><![CDATA[وطني]]></wp:cat_name>
    </wp:category>
  <wp:tag><wp:term_id>9</wp:term_id>
    <wp:tag_slug>{TAG_SLUG}</wp:tag_slug>
    <wp:tag_name><![CDATA[البرلمان]]></wp:tag_name>
    </wp:tag>
  <item>
    <title>featured.jpg</title><link>{SITE}/featured/</link>
    <wp:post_id>50</wp:post_id><wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>
    <wp:attachment_url>{SITE}/wp-content/uploads/2024/05/featured.jpg</wp:attachment_url>
  </item>
  {"".join(items)}
</channel>
</rss>"""


def default_items(title_suffix=""):
    return [
        post(
            10,
            f"البرلمان يصوت{title_suffix}",
            ARABIC_SLUG,
            CLASSIC,
            extra="<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>50</wp:meta_value></wp:postmeta>"
            "<wp:postmeta><wp:meta_key>_wp_old_slug</wp:meta_key><wp:meta_value>old-slug</wp:meta_value></wp:postmeta>",
            comments=comment(1, "تعليق أول")
            + comment(2, "رد على الأول", parent=1)
            + comment(3, "ينتظر", "0")
            + comment(4, "إعلان مزعج", "spam"),
        ),
        post(11, "مقال بالمحرر الجديد", "gutenberg", GUTENBERG),
        post(12, "صورة وتعليق", "captioned", CAPTIONED),
        post(13, "مبرمج", "scheduled", "<p>لاحقا</p>", status="future", date="2099-01-01 08:00:00"),
        post(14, "مسودة", "draft", "<p>لم يكتمل</p>", status="draft"),
        post(15, "خاص", "private", "<p>سر</p>", status="private"),
        post(16, "محذوف", "trashed", "<p>x</p>", status="trash"),
    ]


@pytest.fixture
def uploads(tmp_path):
    folder = tmp_path / "uploads"
    (folder / "2024" / "05").mkdir(parents=True)
    (folder / "2024" / "05" / "featured.jpg").write_bytes(photo_bytes(size=(800, 500)))
    return folder


def run_import(tmp_path, text, *arguments):
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_wordpress", str(path), *arguments, stdout=out)
    return out.getvalue()


@pytest.fixture
def imported(db, tmp_path, uploads):
    return run_import(tmp_path, export(default_items()), "--uploads", str(uploads))


def test_posts_come_with_their_state_author_section_tags_and_image(imported):
    article = Article.objects.get(title_ar="البرلمان يصوت")

    assert article.slug == "البرلمان-يصوت"
    assert article.is_published
    assert [author.name for author in article.authors.all()] == ["نادية الصحفية"]
    assert article.category.name == "وطني"
    assert [tag.name for tag in article.tags.all()] == ["البرلمان"]
    assert article.image and article.image_width == 800
    scheduled = Article.objects.get(title_ar="مبرمج")
    assert scheduled.status == Article.Status.PUBLISHED and scheduled.is_scheduled
    assert Article.objects.get(title_ar="مسودة").status == Article.Status.DRAFT
    assert Article.objects.get(title_ar="خاص").status == Article.Status.DRAFT
    assert not Article.objects.filter(title_ar="محذوف").exists()
    assert "posts: 6 imported, 1 skipped" in imported


def test_content_is_clean_html_whatever_wordpress_wrote(imported):
    classic = Article.objects.get(title_ar="البرلمان يصوت").body_ar
    gutenberg = Article.objects.get(title_ar="مقال بالمحرر الجديد").body_ar
    captioned = Article.objects.get(title_ar="صورة وتعليق").body_ar

    assert "<p>الفقرة الأولى<br>" in classic and "<p>الفقرة الثانية بنص</p>" in classic
    assert '<a href="https://www.youtube.com/watch?v=abc"' in classic
    assert gutenberg == "<p>فقرة من المحرر الجديد</p>"
    assert "<figcaption>قبة البرلمان</figcaption>" in captioned and "<img" not in captioned
    for body in Article.objects.values_list("body_ar", flat=True):
        assert "[" not in body and "wp:" not in body, body


def test_approved_comments_keep_their_threads_pending_stay_pending_spam_is_left_out(imported):
    first = Comment.objects.get(body="تعليق أول")
    reply = Comment.objects.get(body="رد على الأول")

    assert first.status == reply.status == Comment.Status.APPROVED
    assert reply.parent == first and reply.thread_id == first.pk
    assert Comment.objects.get(body="ينتظر").status == Comment.Status.PENDING
    assert not Comment.objects.filter(body="إعلان مزعج").exists()


@pytest.mark.parametrize(
    "old",
    [
        f"/2024/05/{ARABIC_SLUG}/",  # its permalink, percent-encoded as browsers send it
        "/2024/05/البرلمان-يصوت/",
        "/2024/05/old-slug/",  # an older slug of the same post
        "/?p=10",
    ],
)
def test_every_old_address_of_a_post_answers_301_to_the_article(client, imported, old):
    article = Article.objects.get(title_ar="البرلمان يصوت")

    response = client.get(old)

    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_old_section_tag_author_and_feed_addresses_redirect(client, imported):
    section = Category.objects.get(slug="watani")
    tag = Tag.objects.get(name_ar="البرلمان")
    author = Author.objects.get(name_ar="نادية الصحفية")

    assert client.get("/category/akhbar/watani/")["Location"] == section.get_absolute_url()
    assert client.get("/category/akhbar/watani/feed/")["Location"] == "/category/watani/feeds/rss/"
    assert client.get(tag.get_absolute_url()).status_code == 200  # the same address here: no redirect
    assert author.get_absolute_url() == "/author/nadia/"  # WordPress's address, kept as it was
    assert client.get("/author/nadia/").status_code == 200
    assert client.get("/feed/")["Location"] == "/feeds/rss/"


def test_an_old_link_read_again_costs_no_query(client, imported, django_assert_num_queries):
    client.get("/2024/05/old-slug/")

    with django_assert_num_queries(0):
        response = client.get("/2024/05/old-slug/")

    assert response.status_code == 301


def test_an_address_nobody_knows_is_still_404(client, imported):
    assert client.get("/2024/05/never-existed/").status_code == 404
    assert client.get("/?p=999").status_code == 200  # the home page, as WordPress would show


def test_importing_the_same_export_again_changes_nothing(tmp_path, imported, uploads):
    counts = (Article.objects.count(), Comment.objects.count(), Redirect.objects.count(), Tag.objects.count())

    again = run_import(tmp_path, export(default_items()), "--uploads", str(uploads))

    assert (
        Article.objects.count(),
        Comment.objects.count(),
        Redirect.objects.count(),
        Tag.objects.count(),
    ) == counts
    assert "imported" not in again and "updated" not in again
    assert "posts: 6 unchanged, 1 skipped" in again


def test_a_newer_export_updates_what_changed_and_adds_what_is_new(tmp_path, imported, uploads):
    items = [*default_items(" (محدث)"), post(20, "خبر جديد", "new-story", "<p>جديد</p>")]

    report = run_import(tmp_path, export(items), "--uploads", str(uploads))

    assert Article.objects.filter(title_ar="البرلمان يصوت (محدث)").count() == 1
    assert not Article.objects.filter(title_ar="البرلمان يصوت").exists()
    assert Article.objects.filter(title_ar="خبر جديد").exists()
    assert "posts: 1 imported, 1 updated, 5 unchanged, 1 skipped" in report


def test_a_missing_featured_image_is_reported_not_fatal(db, tmp_path):
    report = run_import(tmp_path, export(default_items()), "--uploads", str(tmp_path))

    assert Article.objects.get(title_ar="البرلمان يصوت").image.name == ""
    assert "featured image file missing: 2024/05/featured.jpg" in report


def test_a_truncated_export_stops_with_the_place_and_keeps_whole_objects(db, tmp_path):
    text = export(default_items())
    cut = text[: text.index("مقال بالمحرر الجديد") + 10]

    with pytest.raises(CommandError, match=r"not well-formed XML at line \d+, column \d+"):
        run_import(tmp_path, cut)

    assert list(Article.objects.values_list("title_ar", flat=True)) == ["البرلمان يصوت"]
    assert ImportedObject.objects.filter(kind="post").count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not xml at all", "not well-formed XML at line 1"),
        ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">]><rss/>', "declares entities or a DTD"),
        ("<rss><channel></channel></rss>", "not a WordPress export"),
    ],
)
def test_a_file_that_is_no_export_gets_one_clear_line(db, tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        run_import(tmp_path, text)
    assert not Article.objects.exists()


def test_missing_files_and_folders_are_named(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_wordpress", str(tmp_path / "nope.xml"))
    (tmp_path / "e.xml").write_text(export([]), encoding="utf-8")
    with pytest.raises(CommandError, match="no such folder"):
        call_command("import_wordpress", str(tmp_path / "e.xml"), "--uploads", str(tmp_path / "none"))


def _theme_test_data_counts():
    """What the export holds, read with the standard library's parser (not the importer's)."""
    from xml.etree import ElementTree

    wp = "{https://wordpress.org/export/1.2/}"
    posts = comments = 0
    channel = ElementTree.parse(THEME_TEST_DATA).getroot().find("channel")  # noqa: S314 (a fixture)
    for item in channel.iter("item"):
        if item.findtext(f"{wp}post_type") == "post" and item.findtext(f"{wp}status") != "trash":
            posts += 1
            approved = [c.findtext(f"{wp}comment_approved") for c in item.iter(f"{wp}comment")]
            comments += sum(1 for state in approved if state in {"0", "1"})
    categories = {c.findtext(f"{wp}category_nicename") for c in channel.iter(f"{wp}category")}
    tags = {t.findtext(f"{wp}tag_slug") for t in channel.iter(f"{wp}tag")}
    return posts, comments, len(categories), len(tags)


@needs_theme_test_data
def test_wordpress_theme_test_data_imports_whole_and_again_unchanged(client, db):
    import re

    out = io.StringIO()
    call_command("import_wordpress", str(THEME_TEST_DATA), "--language", "en", stdout=out)
    posts, comments, categories, tags = _theme_test_data_counts()

    assert Article.objects.count() == posts == 58
    assert Comment.objects.count() == comments
    assert Category.objects.count() == categories  # its "uncategorized" among them
    assert Tag.objects.count() == tags
    counts = (Article.objects.count(), Comment.objects.count(), Redirect.objects.count())
    out = io.StringIO()
    call_command("import_wordpress", str(THEME_TEST_DATA), "--language", "en", stdout=out)
    assert (Article.objects.count(), Comment.objects.count(), Redirect.objects.count()) == counts
    assert " imported" not in out.getvalue() and " updated" not in out.getvalue()

    shortcode = re.compile(r"\[/?(?:caption|gallery|embed|audio|video|[a-z_]+ [a-z_]+=)[^\]]*\]")
    for redirect in Redirect.objects.filter(note__startswith="WordPress post", old_path__startswith="/20"):
        article = Article.objects.get(pk=int(redirect.new_path.split("/")[2]))
        response = client.get(redirect.old_path)
        assert response.status_code == 301 and response["Location"] == redirect.new_path, redirect
        if not article.is_published:
            continue
        page = client.get(redirect.new_path)
        assert page.status_code == 200, redirect.new_path
        body = page.content.decode().split('<div class="article-body"', 1)[-1].split("</article>", 1)[0]
        assert not shortcode.search(body), (redirect.new_path, shortcode.search(body))
        assert "<!-- wp:" not in body


def test_the_mailing_list_comes_with_its_confirmed_people_only(db, tmp_path):
    from newsletter.models import Subscriber

    Subscriber.objects.create(
        email="left@example.com", status=Subscriber.Status.UNSUBSCRIBED, consent_text="x"
    )
    (tmp_path / "export.xml").write_text(export([]), encoding="utf-8")
    (tmp_path / "list.csv").write_text(
        "Email,Status,Language\n"
        "Nadia@Example.com,subscribed,ar\n"
        "claire@example.com,confirmed,fr\n"
        "pending@example.com,unconfirmed,ar\n"
        "gone@example.com,unsubscribed,ar\n"
        "left@example.com,subscribed,ar\n"
        "not an address,subscribed,ar\n",
        encoding="utf-8",
    )
    out = io.StringIO()

    call_command(
        "import_wordpress",
        str(tmp_path / "export.xml"),
        "--subscribers",
        str(tmp_path / "list.csv"),
        stdout=out,
    )

    confirmed = Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED)
    assert sorted(confirmed.values_list("email", "language")) == [
        ("claire@example.com", "fr"),
        ("nadia@example.com", "ar"),
    ]
    assert SITE in confirmed.first().consent_text
    assert Subscriber.objects.get(email="left@example.com").status == Subscriber.Status.UNSUBSCRIBED
    assert not Subscriber.objects.filter(email__in=["pending@example.com", "gone@example.com"]).exists()
    assert "subscribers: 2 imported as confirmed, 4 left out" in out.getvalue()


def test_a_subscribers_file_without_the_columns_it_needs_is_refused(db, tmp_path):
    (tmp_path / "export.xml").write_text(export([]), encoding="utf-8")
    (tmp_path / "list.csv").write_text("name,phone\nNadia,0600\n", encoding="utf-8")

    with pytest.raises(CommandError, match="needs a header row naming an e-mail column and a status column"):
        call_command(
            "import_wordpress", str(tmp_path / "export.xml"), "--subscribers", str(tmp_path / "list.csv")
        )


def _theme_test_data_parents():
    """``{nicename: parent nicename or ""}`` as the export lists its categories."""
    from xml.etree import ElementTree

    wp = "{https://wordpress.org/export/1.2/}"
    channel = ElementTree.parse(THEME_TEST_DATA).getroot().find("channel")  # noqa: S314 (a fixture)
    return {
        c.findtext(f"{wp}category_nicename"): c.findtext(f"{wp}category_parent") or ""
        for c in channel.iter(f"{wp}category")
    }


@needs_theme_test_data
def test_theme_test_data_keeps_its_category_hierarchy_and_again_unchanged(db):
    call_command("import_wordpress", str(THEME_TEST_DATA), "--language", "en", stdout=io.StringIO())
    expected = _theme_test_data_parents()
    assert sum(1 for parent in expected.values() if parent) >= 10  # nested, several levels
    imported = {
        category.slug: category.parent.slug if category.parent else ""
        for category in Category.objects.select_related("parent")
    }
    assert {slug: imported[slug] for slug in expected} == expected
    grandchild = next(slug for slug, parent in expected.items() if expected.get(parent))
    assert Category.objects.get(slug=grandchild).parent.parent.slug == expected[expected[grandchild]]

    before = list(Category.objects.values_list("pk", "parent_id", "slug"))
    call_command("import_wordpress", str(THEME_TEST_DATA), "--language", "en", stdout=io.StringIO())
    assert list(Category.objects.values_list("pk", "parent_id", "slug")) == before


def test_a_child_listed_before_its_parent_is_put_under_it(db, tmp_path):
    child = """<wp:category><wp:term_id>5</wp:term_id><wp:category_nicename>rabat</wp:category_nicename>
    <wp:category_parent>jihat</wp:category_parent><wp:cat_name><![CDATA[الرباط]]></wp:cat_name></wp:category>"""
    parent = """<wp:category><wp:term_id>6</wp:term_id><wp:category_nicename>jihat</wp:category_nicename>
    <wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[جهات]]></wp:cat_name></wp:category>"""
    run_import(tmp_path, export([]).replace("<wp:category>", child + parent + "<wp:category>", 1))
    assert Category.objects.get(slug="rabat").parent == Category.objects.get(slug="jihat")


def test_deep_threads_keep_their_depth_whatever_order_the_export_lists_them(db, tmp_path):
    comments = (
        comment(7, "رد على الرد", parent=6)  # listed before its parent, a smaller id than neither
        + comment(5, "بداية النقاش")
        + comment(6, "رد", parent=5)
        + comment(8, "إشهار", "spam")
        + comment(9, "رد على الإشهار", parent=8)
    )
    text = export([post(20, "نقاش", "debate", "<p>نص</p>", comments=comments)])
    run_import(tmp_path, text)

    top, reply, deeper = (Comment.objects.get(body=body) for body in ["بداية النقاش", "رد", "رد على الرد"])
    assert (top.parent, top.thread_id, top.depth) == (None, None, 0)
    assert (reply.parent, reply.thread_id, reply.depth) == (top, top.pk, 1)
    assert (deeper.parent, deeper.thread_id, deeper.depth) == (reply, top.pk, 2)
    orphan = Comment.objects.get(body="رد على الإشهار")  # its parent was spam: a thread of its own
    assert (orphan.parent, orphan.depth) == (None, 0)
    assert all(row.fingerprint for row in Comment.objects.all())

    again = run_import(tmp_path, text)
    assert "comments: 4 unchanged" in again
    assert Comment.objects.count() == 4
