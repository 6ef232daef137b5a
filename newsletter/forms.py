"""The signup form (footer and its own page) and the admin's CSV import form."""

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import normalize_email

SIGNUP_TEXT = _("Subscribe to the Kawalis Al-Yawm mailing list to receive everything new by e-mail")
LEAVE_TEXT = _("You can leave at any time with the link in every e-mail.")


def consent_text():
    """What the reader agreed to, word for word as the form showed it in their language."""
    return f"{SIGNUP_TEXT}\n{LEAVE_TEXT}"


# Characters that would let an address smuggle a second header or a second recipient.
_FORBIDDEN = set("\r\n\0,;<>")


def clean_single_address(value):
    """One plain address or a ValidationError that says what is wrong, in the reader's language."""
    value = (value or "").strip()
    if not value:
        raise forms.ValidationError(gettext("Enter your e-mail address."), code="required")
    if any(char in _FORBIDDEN for char in value) or value.count("@") > 1 or any(c.isspace() for c in value):
        raise forms.ValidationError(
            gettext("Enter one e-mail address only, without spaces, line breaks or commas."), code="several"
        )
    if len(value) > 254:
        raise forms.ValidationError(
            gettext("This e-mail address is too long (254 characters at most)."), code="long"
        )
    try:
        validate_email(value)
    except forms.ValidationError as error:
        raise forms.ValidationError(
            gettext("Enter a valid e-mail address, like name@example.com."), code="invalid"
        ) from error
    return normalize_email(value)


class SignupForm(forms.Form):
    email = forms.CharField(
        label=_("E-mail address"),
        # The browser stops at 254 too, but the server decides: longer posts get a clear error.
        max_length=1000,
        widget=forms.EmailInput(
            attrs={
                "autocomplete": "email",
                "maxlength": 254,
                "placeholder": _("you@example.com"),
                "dir": "ltr",
            }
        ),
        error_messages={
            "required": _("Enter your e-mail address."),
            "max_length": _("This e-mail address is too long."),
        },
    )

    def clean_email(self):
        try:
            return clean_single_address(self.cleaned_data["email"])
        except forms.ValidationError as error:
            if error.code == "invalid":
                raise forms.ValidationError(
                    gettext("Enter a valid e-mail address, like name@example.com.")
                ) from error
            raise


class SubscriberImportForm(forms.Form):
    csv_file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One address per line; optional second column: language (ar, fr or en). "
            "A first line with the word “email” is skipped."
        ),
    )
    consent_text = forms.CharField(
        label=_("How these people agreed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_(
            "Only import people who already agreed to receive the newsletter. This text is stored "
            "as their consent record, e.g. “Signed the paper form at the 2026 book fair”."
        ),
    )

    max_bytes = 5 * 1024 * 1024

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(gettext("The file is too large (5 MB at most)."))
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                gettext("The file is not UTF-8 text; save it as “CSV UTF-8”.")
            ) from error
