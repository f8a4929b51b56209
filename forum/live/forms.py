"""Input shapes of the live pages: the session form, the observer invitation, and the no-JavaScript
chat and question forms. The rules (who may, what is allowed) are the services'."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum.categories import permissions as categories
from forum.categories.models import Category
from forum.organisations.models import Organisation

from .models import LiveSession

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class PersonChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.public_name


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def people():
    """Who may organise or moderate: active accounts that are not observers nor suspended."""
    from django.db.models import Q

    from forum.accounts.models import Restriction

    now = timezone.now()
    suspended = Restriction.objects.filter(kind="suspension", scope="site", lifted_at__isnull=True,
                                           starts_at__lte=now).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    return (get_user_model().objects.filter(is_active=True, deleted_at__isnull=True)
            .exclude(role="observer").exclude(pk__in=suspended.values("user_id")).order_by("display_name", "pk"))


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"dir": "auto", "rows": 4}))
    title_ar = forms.CharField(label=_("Title in Arabic"), max_length=200, required=False,
                               widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}))
    description_ar = forms.CharField(label=_("Description in Arabic"), required=False, max_length=5000,
                                     widget=forms.Textarea(attrs={"dir": "rtl", "lang": "ar", "rows": 3}))
    title_fr = forms.CharField(label=_("Title in French"), max_length=200, required=False,
                               widget=forms.TextInput(attrs={"dir": "ltr", "lang": "fr"}))
    description_fr = forms.CharField(label=_("Description in French"), required=False, max_length=5000,
                                     widget=forms.Textarea(attrs={"dir": "ltr", "lang": "fr", "rows": 3}))
    title_en = forms.CharField(label=_("Title in English"), max_length=200, required=False,
                               widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}))
    description_en = forms.CharField(label=_("Description in English"), required=False, max_length=5000,
                                     widget=forms.Textarea(attrs={"dir": "ltr", "lang": "en", "rows": 3}))
    starts_at = forms.DateTimeField(label=_("Starts"), input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
                                    widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("Ends"), input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
                                  widget=DateTimeLocalInput())
    organisers = PersonChoice(label=_("Organisers"), queryset=get_user_model().objects.none(), required=False,
                              help_text=_("They may change the session and invite observers. You are one."))
    moderators = PersonChoice(label=_("Session moderators"), queryset=get_user_model().objects.none(),
                              required=False)
    category = forms.ModelChoiceField(label=_("Category for the transcript"), queryset=Category.objects.none(),
                                      required=False, empty_label=_("No transcript thread"))
    audience = forms.ChoiceField(label=_("Who may take part"), choices=LiveSession.Audience.choices,
                                 widget=forms.RadioSelect)
    organisations = forms.ModelMultipleChoiceField(label=_("Organisations"), queryset=Organisation.objects.none(),
                                                   required=False,
                                                   help_text=_("Only when the session is for chosen organisations."))
    mode = forms.ChoiceField(label=_("Mode"), choices=LiveSession.Mode.choices, widget=forms.RadioSelect)
    off_the_record = forms.BooleanField(
        label=_("Off the record (Chatham House rule)"), required=False,
        help_text=_("No transcript, no export, presence hidden; messages are deleted some days after the session."))
    questions_held = forms.BooleanField(label=_("Questions wait for a moderator's approval"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisers"].queryset = people()
        self.fields["moderators"].queryset = people()
        self.fields["category"].queryset = categories.visible_categories(actor, Category.objects.all()).order_by(
            "position", "pk")
        self.fields["organisations"].queryset = Organisation.objects.filter(active=True).order_by("name")
        zone = timezone.get_current_timezone_name()
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = _("Time zone: %(zone)s") % {"zone": zone}

    @classmethod
    def initial_for(cls, session: LiveSession) -> dict:
        return {
            "title": session.title, "description": session.description,
            **{f"{field}_{code}": getattr(session, f"{field}_{code}") for field in ("title", "description")
               for code in ("ar", "fr", "en")},
            "starts_at": timezone.localtime(session.starts_at), "ends_at": timezone.localtime(session.ends_at),
            "organisers": list(session.organisers.all()), "moderators": list(session.moderators.all()),
            "category": session.category_id, "audience": session.audience,
            "organisations": list(session.organisations.all()), "mode": session.mode,
            "off_the_record": session.off_the_record, "questions_held": session.questions_held,
        }


class ObserverInviteForm(forms.Form):
    observer = forms.ModelChoiceField(label=_("Observer"), queryset=get_user_model().objects.none(),
                                      empty_label=_("Choose an observer"))

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["observer"].queryset = queryset
        self.fields["observer"].label_from_instance = lambda u: u.public_name


class MessageForm(forms.Form):
    """The chat form without JavaScript (the same service as the socket's `send`)."""

    body = forms.CharField(label=_("Message"), strip=False, widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))
    client_id = forms.UUIDField(widget=forms.HiddenInput)


class MessageEditForm(forms.Form):
    """Editing one's own chat message without JavaScript (the same service as the socket's `edit`)."""

    body = forms.CharField(label=_("Your message"), strip=False,
                           widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))


class QuestionForm(forms.Form):
    body = forms.CharField(label=_("Your question"), strip=False,
                           widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))
    client_id = forms.UUIDField(widget=forms.HiddenInput)


def add_service_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError onto the form: field errors by name, the rest on the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
