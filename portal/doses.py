"""Keeping the vaccine record: a dose recorded, corrected or deleted, by help-desk staff in the
admin or by a location's manager on the recipient's page. Each is audited and reported to NCIR
(portal.ncir) in the same transaction, so a dose never changes without its message.

The rules a dose must meet are Dose.clean()'s: the forms call it before these functions run.
"""

from __future__ import annotations

from django.db import transaction

from audit.models import AuditEvent
from audit.trail import record
from providers.models import User

from . import ncir
from .models import Dose


def _detail(dose: Dose) -> str:
    # Numbers and codes only: the audit trail holds no personal data.
    return f"recipient {dose.recipient_id}, dose {dose.dose_number}, CVX {dose.product.cvx_code}"


@transaction.atomic
def save_dose(dose: Dose, *, by: User | None) -> None:
    """Save a new or corrected dose, audit it, and queue its NCIR message once its record is
    complete (an Add the first time, an Update after)."""
    new = dose.pk is None
    if new and by is not None and by.is_authenticated:
        dose.recorded_by = by
    dose.save()
    action = AuditEvent.Action.DOSE_RECORDED if new else AuditEvent.Action.DOSE_CORRECTED
    record(action, actor=by, target=f"dose {dose.pk}", detail=_detail(dose))
    ncir.report_saved(dose)


@transaction.atomic
def delete_dose(dose: Dose, *, by: User | None) -> None:
    """Delete a dose: NCIR is sent a Delete if it was ever told of it (built first, from the
    dose), then the dose goes; its messages stay, no longer pointing at it."""
    ncir.report_deleted(dose)
    record(AuditEvent.Action.DOSE_DELETED, actor=by, target=f"dose {dose.pk}", detail=_detail(dose))
    dose.delete()
