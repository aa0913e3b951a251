"""Writing the audit trail (audit.models.AuditEvent)."""

from __future__ import annotations

from collections.abc import Iterable

from providers.models import User

from .models import AuditEvent


def record(action: str, *, actor: User | None = None, target: str = "", detail: str = "") -> None:
    """One entry. `target` names a record by its number; `detail` holds no personal data."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    AuditEvent.objects.create(action=action, actor=actor, target=target[:100], detail=detail)


def record_each(action: str, *, actor: User | None, targets: Iterable[str]) -> None:
    """One entry per target, in one statement: what `record` would write for each."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    AuditEvent.objects.bulk_create(
        AuditEvent(action=action, actor=actor, target=target[:100]) for target in targets
    )
