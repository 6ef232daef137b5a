"""Forms of the articles app: readers' search, and the editors' article form (admin)."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django_prose_editor.widgets import AdminProseEditorWidget

from . import images
from .models import Article
from .search import MAX_QUERY_LENGTH


class SearchInput(forms.TextInput):
    """``<input type="search">``: browsers offer to clear it, phones show a search key."""

    input_type = "search"


class SearchForm(forms.Form):
    # max_length also becomes the input's maxlength: the browser stops typing at the limit, and
    # the server still checks (links can carry anything).
    q = forms.CharField(
        label=_("Search the articles"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=SearchInput,
        error_messages={
            "max_length": _("Your search is too long: use at most %(limit_value)d characters."),
        },
    )


# What the body editor offers. Every tag and attribute it can produce is kept by
# articles.sanitize (a test holds the two together), so nothing an editor makes is lost on save.
BODY_EDITOR_EXTENSIONS = {
    "Heading": {"levels": [2, 3, 4]},  # the headline is the page's h1
    "Bold": True,
    "Italic": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    # Tables: kept as rows, header cells and cells (no styles, no widths).
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    # The editor turns the browser's spell-checker off by default; writers want it.
    "NoSpellCheck": False,
}


# The editor's own words (menus, tooltips, dialogs), in our catalogue: the editor has no Arabic
# of its own and writes its menus in English. static/articles/editor_i18n.js applies them.
HEADING_LEVELS = BODY_EDITOR_EXTENSIONS["Heading"]["levels"]
EDITOR_STRINGS = {
    "Paragraph": _("Paragraph"),
    "paragraph": _("Paragraph"),
    "bold": _("Bold"),
    "italic": _("Italic"),
    "unordered list": _("Bulleted list"),
    "ordered list": _("Numbered list"),
    "blockquote": _("Quotation"),
    "insert link": _("Insert link"),
    "remove link": _("Remove link"),
    "undo": _("Undo"),
    "redo": _("Redo"),
    "Styles": _("Styles"),
    "Toggle fullscreen": _("Full screen"),
    "Edit Link": _("Edit link"),
    "URL": _("Link address"),
    "Title": _("Title"),
    "Open in new window": _("Open in a new window"),
    "Update": _("Update"),
    "Insert": _("Insert"),
    "Cancel": _("Cancel"),
    "List properties": _("List properties"),
    "List type": _("List type"),
    "Start at": _("Start at"),
    "Decimal numbers": _("Numbers (1, 2, 3)"),
    "Lowercase letters": _("Lowercase letters (a, b, c)"),
    "Uppercase letters": _("Capital letters (A, B, C)"),
    "Lowercase Roman numerals": _("Lowercase Roman numerals (i, ii, iii)"),
    "Uppercase Roman numerals": _("Capital Roman numerals (I, II, III)"),
    "Bullets": _("Bullets"),
}


def editor_strings():
    """English word of the editor -> the admin's language, for the active language."""
    strings = {english: str(translated) for english, translated in EDITOR_STRINGS.items()}
    for level in HEADING_LEVELS:
        heading = str(_("Heading %(level)d")) % {"level": level}
        strings[f"Heading {level}"] = strings[f"heading {level}"] = heading
    return strings


class BodyEditorWidget(AdminProseEditorWidget):
    """django-prose-editor's admin widget, speaking the admin's language with spell-check on."""

    @property
    def media(self):
        return super().media + forms.Media(js=["articles/editor_i18n.js"])

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-editor-strings"] = json.dumps(editor_strings(), ensure_ascii=False)
        return context


def body_editor_widget():
    return BodyEditorWidget(
        config={"extensions": BODY_EDITOR_EXTENSIONS},
        preset="configurable",
        # Arabic, French and English paragraphs each take their own direction in the editor.
        attrs={"dir": "auto"},
    )


class ArticleImageField(forms.ImageField):
    """An image upload that is verified, oriented and stripped of metadata before it is stored.

    Django's own check runs ``Image.open()`` on anything, which lets Pillow's global limit
    decide about decompression bombs with a vague message; ours says what is wrong, in the
    editor's language, and hands the model a clean re-encoded file.
    """

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        return images.clean_upload(upload)


class ArticleForm(forms.ModelForm):
    """The article as editors write it: rich-text bodies and a checked, cleaned image."""

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "lead",
            "body",
            "category",
            "authors",
            "byline",
            "image",
            "image_caption",
            "image_credit",
            "status",
            "published_at",
            "unpublish_at",
            "is_featured",
            "comments_open",
            "seo_title",
            "seo_description",
        ]
        # modeltranslation copies the widget of "body" to body_ar, body_fr and body_en.
        widgets = {"body": body_editor_widget()}
        field_classes = {"image": ArticleImageField}
