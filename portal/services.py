"""A recipient's registration and vaccine group: the draft kept at every step, the submit,
and the group worked out from the answers by the rules staff keep."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from recipients.models import Recipient

from .findmygroup import Answers, Rule, place
from .models import GroupRule, Registration, VaccineGroup

# The form's steps, in order, and the fields each one asks for. "Check your answers" follows.
# The titles are translated when shown (gettext_lazy; `_` is a throwaway name here).
STEPS: list[tuple[str, str, list[str]]] = [
    ("about-you", gettext_lazy("About you"), ["sex"]),
    ("race-and-ethnicity", gettext_lazy("Race and ethnicity"), ["races", "ethnicity"]),
    (
        "home-address",
        gettext_lazy("Home address"),
        ["address_line1", "address_line2", "city", "state", "zip_code", "county"],
    ),
    (
        "contact",
        gettext_lazy("How to reach you"),
        ["phone", "language", "contact_method", "reminder_consent"],
    ),
    (
        "find-my-group",
        gettext_lazy("Find My Group"),
        [
            "health_care_worker",
            "long_term_care",
            "works_in_person",
            "sector",
            "high_risk_condition",
            "congregate_living",
        ],
    ),
]
STEP_SLUGS = [slug for slug, _, _ in STEPS]


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
    if registration is None:
        return False
    answered = [
        registration.sex,
        registration.races,
        registration.ethnicity,
        registration.address_line1,
        registration.address_line2,
        registration.city,
        registration.zip_code,
        registration.county,
        registration.phone,
        registration.language,
        registration.contact_method,
        registration.reminder_consent,
        registration.sector,
    ]
    flags = [
        registration.health_care_worker,
        registration.long_term_care,
        registration.works_in_person,
        registration.high_risk_condition,
        registration.congregate_living,
    ]
    return any(answered) or any(flag is not None for flag in flags)


def first_unanswered_step(registration: Registration) -> str | None:
    """The first step with a required answer missing; None when all are answered."""
    required = {
        "about-you": [registration.sex],
        "race-and-ethnicity": [registration.races, registration.ethnicity],
        "home-address": [
            registration.address_line1,
            registration.city,
            registration.state,
            registration.zip_code,
            registration.county if registration.state == "NC" else "-",
        ],
        "contact": [registration.language, registration.contact_method],
        "find-my-group": [
            registration.health_care_worker is not None,
            registration.long_term_care is not None,
            registration.works_in_person is not None,
            registration.sector or not registration.works_in_person,
            registration.high_risk_condition is not None,
            registration.congregate_living is not None,
        ],
    }
    for slug in STEP_SLUGS:
        if not all(required[slug]):
            return slug
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
