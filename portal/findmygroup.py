"""Find My Group: which vaccine group a person is in, from their answers and the rules.

Plain Python over plain data, so the rules are table-tested without a database: a person is in
the lowest-numbered group one of whose rules their answers meet (nc-vaccine-groups.md). The
rules themselves are data staff edit (portal.models.GroupRule); `group_of` reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from .choices import Sector

HEALTH_CARE = "health_care"
LONG_TERM_CARE = "long_term_care"
AGE_AT_LEAST = "age_at_least"
SECTOR_IN_PERSON = "sector_in_person"
HIGH_RISK = "high_risk"
CONGREGATE = "congregate"
EVERYONE = "everyone"


@dataclass(frozen=True)
class Answers:
    """The Find My Group questions, as a person answered them (None: not answered)."""

    date_of_birth: dt.date
    health_care_worker: bool | None = None
    long_term_care: bool | None = None
    works_in_person: bool | None = None
    sector: str = ""
    high_risk_condition: bool | None = None
    congregate_living: bool | None = None


@dataclass(frozen=True)
class Rule:
    group: int
    criterion: str
    min_age: int | None = None
    sector: str = ""


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Whole years, by python-dateutil: a 29 February birthday counts on 28 February in
    common years."""
    return relativedelta(day, date_of_birth).years


def meets(rule: Rule, answers: Answers, today: dt.date) -> bool:
    if rule.criterion == HEALTH_CARE:
        return answers.health_care_worker is True
    if rule.criterion == LONG_TERM_CARE:
        return answers.long_term_care is True
    if rule.criterion == AGE_AT_LEAST:
        return rule.min_age is not None and age_on(answers.date_of_birth, today) >= rule.min_age
    if rule.criterion == SECTOR_IN_PERSON:
        return (
            answers.works_in_person is True
            and answers.sector == rule.sector
            and answers.sector != Sector.NONE
        )
    if rule.criterion == HIGH_RISK:
        return answers.high_risk_condition is True
    if rule.criterion == CONGREGATE:
        return answers.congregate_living is True
    if rule.criterion == EVERYONE:
        return True
    raise ValueError(f"unknown Find My Group criterion {rule.criterion!r}")


def place(answers: Answers, rules: Iterable[Rule], today: dt.date) -> int | None:
    """The lowest-numbered group with a rule the answers meet; None when no rule does (no
    group has the 'everyone' rule, and the person fits none)."""
    groups = [rule.group for rule in rules if meets(rule, answers, today)]
    return min(groups) if groups else None
