"""Which article fields editors translate (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Article, Author, BreakingNews, Category, LiveEntry, Tag


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Tag)
class TagTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Author)
class AuthorTranslationOptions(TranslationOptions):
    fields = ("name", "bio")


@register(Article)
class ArticleTranslationOptions(TranslationOptions):
    fields = (
        "title",
        "lead",
        "body",
        "byline",
        "image_caption",
        "image_alt",
        "image_credit",
        "seo_title",
        "seo_description",
    )


@register(BreakingNews)
class BreakingNewsTranslationOptions(TranslationOptions):
    fields = ("text",)


@register(LiveEntry)
class LiveEntryTranslationOptions(TranslationOptions):
    # Written in Arabic as it happens; a French or English desk may add its own words, and a
    # page in a language an entry lacks shows the Arabic (marked as such for screen readers).
    fields = ("text",)
