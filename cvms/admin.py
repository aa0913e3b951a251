"""The admin site staff work in, with a second factor when STAFF_TWO_FACTOR is on.

With it on, signing in to the admin asks for a TOTP code (django-otp) as well as the password,
and a staff member without a verified device is treated as not staff. A superuser enrols each
staff member's authenticator app in the admin ("TOTP devices"). Off by default so a developer
can sign in with the demo password; docker-compose's production stack turns it on.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db.models import F
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.forms import OTPAuthenticationFormMixin, otp_verification_failed
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpdesk import cases

TWO_FACTOR_LOGIN_TEMPLATE = "admin/login_two_factor.html"


class StaffSignInForm(OTPAdminAuthenticationForm):
    """Username, password and the code from the staff member's authenticator app, in one submit.

    django-otp 1.7 asks for a device to be picked ("Please select a device.") on a second submit,
    because it will not try a code against every device. Staff here have TOTP devices only, and
    nearly always one: that one is checked without asking. With several, the code is tried
    against each (see `_verify_token`). Errors about the code sit on the code field; the
    password is checked first, so only someone who knows it learns whether a device exists.
    The hooks overridden are django-otp 1.7's own (OTPAuthenticationFormMixin's `_chosen_device`,
    `_verify_token`, `_update_form`); tests/test_staff_two_factor.py fails if an upgrade moves them.
    """

    otp_device = None  # never shown: the device is found, not picked
    otp_challenge = None  # TOTP devices have no challenge to send
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": "Enter the 6-digit code your authenticator app shows for CVMS Help Desk.",
        "invalid_token": (
            "That code is not right or has expired. Enter the 6-digit code your authenticator "
            "app shows now."
        ),
        "n_failed_attempts": (
            "Too many wrong codes in a row (%(failure_count)d): code checks are paused for a "
            "while. Wait a minute, then enter the code your authenticator app shows now."
        ),
        "no_device": (
            "Your account has no authenticator app enrolled yet. Ask an administrator to enrol "
            "one for you in the admin (TOTP devices)."
        ),
    }

    def clean_otp_token(self) -> str:
        return "".join(self.cleaned_data["otp_token"].split())  # apps show it as "123 456"

    def clean(self):
        AdminAuthenticationForm.clean(self)  # the password first, with the admin's own message
        try:
            self.clean_otp(self.get_user())
        except forms.ValidationError as error:
            self.add_error(None if error.code == "no_device" else "otp_token", error)
        return self.cleaned_data

    def _chosen_device(self, user):
        self._devices = list(
            TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by(
                F("last_used_at").desc(nulls_last=True), "pk"
            )
        )
        if not self._devices:
            raise forms.ValidationError(self.otp_error_messages["no_device"], code="no_device")
        return self._devices[0] if len(self._devices) == 1 else None

    def _verify_token(self, user, token, device=None):
        """Checks the code against the one device, or against each of several, most recently
        used first. Each wrong code counts against every device, so their pauses move
        together; a right one resets them all, so an unused device is never paused by a
        sign-in that succeeded (what django-otp's device picking protects)."""
        if device is not None:
            return super()._verify_token(user, token, device)
        paused = next((d for d in self._devices if not d.verify_is_allowed()[0]), None)
        if paused is not None:
            return super()._verify_token(user, token, paused)  # says to wait
        matched = next((d for d in self._devices if d.verify_token(token)), None)
        if matched is None:
            otp_verification_failed.send(sender=self.__class__, user=user)
            raise forms.ValidationError(
                self.otp_error_messages["invalid_token"], code="invalid_token"
            )
        for other in self._devices:
            if other != matched and other.throttling_failure_count:
                other.throttle_reset()
        return matched

    def _update_form(self, user):
        # django-otp fills the device list and echoes the password back into the page for its
        # second submit; there is none here, and a password is never written into a page.
        pass


class LabelledAutocompleteView(AutocompleteJsonView):
    """The admin's autocomplete, naming each choice as its ModelAdmin's `autocomplete_label`
    says (a recipient by name, birth date and location rather than "Recipient #123")."""

    def serialize_result(self, obj, to_field_name):
        label = getattr(self.model_admin, "autocomplete_label", str)
        return {"id": str(getattr(obj, to_field_name)), "text": label(obj)}


# What agents work with every day, in this order on the dashboard; everything else is under
# "System", for superusers (help-desk staff hold no permission for most of it: the group's
# permissions in helpdesk/migrations/0002_squashed_staff_group.py).
WORK_MODELS = [
    ("helpdesk", "case"),
    ("helpdesk", "requester"),
    ("helpdesk", "verification"),
    ("recipients", "recipient"),
    ("portal", "registration"),
    ("portal", "dose"),
    ("bulkupload", "upload"),
    ("providers", "location"),
    ("providers", "organization"),
]
QUEUE_SHOWN = 10


def _split(app_list: list[dict]) -> tuple[list[dict], list[dict]]:
    """The app list as (work models, in WORK_MODELS' order; the other apps, without them)."""
    work, system = {}, []
    for app in app_list:
        others = []
        for model in app["models"]:
            key = (app["app_label"], model["object_name"].lower())
            if key in WORK_MODELS:
                work[key] = model
            else:
                others.append(model)
        if others:
            system.append({**app, "models": others})
    return [work[key] for key in WORK_MODELS if key in work], system


class PortalAdminSite(AdminSite):
    site_header = "CVMS Help Desk"
    site_title = "CVMS Help Desk"
    index_title = "Help-desk work"
    index_template = "admin/help_desk_index.html"

    def index(self, request: HttpRequest, extra_context=None) -> TemplateResponse:
        """The dashboard: the queue first (counts, the oldest open cases), then the records
        agents work with, then "System"."""
        work, system = _split(self.get_app_list(request))
        # Agents may still read a few reference lists (the sidebar has them); their home
        # shows their work only.
        system = system if request.user.is_superuser else []
        context = {"work_models": work, "system_apps": system, **(extra_context or {})}
        if request.user.has_perm("helpdesk.view_case"):
            oldest = cases.open_cases().select_related("location", "assignee")
            context.update(
                counts=cases.queue_counts(request.user),
                oldest=oldest[:QUEUE_SHOWN],
                queue_url=reverse("admin:helpdesk_case_changelist"),
            )
        return super().index(request, context)

    def get_urls(self):
        first_day = path("first-day/", self.admin_view(self.first_day), name="first_day")
        return [first_day, *super().get_urls()]

    def first_day(self, request: HttpRequest) -> TemplateResponse:
        """What each button does and how to verify a requester: for an agent's first day."""
        context = {**self.each_context(request), "title": "First day at the help desk"}
        return TemplateResponse(request, "admin/first_day.html", context)

    def autocomplete_view(self, request: HttpRequest):
        return LabelledAutocompleteView.as_view(admin_site=self)(request)

    @property
    def login_form(self):
        return StaffSignInForm if settings.STAFF_TWO_FACTOR else AdminAuthenticationForm

    @property
    def login_template(self):
        return TWO_FACTOR_LOGIN_TEMPLATE if settings.STAFF_TWO_FACTOR else None

    def has_permission(self, request: HttpRequest) -> bool:
        allowed = super().has_permission(request)
        if settings.STAFF_TWO_FACTOR:
            return allowed and request.user.is_verified()
        return allowed
