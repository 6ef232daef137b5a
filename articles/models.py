"""The newsroom's content: categories and articles, and the one rule of what readers may see."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext_lazy as _

from .cache import invalidate_reader_pages
from .sanitize import sanitize_html

# Languages an article can be written in, the original (Arabic) first.
ARTICLE_LANGUAGES = [code for code, _name in settings.LANGUAGES]
TRANSLATION_LANGUAGES = [code for code in ARTICLE_LANGUAGES if code != settings.LANGUAGE_CODE]


def unicode_slug(text, max_length=200, fallback="article"):
    """A URL slug that keeps Arabic letters (readers share these links; they stay readable)."""
    return slugify(text or "", allow_unicode=True)[:max_length].strip("-") or fallback


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        allow_unicode=True,
        help_text=_("Part of the category's address, e.g. “national”. Changing it breaks old links."),
    )
    menu_order = models.PositiveSmallIntegerField(
        _("menu order"),
        default=0,
        help_text=_("Categories are listed in the site menu from the lowest number to the highest."),
    )

    class Meta:
        ordering = ["menu_order", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        invalidate_reader_pages()  # the menu on every page shows categories

    def get_absolute_url(self):
        return reverse("articles:category", kwargs={"slug": self.slug})

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        invalidate_reader_pages()
        return result


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published, with a publication time that has come.

        A future publication time schedules the article: it appears by itself when the
        time comes, because this filter is evaluated at request time (no cron needed).
        """
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def in_language(self, language):
        """Articles that have a translation in ``language`` (every article has Arabic)."""
        if language not in TRANSLATION_LANGUAGES:
            return self
        return self.exclude(**{f"title_{language}__isnull": True}).exclude(**{f"title_{language}": ""})

    def for_listing(self):
        """The columns a card needs, with the category joined in: one query per list."""
        return self.select_related("category").defer(*[f"body_{code}" for code in ARTICLE_LANGUAGES])


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        allow_unicode=True,
        blank=True,
        help_text=_(
            "Readable part of the address, filled from the title. The address also carries the "
            "article's number, so old links keep working when the slug changes."
        ),
    )
    lead = models.TextField(
        _("lead"),
        blank=True,
        help_text=_("One or two sentences that sum the article up; used in lists, feeds and shares."),
    )
    body = models.TextField(_("body"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="articles"
    )
    byline = models.CharField(
        _("byline"), max_length=120, blank=True, help_text=_("Author name as printed, e.g. “كواليس اليوم”.")
    )

    image = models.ImageField(
        _("featured image"),
        upload_to="articles/%Y/%m/",
        blank=True,
        width_field="image_width",
        height_field="image_height",
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_caption = models.CharField(_("image caption"), max_length=300, blank=True)
    image_credit = models.CharField(_("image credit"), max_length=120, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("publication time"),
        default=timezone.now,
        help_text=_(
            "For an article to be seen by readers, it must be published and this time must have "
            "come. A time in the future schedules it: it appears by itself at that time."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    comments_open = models.BooleanField(
        _("comments open"), default=True, help_text=_("Untick to stop readers from commenting.")
    )
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("The newest featured article leads the home page.")
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "published_at"], name="article_published_idx"),
            models.Index(fields=["category", "status", "published_at"], name="article_category_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unicode_slug(getattr(self, f"title_{settings.LANGUAGE_CODE}", None) or self.title)
        # Editors' HTML is sanitised on the way in; templates sanitise again on the way out.
        for code in ARTICLE_LANGUAGES:
            field = f"body_{code}"
            value = getattr(self, field, None)
            if value:
                setattr(self, field, sanitize_html(value))
        super().save(*args, **kwargs)
        invalidate_reader_pages()

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"pk": self.pk, "slug": self.slug})

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        invalidate_reader_pages()
        return result

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    def has_language(self, language):
        if language == settings.LANGUAGE_CODE:
            return True
        return bool(getattr(self, f"title_{language}", None))

    @property
    def languages(self):
        """The languages this article is written in, Arabic first."""
        return [code for code in ARTICLE_LANGUAGES if self.has_language(code)]

    @property
    def summary(self):
        """The lead, or the body's first words when the editor wrote no lead."""
        if self.lead:
            return self.lead
        return Truncator(strip_tags(self.body or "")).words(40)
