from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django_object_actions import DjangoObjectActions, action

from outbox.delivery import UNDELIVERED, plain_reason
from outbox.models import OutboundEmail
from providers.models import User

from .models import Recipient
from .names import SHORT_WORD, search_key
from .receivers import WELCOME_KINDS
from .removal import RemovalRefused, remove_recipient
from .usernames import portal_username


class RemovalForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Kept with the recipient for audit (for a case, start with its number).",
    )


def recipient_label(recipient: Recipient) -> str:
    """How a picker names a recipient: the number alone says nothing to an agent on the phone."""
    return (
        f"{recipient.last_name}, {recipient.first_name}, born "
        f"{recipient.date_of_birth:%b %-d, %Y} ({recipient}, {recipient.location})"
    )


def _email_usernames(email: str) -> list[str]:
    # The portal usernames of an email's first family members (recipients.usernames): exact
    # look-ups in the username's unique index.
    return [portal_username(email, number) for number in range(1, FAMILY_SEARCHED + 1)]


FAMILY_SEARCHED = 9


@admin.register(Recipient)
class RecipientAdmin(DjangoObjectActions, admin.ModelAdmin):
    """A recipient's record, found by number, email or name (also the dose's and the
    removal case's picker, through autocomplete).

    The location is shown, not edited. Moving a person to another location hands their data to
    that location's managers and takes it from the first; the guide has no such request, and
    a recipient loaded at the wrong location is removed there (with the reason) and loaded by
    the right location's manager, so both locations' lists, counts and upload records stay
    true. A mistyped id can no longer move anyone.
    """

    list_display = [
        "id",
        "first_name",
        "last_name",
        "date_of_birth",
        "email",
        "location",
        "created_at",
        "removed_at",
    ]
    list_select_related = ["location"]
    list_filter = [
        ("removed_at", admin.EmptyFieldListFilter),
        "welcome_problem",
        "location__organization",
    ]
    # The search is get_search_results's: these only make the admin show its search box.
    search_fields = ["name_first_last"]
    search_help_text = (
        "A recipient number (123 or #123), an exact email, or words of the name (at least 3 "
        "letters; recipients not removed)."
    )
    # No date_hierarchy: its links are worked out from the whole table (MIN, MAX and DISTINCT
    # of created_at, 150 ms at 300,000 recipients, no index serves them) on every visit.
    show_full_result_count = False
    # Newest first, along the primary key: the name order (Meta.ordering) has no index across
    # locations, so the first page sorted the whole table.
    ordering = ["-id"]
    raw_id_fields = ["upload", "created_by", "removed_by"]
    # Who the person is (names, date of birth) is what the unique constraint compares: editing
    # it is not help-desk work and could collide with another recipient. Removal goes through
    # the "Remove recipient" button, which keeps who, when and why.
    readonly_fields = [
        "first_name",
        "last_name",
        "date_of_birth",
        "first_name_key",
        "last_name_key",
        # Where they were loaded, and so whose managers see them: not moved here (the
        # class docstring says why).
        "location",
        "upload",
        "created_by",
        "created_at",
        "removed_at",
        "removed_by",
        "removal_reason",
        "welcome_problem",
        "welcome_email",
    ]
    fieldsets = [
        ("Person", {"fields": ["first_name", "last_name", "date_of_birth", "email"]}),
        ("Matching keys", {"fields": ["first_name_key", "last_name_key"]}),
        ("Origin", {"fields": ["location", "upload", "created_by", "created_at"]}),
        ("Removal", {"fields": ["removed_at", "removed_by", "removal_reason"]}),
        ("Welcome email", {"fields": ["welcome_problem", "welcome_email"]}),
    ]
    change_actions = ["remove"]

    @admin.display(description="what became of it")
    def welcome_email(self, recipient: Recipient) -> str:
        """The manager's view of the same: the newest welcome email's state and why."""
        email = (
            OutboundEmail.objects.filter(user_id=recipient.account_id, kind__in=WELCOME_KINDS)
            .order_by("-id")
            .first()
        )
        if email is None:
            return "None sent"
        problem = plain_reason(email.status, email.reason) if email.status in UNDELIVERED else ""
        return (
            f"{email.get_status_display()}{': ' + problem if problem else ''} (email #{email.pk})"
        )

    def get_search_results(self, request, queryset, search_term):
        """Only searches an index serves (the table holds millions): the number, the portal
        usernames of an email, or the trigram index of active names. Not a location's PIN: a
        location's recipients are its managers' Loaded Recipients list, and here they would be
        sorted whole (hundreds of milliseconds at 300,000)."""
        term = search_term.strip()
        number = term.removeprefix("Recipient").strip().removeprefix("#")
        if not term:
            return queryset, False
        if number.isdigit():
            return queryset.filter(pk=int(number)), False
        if "@" in term:
            # The accounts first, then their recipients: two unique-index look-ups. As one
            # join, a planner with stale statistics walks the recipients looking for them.
            accounts = list(
                User.objects.filter(username__in=_email_usernames(term)).values_list(
                    "pk", flat=True
                )
            )
            return queryset.filter(account__in=accounts), False
        if len(search_key(term).replace(" ", "")) < SHORT_WORD:
            return queryset.none(), False
        return queryset.active().search(term), False

    def get_queryset(self, request):
        # The picker's labels name the location (recipient_label).
        return super().get_queryset(request).select_related("location")

    def autocomplete_label(self, recipient: Recipient) -> str:
        return recipient_label(recipient)

    def get_change_actions(self, request, object_id, form_url):
        recipient = self.get_object(request, object_id)
        if recipient is None or recipient.removed_at or not self.has_change_permission(request):
            return []
        return ["remove"]

    @action(
        label="Remove recipient",
        description="Remove this recipient: they leave every list, their account is disabled",
        methods=("POST",),
        button_type="form",
    )
    def remove(self, request, recipient: Recipient):
        """Confirm with a reason, then recipients.removal.remove_recipient (the one way)."""
        if not self.has_change_permission(request, recipient):
            raise PermissionDenied
        back = reverse("admin:recipients_recipient_change", args=[recipient.pk])
        form = RemovalForm(request.POST if request.POST.get("confirm") == "yes" else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                removed = remove_recipient(recipient, by=request.user, reason=reason)
            except RemovalRefused as refused:
                form.add_error("reason", str(refused))
            else:
                if removed:
                    self.log_change(request, recipient, f"Removed the recipient: {reason}")
                    messages.success(request, f"Recipient #{recipient.pk} was removed.")
                else:
                    when = timezone.localtime(recipient.removed_at)
                    messages.info(
                        request,
                        f"Recipient #{recipient.pk} was removed already, on {when:%b %-d, %Y}.",
                    )
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": "Remove recipient",
            "question": f"Remove recipient #{recipient.pk}?",
            "details": [
                f"{recipient.first_name} {recipient.last_name}, born "
                f"{recipient.date_of_birth:%b %-d, %Y}, loaded at {recipient.location}.",
                "They leave the location's lists and counts and their portal account can no "
                "longer sign in; the record stays, with the reason, and the same person may be "
                "loaded again later.",
            ],
            "form": form,
            "opts": self.model._meta,
            "object": recipient,
            "action_url": request.path,
            "back_url": back,
        }
        return TemplateResponse(request, "admin/confirm_object_action.html", context)

    def has_add_permission(self, request) -> bool:
        """Recipients come in through the pipeline only (a file at a location, by its manager
        or by a help-desk case), which checks every row and refuses duplicates; a record typed
        in here would skip those checks and send no welcome email."""
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Recipients are removed (removed_at), never deleted: the row is the audit trail.
        return False
