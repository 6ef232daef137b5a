"""The newsroom's content: categories and articles, and the one rule of what readers may see."""

import copy
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kawalis.readercache import invalidate, invalidate_at

from . import embed_fetch, images, search
from .sanitize import plain_text, sanitize_html

# Languages an article can be written in, the original (Arabic) first.
ARTICLE_LANGUAGES = [code for code, _name in settings.LANGUAGES]
TRANSLATION_LANGUAGES = [code for code in ARTICLE_LANGUAGES if code != settings.LANGUAGE_CODE]
TITLE_FIELDS = [f"title_{code}" for code in ARTICLE_LANGUAGES]

# What reader pages show, as tags of the readers' cache (kawalis/readercache): a change makes
# stale exactly the cached pages and parts that carry its tags. Each article is "article:<pk>"
# (its page, its card in any list) and each tag "tag:<pk>"; these name what many pages show.
CATEGORIES_TAG = "categories"  # the section menu (every page), section names
ARTICLE_LISTS_TAG = "articles"  # which articles the lists show, in which order
BREAKING_TAG = "breaking"  # the breaking-news strip (every page)
TAGS_TAG = "tags"  # which tags exist (a tag's address that found none)
AUTHORS_TAG = "authors"  # which authors exist (an author's address that found none)
REDIRECTS_TAG = "redirects"  # where old addresses lead (articles/redirects.py)
# Any change to any article (its text, address, last change): what the sitemaps and the search
# answers say of articles.
ARTICLE_EDITS_TAG = "article-edits"


# Words a minute an adult reads silently, per language of the text, for the reading time shown
# on the article page. English: 238, the average for non-fiction in Brysbaert's meta-analysis
# of reading rates (Journal of Memory and Language 109, 2019). Arabic writes articles,
# prepositions, conjunctions and pronouns into the word they go with ("وبالمدينة" is "and in
# the city"), so the same story takes fewer, longer words: counted at 180. French at 238.
READING_WORDS_PER_MINUTE = {"ar": 180, "fr": 238, "en": 238}


def count_words(body_html):
    """The words a reader reads in ``body_html``: what stands between spaces and holds a letter
    or a digit (a dash or a lone punctuation mark is no word; tashkeel does not split one)."""
    return sum(1 for token in plain_text(body_html).split() if any(char.isalnum() for char in token))


def category_list_tag(category_pk):
    """Which articles a section's lists show (its page, "see also" of its articles)."""
    return f"articles:category:{category_pk}"


def author_list_tag(author_pk):
    """Which articles an author's page lists."""
    return f"articles:author:{author_pk}"


def tag_list_tag(tag_pk):
    """Which articles a tag's lists show (its page, "see also" of its articles)."""
    return f"articles:tag:{tag_pk}"


def live_tag(article_pk):
    """The live entries of an article (its page and its updates fragment show them)."""
    return f"live:{article_pk}"


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
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_(
            "Leave empty for a section of the site menu. A subcategory is not in the menu; its "
            "articles are also listed on its parent's page."
        ),
    )

    class Meta:
        ordering = ["menu_order", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # The menu on every page shows categories; a section's page lists its subcategories' articles.
        invalidate(CATEGORIES_TAG)

    def get_absolute_url(self):
        return reverse("articles:category", kwargs={"slug": self.slug})

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        invalidate(CATEGORIES_TAG)
        return result

    def clean(self):
        super().clean()
        # A category cannot sit under itself, nor under one of its own subcategories.
        seen, parent = {self.pk}, self.parent
        while parent is not None:
            if parent.pk in seen:
                raise ValidationError(
                    {"parent": _("A category cannot be placed under itself or one of its subcategories.")}
                )
            seen.add(parent.pk)
            parent = parent.parent


class CategoryTree:
    """Every category, by number, with who sits under whom: read once (a small table) for the
    menu, a section's breadcrumb and the subcategories whose articles its page lists."""

    def __init__(self, categories):
        self.categories = list(categories)
        self.by_pk = {category.pk: category for category in self.categories}
        self.children = {}
        for category in self.categories:
            self.children.setdefault(category.parent_id, []).append(category)

    def top_level(self):
        return self.children.get(None, [])

    def ancestors(self, category):
        """The categories above ``category``, the top one first (a cycle stops the walk)."""
        chain, seen = [], {category.pk}
        parent = self.by_pk.get(category.parent_id)
        while parent is not None and parent.pk not in seen:
            chain.append(parent)
            seen.add(parent.pk)
            parent = self.by_pk.get(parent.parent_id)
        return chain[::-1]

    def family_pks(self, category):
        """``category``'s number and those of every category under it, at any depth."""
        found, todo = [], [category.pk]
        while todo:
            pk = todo.pop()
            if pk in found:
                continue
            found.append(pk)
            todo += [child.pk for child in self.children.get(pk, [])]
        return sorted(found)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text=_(
            "Part of the tag page's address, filled from the Arabic name. Changing it breaks old links."
        ),
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unicode_slug(
                getattr(self, f"name_{settings.LANGUAGE_CODE}", None) or self.name, 80, "tag"
            )
        super().save(*args, **kwargs)
        invalidate(self.reader_tag, TAGS_TAG)  # tag names show on article pages and the tag's own

    def get_absolute_url(self):
        return reverse("articles:tag", kwargs={"slug": self.slug})

    def delete(self, *args, **kwargs):
        reader_tag = self.reader_tag
        result = super().delete(*args, **kwargs)
        invalidate(reader_tag, TAGS_TAG)
        return result

    @property
    def reader_tag(self):
        """The readers' cache tag of this tag: its name wherever it is shown, its page."""
        return f"tag:{self.pk}"


def published_rule(prefix="", now=None):
    """What readers may see, as a ``Q``: published, with a publication time that has come and
    an expiry time (``unpublish_at``), if any, still to come.

    ``prefix`` applies it from another model (``"article__"`` from a tag link). A future
    publication time schedules (embargoes) the article: it appears by itself when the time
    comes; an expiry time takes it away by itself. Both because this rule is evaluated at
    request time (no cron needed); the readers' cache is told of both times on save.
    """
    now = now or timezone.now()
    return Q(**{f"{prefix}status": Article.Status.PUBLISHED, f"{prefix}published_at__lte": now}) & (
        Q(**{f"{prefix}unpublish_at__isnull": True}) | Q(**{f"{prefix}unpublish_at__gt": now})
    )


def language_rule(language, prefix=""):
    """Articles that have a translation in ``language``, as a ``Q`` (every article has Arabic)."""
    if language not in TRANSLATION_LANGUAGES:
        return Q()
    title = f"{prefix}title_{language}"
    return ~Q(**{f"{title}__isnull": True}) & ~Q(**{title: ""})


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see (``published_rule``)."""
        return self.filter(published_rule())

    def in_language(self, language):
        """Articles that have a translation in ``language`` (``language_rule``)."""
        return self.filter(language_rule(language))

    def for_listing(self):
        """The columns a card needs, with the category joined in: one query per list."""
        return self.select_related("category").defer(
            *[f"body_{code}" for code in ARTICLE_LANGUAGES],
            *[f"search_{code}" for code in ARTICLE_LANGUAGES],
        )

    def for_cards(self):
        """``for_listing()`` with the authors a card's byline names: one query more per list,
        whatever its length."""
        return self.for_listing().prefetch_related("authors")

    def for_search_results(self, language):
        """``for_listing()``, with the body in ``language`` that a result's snippet comes from."""
        return self.select_related("category").defer(
            *[f"body_{code}" for code in ARTICLE_LANGUAGES if code != language],
            *[f"search_{code}" for code in ARTICLE_LANGUAGES],
        )

    def search(self, terms, language):
        """Articles whose title, lead or body in ``language`` contain every one of ``terms``.

        ``terms`` come from ``search.query_terms()`` (already normalised). A term matches the
        start of a word, with or without the Arabic article "ال". The newest
        ``search.MAX_RANKED`` matches only, best first on PostgreSQL (title over lead over
        body), newest first on SQLite.
        """
        return search.match(self.in_language(language), language, terms)

    def most_read_in_windows(self, windows, length):
        """``{name: [article, ...]}``: the ``length`` most read since each ``windows[name]``.

        Articles nobody read in a window are left out of its list. The join starts from the
        widest window's view counts (index on hour), so the cost follows the readers' activity,
        not the size of the archive (summing over every article took a second at 100,000).
        One query for all the windows: the view counts of the widest window are summed per
        article once per window (a filtered sum), each window ranks the articles by its own sum
        (a window function), and only the rows within some window's first ``length`` come back.
        Each article carries ``recent_views`` for its list (a copy per list it appears in).
        """
        widest = min(windows.values())
        views = {
            name: Coalesce(Sum("view_counts__views", filter=Q(view_counts__hour__gte=since)), 0)
            for name, since in windows.items()
        }
        ranks = {
            f"rank_{name}": Window(
                RowNumber(), order_by=[F(f"views_{name}").desc(), F("published_at").desc(), F("id").desc()]
            )
            for name in windows
        }
        within = Q()
        for rank in ranks:
            within |= Q(**{f"{rank}__lte": length})
        rows = list(
            self.filter(view_counts__hour__gte=widest)
            .annotate(**{f"views_{name}": total for name, total in views.items()})
            .annotate(**ranks)
            .filter(within)
        )
        lists = {}
        for name in windows:
            ranked = sorted(
                (
                    row
                    for row in rows
                    if getattr(row, f"rank_{name}") <= length and getattr(row, f"views_{name}") > 0
                ),
                key=lambda row, name=name: getattr(row, f"rank_{name}"),
            )
            lists[name] = []
            for row in ranked:
                article = copy.copy(row)
                article.recent_views = getattr(row, f"views_{name}")
                lists[name].append(article)
        return lists


class Author(models.Model):
    """Someone who writes for the newsroom, with a page of their articles. Agencies and guests
    need none: an article's free-text byline names them."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text=_(
            "Part of the author page's address, filled from the Arabic name. Changing it breaks old links."
        ),
    )
    bio = models.TextField(
        _("short biography"), blank=True, help_text=_("A sentence or two, shown on their page.")
    )
    photo = models.ImageField(_("photo"), upload_to="authors/%Y/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author",
        limit_choices_to={"is_staff": True},
        help_text=_("The account this author signs in with, if they have one."),
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unicode_slug(
                getattr(self, f"name_{settings.LANGUAGE_CODE}", None) or self.name, 120, "author"
            )
        super().save(*args, **kwargs)
        invalidate(self.reader_tag, AUTHORS_TAG)  # their name on their articles' pages, their page

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})

    def delete(self, *args, **kwargs):
        reader_tag, list_tag = self.reader_tag, author_list_tag(self.pk)
        result = super().delete(*args, **kwargs)
        invalidate(reader_tag, list_tag)
        return result

    @property
    def reader_tag(self):
        """The readers' cache tag of this author: their name wherever it is shown, their page."""
        return f"author:{self.pk}"


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        # Written and submitted: waits for an editor, who publishes it or returns it with a note.
        REVIEW = "review", _("In review")
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
        _("byline"),
        max_length=120,
        blank=True,
        help_text=_(
            "Author name as printed, e.g. “كواليس اليوم”. Left empty in a translation, the "
            "Arabic byline is shown."
        ),
    )

    image = models.ImageField(
        _("featured image"),
        upload_to="articles/%Y/%m/",
        blank=True,
        width_field="image_width",
        height_field="image_height",
    )
    # The stored image whose renditions exist (made by a background task, articles/tasks.py):
    # until it equals ``image``, pages show the uploaded image itself.
    renditions_of = models.CharField(max_length=100, blank=True, editable=False)
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_caption = models.CharField(_("image caption"), max_length=300, blank=True)
    image_alt = models.CharField(
        _("image description"),
        max_length=250,
        blank=True,
        help_text=_(
            "What the photo shows, for readers who cannot see it (screen readers, images off). "
            "Not the caption: describe the picture itself. Empty: the caption is used."
        ),
    )
    image_credit = models.CharField(
        _("image credit"),
        max_length=120,
        blank=True,
        help_text=_(
            "Who took or owns the photo, as printed under it. Left empty in a translation, the "
            "Arabic credit is shown."
        ),
    )

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("publication time"),
        default=timezone.now,
        help_text=_(
            "For an article to be seen by readers, it must be published and this time must have "
            "come. A time in the future schedules it: it appears by itself at that time."
        ),
    )
    unpublish_at = models.DateTimeField(
        _("unpublish at"),
        null=True,
        blank=True,
        help_text=_(
            "Leave empty to keep the article online. A time here takes it off the site by itself "
            "at that time (its page, lists, feeds, sitemaps and search)."
        ),
    )
    review_note = models.TextField(
        _("editor's note"),
        blank=True,
        editable=False,
        help_text=_("What the editor asked to change when returning the article to its writer."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Counts the saves: the admin form carries the number it was opened at and refuses a save
    # made from an older one (articles/desk.py), so that no one overwrites a colleague unseen.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    comments_open = models.BooleanField(
        _("comments open"), default=True, help_text=_("Untick to stop readers from commenting.")
    )
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("The newest featured article leads the home page.")
    )
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), through="ArticleTag", related_name="articles", blank=True
    )
    authors = models.ManyToManyField(
        Author,
        verbose_name=_("authors"),
        related_name="articles",
        blank=True,
        help_text=_(
            "The newsroom's writers of this story, each linked to their page. For an agency or a "
            "guest, write the byline instead."
        ),
    )
    seo_title = models.CharField(
        _("title for search engines"),
        max_length=110,
        blank=True,
        help_text=_(
            "Shown in search results and when the article is shared. Leave empty to use the title. "
            "Search engines show about 60 characters."
        ),
    )
    seo_description = models.CharField(
        _("description for search engines"),
        max_length=300,
        blank=True,
        help_text=_(
            "Shown under the title in search results and shares. Leave empty to use the lead. "
            "About 155 characters are shown."
        ),
    )
    coverage_start = models.DateTimeField(
        _("live coverage from"),
        null=True,
        blank=True,
        help_text=_(
            "Makes this article a live coverage («تغطية مباشرة»): from this time readers see its "
            "entries update by themselves. Post entries with “Post a live entry”."
        ),
    )
    coverage_end = models.DateTimeField(
        _("live coverage until"),
        null=True,
        blank=True,
        help_text=_("When the coverage ended: the page stops updating itself. Empty while it goes on."),
    )
    # The last change of its live entries (posted, corrected, deleted), counted up by one each
    # time: readers' pages ask for what changed after the number they were rendered with.
    live_stamp = models.PositiveIntegerField(default=0, editable=False)
    # What search compares against, per language: title, lead and body folded by
    # articles.arabic.normalise(). Filled on save; empty where there is no translation.
    search_ar = models.TextField(editable=False, blank=True, default="")
    search_fr = models.TextField(editable=False, blank=True, default="")
    search_en = models.TextField(editable=False, blank=True, default="")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("publish_article", "Can publish articles")]
        indexes = [
            # With the number after the time, as lists order by it next: "the 12 newest", "the
            # 500 newest" (search) and a keyset page are read down the index, with no sort. The
            # expiry time last, for published_rule: without it each entry's row was read to
            # check it, and a deep page or a count read the whole table (230 ms at 100,000).
            models.Index(
                fields=["status", "published_at", "id", "unpublish_at"], name="article_published_idx"
            ),
            # A section's pages, read down the index the same way (expiry last, as above).
            models.Index(
                fields=["category", "status", "published_at", "id", "unpublish_at"],
                name="article_category_idx",
            ),
            # The published articles of each translation, counted and paged through (the
            # sitemaps) from the index alone: the title that decides it is not read from the row.
            *(
                models.Index(
                    fields=["status", "published_at", "id", "unpublish_at"],
                    condition=language_rule(code),
                    name=f"article_published_{code}_idx",
                )
                for code in TRANSLATION_LANGUAGES
            ),
            # The sitemaps' last change: the newest update, read from the end of an index.
            models.Index(fields=["updated_at"], name="article_updated_idx"),
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
        for code in ARTICLE_LANGUAGES:
            setattr(self, f"search_{code}", self.search_document(code))
        previous_image = getattr(self, "_stored_image_name", "")
        self.version = (self.version or 0) + 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)
        # The tag links keep a copy of the publication time so that "see also" can take the
        # newest articles of a tag straight from an index (see ArticleTag).
        self.article_tags.exclude(article_published_at=self.published_at).update(
            article_published_at=self.published_at
        )
        current_image = self.image.name or ""
        if previous_image is not None and current_image != previous_image:
            if current_image:
                from django_tasks import TaskResultStatus

                from .tasks import make_image_renditions

                result = make_image_renditions.enqueue(current_image)
                if result.status == TaskResultStatus.SUCCESSFUL:  # a backend that runs it at once
                    self.renditions_of = current_image
            if previous_image:
                self._discard_image_after_commit(previous_image)
            self._stored_image_name = current_image
        listed_as = self._listing_state()
        was_listed_as = getattr(self, "_listed_as", None)
        if listed_as is None or listed_as != was_listed_as:
            # Lists (home, its sections, its tags' pages, their "see also") may gain, lose or
            # reorder it.
            invalidate(self.reader_tag, *self._list_tags(was_listed_as))
            self._listed_as = listed_as
        else:
            # Only where its page or card is shown, and the sitemaps and search answers (its text,
            # its last change).
            invalidate(self.reader_tag, ARTICLE_EDITS_TAG)
        if self.status == self.Status.REVIEW and getattr(self, "_stored_status", None) != self.Status.REVIEW:
            # Submitted for review: the editors hear of it once it is committed (rate-limited).
            from .workflow import tell_editors_after_commit

            tell_editors_after_commit(using=kwargs.get("using"))
        self._stored_status = self.status
        # The title and thumbnail of embeds it shows for the first time: fetched by the worker.
        embed_fetch.fetch_after_commit(
            [getattr(self, f"body_{code}", None) or "" for code in ARTICLE_LANGUAGES],
            self.pk,
            using=kwargs.get("using"),
        )
        now = timezone.now()
        if self.status == self.Status.PUBLISHED:
            # Scheduled, or set to expire: it appears or leaves by itself (published_rule); the
            # lists showing it then, its page, the sitemaps and search answers become stale at
            # that very time (and no cached page lives past it).
            for when in (self.published_at, self.unpublish_at):
                if when and when > now:
                    invalidate_at(when, self.reader_tag, ARTICLE_EDITS_TAG, *self._list_tags())
        for when in (self.coverage_start, self.coverage_end):
            if when and when > timezone.now():
                # The page starts or stops being live by the clock: it and its updates change then.
                invalidate_at(when, self.reader_tag, live_tag(self.pk))

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"pk": self.pk, "slug": self.slug})

    def delete(self, *args, **kwargs):
        image_name = self.image.name
        pk = self.pk
        list_tags = self._list_tags()
        result = super().delete(*args, **kwargs)
        if image_name:
            self._discard_image_after_commit(image_name)
        invalidate(f"article:{pk}", *list_tags)
        return result

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        # Remember the stored image to spot a replacement on save (without loading a deferred field).
        # None when the field was deferred: then a save does not know the old image and leaves it be.
        stored = article.__dict__.get("image")
        article._stored_image_name = None if "image" not in article.__dict__ else str(stored or "")
        article._listed_as = article._listing_state()
        article._stored_status = article.__dict__.get("status")  # to spot a submission for review
        return article

    @property
    def reader_tag(self):
        """The readers' cache tag of this article: its page and its card wherever it is shown."""
        return f"article:{self.pk}"

    def _list_tags(self, was_listed_as=None):
        """The tags of every list that may show this article (and showed it, before a move)."""
        categories = {self.category_id}
        if was_listed_as is not None:
            categories.add(was_listed_as[3])
        tag_pks = self.article_tags.values_list("tag_id", flat=True) if self.pk else []
        author_pks = self.authors.values_list("pk", flat=True) if self.pk else []
        return [
            ARTICLE_LISTS_TAG,
            *(category_list_tag(pk) for pk in sorted(categories - {None})),
            *(tag_list_tag(pk) for pk in tag_pks),
            *(author_list_tag(pk) for pk in author_pks),
        ]

    def _listing_state(self):
        """What decides whether and where lists show the article (None if not all loaded)."""
        fields = ["status", "published_at", "is_featured", "category_id", *TITLE_FIELDS, "unpublish_at"]
        if any(name not in self.__dict__ for name in fields):
            return None
        loaded = self.__dict__
        return tuple(bool(loaded[name]) if name in TITLE_FIELDS else loaded[name] for name in fields)

    def _discard_image_after_commit(self, name):
        """Delete a replaced or orphaned image and its renditions once the change is committed.

        After the commit, so that a rolled-back save never leaves an article pointing at a
        deleted file; and only if no other article uses the same file.
        """
        storage = self.image.storage

        def discard():
            if Article.objects.filter(image=name).exists():
                return
            images.delete_renditions(name, storage)
            storage.delete(name)

        transaction.on_commit(discard)

    @property
    def has_live_coverage(self):
        """Whether this article is (or was) a live coverage: it has a coverage start."""
        return self.coverage_start is not None

    @property
    def is_live(self):
        """Live now: the coverage has started and has not ended."""
        now = timezone.now()
        return (
            self.coverage_start is not None
            and self.coverage_start <= now
            and (self.coverage_end is None or self.coverage_end > now)
        )

    def clean(self):
        super().clean()
        if self.unpublish_at and self.published_at and self.unpublish_at <= self.published_at:
            raise ValidationError(
                {"unpublish_at": _("The article must leave the site after its publication time.")}
            )
        if self.coverage_end and not self.coverage_start:
            raise ValidationError({"coverage_end": _("Set when the live coverage started first.")})
        if self.coverage_start and self.coverage_end and self.coverage_end <= self.coverage_start:
            raise ValidationError({"coverage_end": _("The coverage must end after it started.")})

    @property
    def is_published(self):
        """Whether readers see it now (``published_rule``, for one article in hand)."""
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at <= now
            and (self.unpublish_at is None or self.unpublish_at > now)
        )

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    @property
    def is_expired(self):
        """Published once, and taken off the site by its expiry time."""
        return (
            self.status == self.Status.PUBLISHED
            and self.unpublish_at is not None
            and self.unpublish_at <= timezone.now()
        )

    @property
    def image_description(self):
        """The featured image's text alternative for the current language."""
        return self.image_description_in(get_language())

    def image_description_in(self, language):
        """The featured image's text alternative for a reader of ``language``.

        The editor's description in that language, else the caption in that language; only
        when neither is translated, the Arabic original of either (a French reader is better
        served by a French caption than by an Arabic description).
        """
        for name in ("image_alt", "image_caption"):
            value = getattr(self, f"{name}_{language}", None)
            if value:
                return value
        return self.image_alt or self.image_caption

    @property
    def reading_minutes(self):
        """Minutes to read the body shown to the current language's reader (0: no body)."""
        return self.reading_minutes_in(get_language())

    def reading_minutes_in(self, language):
        """Minutes to read the body a reader of ``language`` gets, rounded up (0: no body).

        A page without the translation shows the Arabic body, read at Arabic's rate.
        """
        shown = language if getattr(self, f"body_{language}", None) else settings.LANGUAGE_CODE
        words = count_words(getattr(self, f"body_{shown}", None))
        rate = READING_WORDS_PER_MINUTE.get(shown, READING_WORDS_PER_MINUTE[settings.LANGUAGE_CODE])
        return math.ceil(words / rate)

    def has_language(self, language):
        if language == settings.LANGUAGE_CODE:
            return True
        return bool(getattr(self, f"title_{language}", None))

    @property
    def languages(self):
        """The languages this article is written in, Arabic first."""
        return [code for code in ARTICLE_LANGUAGES if self.has_language(code)]

    def search_document(self, language):
        """Title, lead and body in ``language``, normalised for search ("" if not translated)."""
        if not getattr(self, f"title_{language}", None):
            return ""
        return search.document(
            *(getattr(self, f"{name}_{language}", None) or "" for name in ("title", "lead", "body"))
        )

    def content_language(self, language):
        """The language the page really shows in ``language``: it, or Arabic for want of it."""
        return language if self.has_language(language) else settings.LANGUAGE_CODE

    def seo_title_in(self, language):
        """The title for search engines and shares: the editor's override, else the title."""
        shown = self.content_language(language)
        return getattr(self, f"seo_title_{shown}", None) or getattr(self, f"title_{shown}", None) or ""

    def seo_description_in(self, language):
        """The description for search engines and shares: the editor's override, else the summary."""
        shown = self.content_language(language)
        override = getattr(self, f"seo_description_{shown}", None)
        if override:
            return override
        lead = getattr(self, f"lead_{shown}", None)
        if lead:
            return lead
        return Truncator(plain_text(getattr(self, f"body_{shown}", None) or "")).words(40)

    @property
    def summary(self):
        """The lead, or the body's first words when the editor wrote no lead."""
        if self.lead:
            return self.lead
        return Truncator(plain_text(self.body or "")).words(40)


class ArticleTag(models.Model):
    """An article's tag. Keeps a copy of the article's publication time (kept in step by
    ``Article.save()``) so that the newest articles of a tag come from the index
    (tag, article_published_at, article) in the order they are wanted, without a sort over the tag's
    whole history. Readers' rules (published, time come) are still checked on the article.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="article_tags")
    article_published_at = models.DateTimeField(editable=False)

    class Meta:
        verbose_name = _("article tag")
        verbose_name_plural = _("article tags")
        constraints = [models.UniqueConstraint(fields=["article", "tag"], name="article_tag_unique")]
        # The article last: the tie-break of "newest first" comes from the index too (no sort).
        indexes = [
            models.Index(fields=["tag", "article_published_at", "article"], name="article_tag_newest_idx")
        ]

    def __str__(self):
        return f"{self.article} · {self.tag}"

    def save(self, *args, **kwargs):
        self.article_published_at = self.article.published_at
        super().save(*args, **kwargs)
        invalidate(*tag_link_tags([self.article_id], [self.tag_id]))

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        invalidate(*tag_link_tags([self.article_id], [self.tag_id]))
        return result


def tag_link_tags(article_pks, tag_pks):
    """What a change of tag links shows differently: the articles' tag links, the tags' lists
    (their pages, and "see also" of the articles that carry them)."""
    return [*(f"article:{pk}" for pk in sorted(article_pks)), *(tag_list_tag(pk) for pk in sorted(tag_pks))]


@receiver(m2m_changed, sender=ArticleTag)
def _tag_links_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """``article.tags.set()`` / ``add()`` / ``remove()`` / ``clear()`` write the links in bulk,
    without ``ArticleTag.save()``: the readers' cache learns of them here."""
    if action == "pre_clear":
        links = ArticleTag.objects.filter(**{"tag" if reverse else "article": instance})
        pk_set = set(links.values_list("article_id" if reverse else "tag_id", flat=True))
    elif action not in {"post_add", "post_remove"}:
        return
    if reverse:  # tag.articles.add(...): the instance is the tag
        invalidate(*tag_link_tags(pk_set, [instance.pk]))
    else:
        invalidate(*tag_link_tags([instance.pk], pk_set))


@receiver(m2m_changed, sender=Article.authors.through)
def _authors_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Authors added to or taken from articles: the articles' bylines, the authors' pages."""
    if action == "pre_clear":
        links = sender.objects.filter(**{"author" if reverse else "article": instance})
        pk_set = set(links.values_list("article_id" if reverse else "author_id", flat=True))
    elif action not in {"post_add", "post_remove"}:
        return
    article_pks, author_pks = (pk_set, [instance.pk]) if reverse else ([instance.pk], pk_set)
    invalidate(
        *(f"article:{pk}" for pk in sorted(article_pks)), *(author_list_tag(pk) for pk in sorted(author_pks))
    )


class RelatedArticle(models.Model):
    """An article an editor picked for the "شاهد أيضا" (see also) block of another, in order."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="related_links"
    )
    related = models.ForeignKey(
        Article, verbose_name=_("related article"), on_delete=models.CASCADE, related_name="linked_from"
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower numbers are shown first.")
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("related article")
        verbose_name_plural = _("related articles (see also)")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "related"],
                name="related_article_unique",
                violation_error_message=_("This article is already in the list."),
            ),
            models.CheckConstraint(
                condition=~models.Q(article=models.F("related")),
                name="related_article_not_itself",
                violation_error_message=_("An article cannot be related to itself."),
            ),
        ]

    def __str__(self):
        return f"{self.article} → {self.related}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        invalidate(f"article:{self.article_id}")  # its "see also"

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        invalidate(f"article:{self.article_id}")
        return result


# --- Newsroom tools: breaking news ("عاجل") and view counts ("الأكثر قراءة") -------------------


class BreakingNewsQuerySet(models.QuerySet):
    def active(self, at=None):
        """Lines readers see now: started, not expired, and, when tied to an article, published."""
        now = at or timezone.now()
        return self.filter(starts_at__lte=now, expires_at__gt=now).filter(
            Q(article__isnull=True) | published_rule("article__", now)
        )

    def not_expired(self, at=None):
        return self.filter(expires_at__gt=at or timezone.now())


class BreakingNews(models.Model):
    """A line in the "عاجل" strip on top of every reader page, until it expires."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="breaking_news",
        help_text=_("The strip links to this article and shows its title unless you write a line."),
    )
    text = models.CharField(
        _("line"),
        max_length=200,
        blank=True,
        help_text=_(
            "The short line readers see after “Breaking”. Leave it empty to show the article's title."
        ),
    )
    link = models.CharField(
        _("link"),
        max_length=500,
        blank=True,
        help_text=_(
            "Where the line leads when no article is chosen: an address on this site such as "
            "/article/12/ (links to other sites only if the site allows them)."
        ),
    )
    starts_at = models.DateTimeField(_("shown from"), default=timezone.now)
    expires_at = models.DateTimeField(
        _("expires at"), help_text=_("The line disappears from every page by itself at this time.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = BreakingNewsQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("breaking news")
        verbose_name_plural = _("breaking news")
        indexes = [models.Index(fields=["expires_at", "starts_at"], name="breaking_expiry_idx")]

    def __str__(self):
        return self.text or (self.article.title if self.article_id else "")

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        invalidate(BREAKING_TAG)  # the strip is on every page, cached ones included

    def clean(self):
        from .breaking import check_breaking_link

        errors = {}
        language = settings.LANGUAGE_CODE
        original_text = (getattr(self, f"text_{language}", None) or "").strip()
        if not self.article_id and not original_text:
            errors[f"text_{language}"] = _("Write the line in Arabic, or choose an article.")
        if self.link and not self.article_id:
            try:
                check_breaking_link(self.link)
            except ValidationError as error:
                errors["link"] = error
        if self.expires_at and self.expires_at <= timezone.now():
            errors["expires_at"] = _("This time has already passed: choose an expiry in the future.")
        elif self.expires_at and self.starts_at and self.expires_at <= self.starts_at:
            errors["expires_at"] = _("The line must expire after the time it is first shown.")
        if self.article_id and self.starts_at:
            article = self.article
            if article.status != Article.Status.PUBLISHED or article.published_at > self.starts_at:
                errors["article"] = _("Readers cannot see this article yet: publish it first.")
        if errors:
            raise ValidationError(errors)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        invalidate(BREAKING_TAG)
        return result

    @property
    def url(self):
        return self.article.get_absolute_url() if self.article_id else self.link

    @property
    def is_active(self):
        now = timezone.now()
        return self.starts_at <= now < self.expires_at and (not self.article_id or self.article.is_published)


class ArticleViewCount(models.Model):
    """Reader views of an article in one hour, written by ``flush_view_counts`` (never by a page)."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="view_counts"
    )
    hour = models.DateTimeField(_("hour"), help_text=_("Start of the hour the views were counted in."))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("article views")
        verbose_name_plural = _("article views")
        constraints = [models.UniqueConstraint(fields=["article", "hour"], name="one_view_count_per_hour")]
        indexes = [models.Index(fields=["hour", "article"], name="view_count_hour_idx")]

    def __str__(self):
        return f"{self.article_id} @ {self.hour:%Y-%m-%d %H:00}: {self.views}"


class Redirect(models.Model):
    """An old address of the site (a WordPress permalink, a renamed section) and where it now
    leads: readers and search engines following it get a permanent redirect."""

    old_path = models.CharField(
        _("old address"),
        max_length=500,
        unique=True,
        help_text=_("The path as it was, from the first “/”: “/2024/05/old-story/” or “/?p=123”."),
    )
    new_path = models.CharField(
        _("new address"),
        max_length=500,
        help_text=_("Where it leads now: “/article/12/” or a full https:// address."),
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("Where it came from, for the next editor.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["old_path"]
        verbose_name = _("redirect")
        verbose_name_plural = _("redirects")

    def __str__(self):
        return f"{self.old_path} → {self.new_path}"

    def save(self, *args, **kwargs):
        from .redirects import normalise_path

        self.old_path = normalise_path(self.old_path)
        super().save(*args, **kwargs)
        invalidate(REDIRECTS_TAG)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        invalidate(REDIRECTS_TAG)
        return result


class ArticleDraft(models.Model):
    """What an editor typed in the article form and has not saved yet: one copy per editor and
    article (or, for an article not created yet, per add form, named by a token the page made).

    Autosaved from the form every few seconds (articles/desk.py); never shown to readers; deleted
    when the editor saves the article.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("editor"), on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=64, blank=True, default="")
    # The form's fields by name, as the browser would post them (the rich-text bodies as HTML).
    data = models.JSONField(default=dict)
    # The article's version the editor started from: restoring an older base asks to compare.
    base_version = models.PositiveIntegerField(null=True, blank=True)
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("unsaved draft")
        verbose_name_plural = _("unsaved drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"], condition=Q(article__isnull=False), name="article_draft_per_user"
            ),
            models.UniqueConstraint(
                fields=["user", "token"], condition=Q(article__isnull=True), name="new_article_draft_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.article or self.token}"


# --- Live coverage ("تغطية مباشرة") ------------------------------------------------------------


class LiveEntryQuerySet(models.QuerySet):
    def shown(self):
        """The entries readers see: every one not deleted."""
        return self.filter(deleted_at__isnull=True)

    def changed_after(self, stamp):
        """Entries posted, corrected or deleted after the article's live stamp ``stamp``."""
        return self.filter(stamp__gt=stamp)


class LiveEntry(models.Model):
    """One short, timestamped update of a live coverage, newest first on the article's page.

    A deleted entry stays as a row (``deleted_at``): its history stays readable, and readers'
    pages that still show it learn that it went (a tombstone in the updates they ask for).
    """

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="live_entries"
    )
    text = models.TextField(_("text"))
    image = models.ImageField(
        _("image"),
        upload_to="live/%Y/%m/",
        blank=True,
        width_field="image_width",
        height_field="image_height",
    )
    # As Article.renditions_of: until it equals ``image``, pages show the uploaded image itself.
    renditions_of = models.CharField(max_length=100, blank=True, editable=False)
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_alt = models.CharField(
        _("image description"),
        max_length=250,
        blank=True,
        help_text=_("What the photo shows, for readers who cannot see it."),
    )
    is_key_point = models.BooleanField(
        _("key point"),
        default=False,
        help_text=_("Key points are also listed together at the top of the coverage."),
    )
    posted_at = models.DateTimeField(_("time"), default=timezone.now, db_index=False)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)
    # The article's live stamp given by this entry's last change (Article.live_stamp).
    stamp = models.PositiveIntegerField(default=0, editable=False)

    objects = LiveEntryQuerySet.as_manager()

    # What the worker fetched of the embeds of a whole list of entries ({(provider, id): Embed}),
    # set by articles.live: the page then asks for every entry's previews in one query.
    embed_previews = None

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = _("live entry")
        verbose_name_plural = _("live entries")
        indexes = [models.Index(fields=["article", "stamp"], name="live_entry_changes_idx")]

    def __str__(self):
        return Truncator(plain_text(self.text)).words(12)

    def save(self, *args, **kwargs):
        """Save the entry as the article's newest live change, readers' pages told after commit."""
        for code in ARTICLE_LANGUAGES:  # each language's own field, whatever language is active
            name = f"text_{code}"
            setattr(self, name, sanitize_html(getattr(self, name, None) or "") or None)
        self.text_ar = self.text_ar or ""
        previous_image = getattr(self, "_stored_image_name", "")
        with transaction.atomic():
            # The row lock of the update orders simultaneous posts: each gets its own stamp.
            Article.objects.filter(pk=self.article_id).update(live_stamp=F("live_stamp") + 1)
            self.stamp = Article.objects.filter(pk=self.article_id).values_list("live_stamp", flat=True).get()
            super().save(*args, **kwargs)
            current_image = self.image.name or ""
            if previous_image is not None and current_image and current_image != previous_image:
                from django_tasks import TaskResultStatus

                from .tasks import make_image_renditions

                result = make_image_renditions.enqueue(current_image)
                if result.status == TaskResultStatus.SUCCESSFUL:  # a backend that runs it at once
                    self.renditions_of = current_image
            self._stored_image_name = current_image
            # Only the article's live entries: its page and its updates. Lists show its card,
            # which no entry changes, and stay warm.
            invalidate(live_tag(self.article_id))
            embed_fetch.fetch_after_commit(self.texts, self.article_id, live=True, using=kwargs.get("using"))

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @classmethod
    def from_db(cls, db, field_names, values):
        entry = super().from_db(db, field_names, values)
        stored = entry.__dict__.get("image")
        entry._stored_image_name = None if "image" not in entry.__dict__ else str(stored or "")
        return entry

    def mark_deleted(self):
        """Take the entry off the coverage; its row and history stay."""
        self.deleted_at = timezone.now()
        self.save()

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def texts(self):
        """The entry's text in each language it is written in."""
        return [text for code in ARTICLE_LANGUAGES if (text := getattr(self, f"text_{code}", None))]

    @property
    def anchor(self):
        """The id of the entry on the article's page (``#live-12``): a link to it is shared."""
        return f"live-{self.pk}"


class Embed(models.Model):
    """What the server fetched once about one embedded post or video (articles/embed_fetch.py):
    its title and thumbnail, the thumbnail stored on our media with renditions, so that the
    placeholder shows them without any request to the provider."""

    provider = models.CharField(_("provider"), max_length=20)
    provider_id = models.CharField(_("id at the provider"), max_length=200)
    title = models.CharField(_("title"), max_length=300, blank=True)
    thumbnail = models.ImageField(
        _("thumbnail"),
        upload_to="embeds/%Y/%m/",
        blank=True,
        width_field="thumbnail_width",
        height_field="thumbnail_height",
    )
    # As Article.renditions_of: the stored thumbnail whose renditions exist.
    renditions_of = models.CharField(max_length=100, blank=True, editable=False)
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    fetched_at = models.DateTimeField(_("fetched"), null=True, blank=True)
    fetch_error = models.CharField(_("fetch error"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("embed")
        verbose_name_plural = _("embeds")
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_id"], name="embed_provider_id_unique")
        ]

    def __str__(self):
        return f"{self.provider}: {self.provider_id}"

    @property
    def as_image(self):
        """The thumbnail in the shape ``images`` reads (``image``, its size, ``renditions_of``)."""
        from types import SimpleNamespace

        return SimpleNamespace(
            image=self.thumbnail,
            image_width=self.thumbnail_width,
            image_height=self.thumbnail_height,
            renditions_of=self.renditions_of,
        )

    def thumbnail_rendition(self, at_least=640):
        """(address, width, height) of our JPEG rendition of the thumbnail, or Nones."""
        return images.jpeg_rendition(self.as_image, at_least)
