from django.db.models import QuerySet
from django.http import Http404

from providers.access import locations_managed_by
from providers.models import User

from .models import Recipient


def recipients_visible_to(user: User) -> QuerySet[Recipient]:
    """Active recipients of every location this user manages."""
    return Recipient.objects.active().filter(location__in=locations_managed_by(user))


def get_recipient_or_404(user: User, recipient_id: int) -> Recipient:
    """This recipient, if it belongs to one of the user's locations; 404 otherwise."""
    try:
        return (
            recipients_visible_to(user)
            # "registration" is the recipient portal's (a reverse one-to-one, named only: this
            # app never imports the portal); the page shows its status.
            .select_related(
                "location", "created_by", "upload__uploaded_by", "account", "registration"
            )
            .get(pk=recipient_id)
        )
    except Recipient.DoesNotExist:
        raise Http404("No such recipient.") from None
