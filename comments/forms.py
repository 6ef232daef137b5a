"""The reader's comment form: it owns every check of what a reader typed.

On any error the form comes back bound, so every word the reader typed is still there, with a
fresh time token so that sending it again works.
"""

import re
import unicodedata

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import spam
from .models import Comment

# Characters that change the direction of the text around them or take no room at all: in a
# name they make "ahmed" look like someone else (Unicode categories Cc and Cf).
INVISIBLE_CATEGORIES = {"Cc", "Cf"}
# In a comment body only the direction overrides and isolates are refused: they can make a
# quoted name or a link read backwards. Marks (RLM/LRM) and joiners are legitimate in text.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?\s*>")
# "javascript:alert(1)" is an attempt; "I like JavaScript: it is fast" is a sentence.
SCRIPT_SCHEME = re.compile(r"(?<![\w-])(?:java|vb)script:(?=\S)", re.IGNORECASE)


class SingleLineEmailField(forms.EmailField):
    """An e-mail field that refuses line breaks instead of silently stripping them.

    A newline in an address is how header injection starts; it is never a typing slip.
    """

    def to_python(self, value):
        if value and ("\n" in value or "\r" in value):
            raise forms.ValidationError(
                _("An e-mail address is one line: remove the line break."), code="newline"
            )
        return super().to_python(value)


class CommentForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=Comment._meta.get_field("name").max_length,
        error_messages={
            "required": _("Please write your name."),
            "max_length": _("Your name is too long: at most %(limit_value)d characters."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = SingleLineEmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("Never shown on the site."),
        error_messages={
            "required": _("Please write your e-mail address."),
            "invalid": _("Please write a valid e-mail address, like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    body = forms.CharField(
        label=_("Comment"),
        max_length=settings.COMMENTS_MAX_LENGTH,
        error_messages={
            "required": _("Please write your comment."),
            "max_length": _("Your comment is too long: at most %(limit_value)d characters."),
        },
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
    )
    notify_replies = forms.BooleanField(label=_("E-mail me when someone replies"), required=False)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    token = forms.CharField(required=False, widget=forms.HiddenInput)
    # The honeypot: hidden from people (and screen readers), filled by bots that fill everything.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, article, network="", **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.network = network
        self.parent_comment = None
        self.spam_verdict = spam.SpamVerdict(False)
        self.submitted_token = None
        if self.is_bound:
            # Keep what was sent for checking; show a fresh token if the form comes back.
            self.submitted_token = self.data.get("token")
            self.data = self.data.copy()
            self.data["token"] = spam.issue_form_token(article.pk)
        else:
            self.initial.setdefault("token", spam.issue_form_token(article.pk))

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if any(unicodedata.category(char) in INVISIBLE_CATEGORIES for char in name):
            raise forms.ValidationError(
                _("Your name contains invisible or text-direction characters: please type it again."),
                code="invisible",
            )
        if not name:
            raise forms.ValidationError(_("Please write your name."), code="required")
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_body(self):
        body = self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")
        if CONTROL_CHARACTERS.search(body) or BIDI_CONTROLS.search(body):
            raise forms.ValidationError(
                _("Your comment contains invisible control characters: please remove them."),
                code="control",
            )
        if HTML_TAG.search(body):
            raise forms.ValidationError(
                _("Comments are plain text: please remove the HTML tags (such as <script> or <img>)."),
                code="html",
            )
        if SCRIPT_SCHEME.search(body):
            raise forms.ValidationError(
                _("Links in comments must start with http:// or https://."), code="scheme"
            )
        return body

    def clean_parent(self):
        parent_pk = self.cleaned_data.get("parent")
        if parent_pk is None:
            return None
        parent = (
            Comment.objects.approved()
            .filter(pk=parent_pk, article=self.article)
            .select_related("parent")
            .first()
        )
        if parent is None:
            raise forms.ValidationError(
                _("You can only reply to a published comment of this article."), code="parent"
            )
        # Threads stop nesting at the last level: a reply there joins its parent's replies.
        if parent.depth + 1 >= settings.COMMENTS_MAX_DEPTH and parent.parent is not None:
            parent = parent.parent
        self.parent_comment = parent
        return parent.pk

    def clean(self):
        cleaned = super().clean()
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(
                _("Your comment could not be accepted. If you are a person, please try again."),
                code="honeypot",
            )
        problem = spam.check_form_token(self.submitted_token, self.article.pk)
        if problem == spam.TokenProblem.TOO_FAST:
            raise forms.ValidationError(
                _("That was sent too quickly. Please check your comment and send it again."),
                code="too_fast",
            )
        if problem == spam.TokenProblem.EXPIRED:
            raise forms.ValidationError(
                _("This form was open too long and has expired. Please send your comment again."),
                code="expired",
            )
        if problem == spam.TokenProblem.INVALID:
            raise forms.ValidationError(
                _("This form is not valid any more. Please send your comment again."), code="token"
            )
        body = cleaned.get("body")
        if body:
            if spam.blocked_words_in(body) or spam.blocked_words_in(cleaned.get("name", "")):
                raise forms.ValidationError(
                    _("Your comment contains words this site does not publish. Please rephrase it."),
                    code="blocked",
                )
            if cleaned.get("email") and spam.is_duplicate(self.article, cleaned["email"], self.network, body):
                raise forms.ValidationError(
                    _("You have already sent this comment."),
                    code="duplicate",
                )
            self.spam_verdict = spam.classify(body)
        return cleaned

    def build_comment(self, **facts):
        """An unsaved Comment from the cleaned form and the request ``facts`` the view gives."""
        data = self.cleaned_data
        if self.spam_verdict.is_spam:
            status = Comment.Status.SPAM
        elif settings.COMMENTS_POST_MODERATION:
            status = Comment.Status.APPROVED
        else:
            status = Comment.Status.PENDING
        return Comment(
            article=self.article,
            parent=self.parent_comment,
            name=data["name"],
            email=data["email"],
            body=data["body"],
            notify_replies=data["notify_replies"],
            status=status,
            spam_reason=self.spam_verdict.reason,
            ip_network=self.network,
            **facts,
        )
