"""Editors' admin for categories and articles (translation tabs from modeltranslation)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from .models import Article, Category


@admin.register(Category)
class CategoryAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "menu_order"]
    list_editable = ["menu_order"]
    prepopulated_fields = {"slug": ("name_ar",)}


@admin.register(Article)
class ArticleAdmin(TabbedTranslationAdmin):
    list_display = ["title", "category", "status", "published_at", "is_featured"]
    list_filter = ["status", "category", "is_featured", "published_at"]
    search_fields = ["title_ar", "title_fr", "title_en", "lead_ar", "lead_fr", "lead_en"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title_ar",)}
    list_select_related = ["category"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "lead", "body", "category", "byline"]}),
        (_("Image"), {"fields": ["image", "image_caption", "image_credit"]}),
        (_("Publishing"), {"fields": ["status", "published_at", "is_featured", "comments_open"]}),
    ]
