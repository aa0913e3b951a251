"""A recipient's registration and vaccine group: the draft kept at every step, the submit,
and the group worked out from the answers by the rules staff keep."""

from __future__ import annotations

from django.utils import timezone

from recipients.models import Recipient

from .findmygroup import Answers, Rule, place
from .forms import STEPS
from .models import GroupRule, Registration, VaccineGroup


class NotComplete(Exception):
    """The registration cannot be submitted yet: `step` is the first step left to answer."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


def registration_for(recipient: Recipient) -> Registration:
    registration, _ = Registration.objects.get_or_create(recipient=recipient)
    return registration


def save_answers(registration: Registration, answers: dict) -> None:
    """Keep a step's answers (the draft survives Pause, sign-out and a closed browser)."""
    for name, value in answers.items():
        setattr(registration, name, value)
    registration.updated_at = timezone.now()
    registration.save(update_fields=[*answers, "updated_at"])


def has_answers(registration: Registration | None) -> bool:
    """Whether anything was answered yet (a returning recipient checks their answers first)."""
    return registration is not None and any(step.form.answered(registration) for step in STEPS)


def first_unanswered_step(registration: Registration) -> str | None:
    """The first step whose form would not accept the answers kept; None when all would."""
    for step in STEPS:
        if not step.form.complete(registration):
            return step.slug
    return None


def submit(registration: Registration) -> None:
    """Submit a complete registration (from "check your answers"); raises NotComplete."""
    missing = first_unanswered_step(registration)
    if missing is not None:
        raise NotComplete(missing)
    if registration.is_submitted:
        return
    now = timezone.now()
    registration.status, registration.submitted_at, registration.updated_at = (
        Registration.Status.SUBMITTED,
        now,
        now,
    )
    registration.save(update_fields=["status", "submitted_at", "updated_at"])


def answers_of(registration: Registration) -> Answers:
    return Answers(
        date_of_birth=registration.recipient.date_of_birth,
        health_care_worker=registration.health_care_worker,
        long_term_care=registration.long_term_care,
        works_in_person=registration.works_in_person,
        sector=registration.sector,
        high_risk_condition=registration.high_risk_condition,
        congregate_living=registration.congregate_living,
    )


def current_rules() -> list[Rule]:
    return [
        Rule(rule.group.number, rule.criterion, rule.min_age, rule.sector)
        for rule in GroupRule.objects.select_related("group")
    ]


def group_of(registration: Registration) -> VaccineGroup | None:
    """The vaccine group of a submitted registration, by today's rules (never stored)."""
    if not registration.is_submitted:
        return None
    number = place(answers_of(registration), current_rules(), timezone.localdate())
    if number is None:
        return None
    return VaccineGroup.objects.filter(number=number).first()
