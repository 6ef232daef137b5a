"""What the article admin form posts, as a browser would send it (prose editor fields included)."""

import datetime

from django.utils import timezone

ADD_URL = "/admin/articles/article/add/"
CHANGELIST_URL = "/admin/articles/article/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def article_form_data(category, published_at=None, **fields):
    """The article form's fields, Arabic only, as a draft; ``fields`` override or add to them."""
    when = timezone.localtime(published_at or timezone.now() - datetime.timedelta(minutes=1))
    data = {
        "title_ar": "عنوان مقال من لوحة التحرير",
        "title_fr": "",
        "title_en": "",
        "slug": "",
        "lead_ar": "",
        "lead_fr": "",
        "lead_en": "",
        # body_* are the prose editor's textareas: it posts the document as HTML.
        "body_ar": "<p>فقرة <strong>أولى</strong></p>",
        "body_fr": "",
        "body_en": "",
        "category": str(category.pk),
        "byline_ar": "هيئة التحرير",
        "byline_fr": "",
        "byline_en": "",
        "image_caption_ar": "",
        "image_caption_fr": "",
        "image_caption_en": "",
        "image_credit_ar": "",
        "image_credit_fr": "",
        "image_credit_en": "",
        "status": "draft",
        "published_at_0": when.strftime("%Y-%m-%d"),
        "published_at_1": when.strftime("%H:%M:%S"),
        "comments_open": "on",
        "seo_title": "",
        "seo_description": "",
        # The "see also" inline, left empty.
        "related_links-TOTAL_FORMS": "0",
        "related_links-INITIAL_FORMS": "0",
        "related_links-MIN_NUM_FORMS": "0",
        "related_links-MAX_NUM_FORMS": "4",
        "_save": "Save",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}
