"""Editors' HTML: what the body editor makes survives, anything dangerous never reaches a reader."""

import pytest
from django_prose_editor.config import allowlist_from_extensions

from articles.forms import BODY_EDITOR_EXTENSIONS
from articles.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_html

DANGEROUS = {
    "script": ('<p>قبل</p><script>alert("x")</script><p>بعد</p>', "<p>قبل</p><p>بعد</p>"),
    "onerror": ('<p>صورة <img src="x" onerror="alert(1)"></p>', "<p>صورة </p>"),
    "onclick on an allowed tag": ('<p onclick="steal()">نص</p>', "<p>نص</p>"),
    "javascript link": ('<a href="javascript:alert(1)">اضغط</a>', '<a rel="noopener noreferrer">اضغط</a>'),
    "javascript link with entities and case": (
        '<a href="JaVa&#x09;ScRipt&colon;alert(1)">اضغط</a>',
        '<a rel="noopener noreferrer">اضغط</a>',
    ),
    "data url": ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<a rel="noopener noreferrer">x</a>'),
    "style attribute": ('<p style="position:fixed;inset:0">غطاء</p>', "<p>غطاء</p>"),
    "style element": ("<style>body{display:none}</style><p>نص</p>", "<p>نص</p>"),
    "iframe": ('<iframe src="https://evil.example/"></iframe><p>نص</p>', "<p>نص</p>"),
    "object and embed": ('<object data="x.swf"></object><embed src="x.swf"><p>نص</p>', "<p>نص</p>"),
    "svg with script": ("<svg><script>alert(1)</script></svg><p>نص</p>", "<p>نص</p>"),
    "form": ('<form action="https://evil.example/"><input name="password"></form>', ""),
    "nested tag trick": ("<scr<script>ipt>alert(1)</scr</script>ipt>", "ipt&gt;alert(1)ipt&gt;"),
    "comment hiding a script": ("<!--<script>alert(1)</script>--><p>نص</p>", "<p>نص</p>"),
    "meta refresh": (
        '<meta http-equiv="refresh" content="0;url=https://evil.example/"><p>نص</p>',
        "<p>نص</p>",
    ),
    "target blank without rel": (
        '<a href="https://example.com/" target="_blank">x</a>',
        '<a href="https://example.com/" rel="noopener noreferrer">x</a>',
    ),
}


@pytest.mark.parametrize("case", list(DANGEROUS))
def test_dangerous_html_is_removed(case):
    dirty, clean = DANGEROUS[case]
    assert sanitize_html(dirty) == clean


def test_pasted_word_html_keeps_the_text_and_drops_the_office_markup():
    pasted = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{margin:0}'
        "</style></head><body>"
        '<p class="MsoNormal" style="mso-line-height-rule:exactly"><span lang="AR-MA" '
        'style="font-family:Arial">خبر <b>مهم</b></span><o:p></o:p></p>'
        "<!--[if gte mso 9]><xml><w:WordDocument></w:WordDocument></xml><![endif]-->"
        '<p class="MsoNormal"><o:p>&nbsp;</o:p></p></body></html>'
    )
    assert sanitize_html(pasted) == "<p>خبر <b>مهم</b></p>"


def test_what_the_editor_makes_is_kept():
    html = (
        "<h2>عنوان فرعي</h2><p><strong>غامق</strong> و<em>مائل</em> و"
        '<a href="https://example.com/a?b=1">رابط</a></p>'
        '<ul><li>أولا</li></ul><ol start="3"><li>ثالثا</li></ol>'
        '<blockquote lang="fr" dir="ltr"><p>Une citation</p></blockquote>'
    )
    assert sanitize_html(html) == html.replace('">رابط', '" rel="noopener noreferrer">رابط')


def test_saved_bodies_are_sanitised_in_every_language(make_article):
    article = make_article(
        body_ar="<p>نص</p><script>x()</script>",
        title_fr="Titre",
        body_fr='<p onmouseover="x()">Texte</p>',
        title_en="Title",
        body_en='<p><a href="javascript:x()">link</a></p>',
    )
    article.refresh_from_db()
    assert article.body_ar == "<p>نص</p>"
    assert article.body_fr == "<p>Texte</p>"
    assert article.body_en == '<p><a rel="noopener noreferrer">link</a></p>'


def test_html_slipped_into_the_database_is_sanitised_on_output(client, make_article):
    from articles.models import Article

    article = make_article()
    Article.objects.filter(pk=article.pk).update(body_ar='<p>نص</p><img src=x onerror="alert(1)">')
    html = client.get(article.get_absolute_url()).content.decode()
    assert "onerror" not in html
    assert "<p>نص</p>" in html


def test_everything_the_body_editor_can_make_is_allowed_by_the_sanitiser():
    editor = allowlist_from_extensions(BODY_EDITOR_EXTENSIONS)
    assert editor["tags"] <= ALLOWED_TAGS
    # rel is written by the sanitiser itself (noopener noreferrer); data-type is the editor's own
    # bookkeeping for list styles, meaningless to a reader.
    ignored = {"a": {"rel"}, "ol": {"data-type"}}
    for tag, attributes in editor["attributes"].items():
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"]
        assert attributes - ignored.get(tag, set()) <= allowed, tag
    assert set(editor["url_schemes"]) <= {"http", "https", "mailto", "tel"}


def test_the_body_editor_offers_headings_bold_italic_links_lists_and_quotes():
    assert {"Heading", "Bold", "Italic", "Link", "BulletList", "OrderedList", "Blockquote"} <= set(
        BODY_EDITOR_EXTENSIONS
    )
