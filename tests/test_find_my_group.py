"""Find My Group, table-driven: the lowest-numbered group whose rule the answers meet, by the
rules seeded from nc-vaccine-groups.md (read from the database, as staff keep them)."""

import datetime as dt

import pytest

from portal.findmygroup import Answers, Rule, age_on, place
from portal.registrations import current_rules

TODAY = dt.date(2021, 3, 4)  # the reference date of the guide's last change
BORN_65_TODAY = dt.date(1956, 3, 4)
BORN_65_TOMORROW = dt.date(1956, 3, 5)
YOUNG = dt.date(1990, 1, 2)
NO = dict(
    health_care_worker=False,
    long_term_care=False,
    works_in_person=False,
    high_risk_condition=False,
    congregate_living=False,
)


@pytest.fixture
def rules(db):
    return current_rules()


@pytest.mark.parametrize(
    ("answers", "group"),
    [
        ({**NO, "health_care_worker": True}, 1),
        ({**NO, "long_term_care": True}, 1),
        ({**NO, "health_care_worker": True, "date_of_birth": BORN_65_TODAY}, 1),
        ({**NO, "date_of_birth": BORN_65_TODAY}, 2),
        ({**NO, "date_of_birth": BORN_65_TOMORROW}, 5),
        ({**NO, "date_of_birth": BORN_65_TODAY, "works_in_person": True, "sector": "education"}, 2),
        ({**NO, "works_in_person": True, "sector": "education"}, 3),
        ({**NO, "works_in_person": True, "sector": "transportation"}, 3),
        ({**NO, "works_in_person": False, "sector": "education"}, 5),
        ({**NO, "works_in_person": True, "sector": "energy"}, 4),
        ({**NO, "works_in_person": True, "sector": "none"}, 5),
        ({**NO, "high_risk_condition": True}, 4),
        ({**NO, "congregate_living": True}, 4),
        ({**NO, "high_risk_condition": True, "works_in_person": True, "sector": "education"}, 3),
        (NO, 5),
    ],
)
def test_each_answer_lands_in_the_lowest_group_that_applies(rules, answers, group):
    answers = {"date_of_birth": YOUNG, **answers}
    assert place(Answers(**answers), rules, TODAY) == group


def test_a_rule_change_applies_at_once(rules):
    older = [Rule(2, "age_at_least", 75) if r.criterion == "age_at_least" else r for r in rules]
    person = Answers(date_of_birth=BORN_65_TODAY, **NO)
    assert place(person, rules, TODAY) == 2
    assert place(person, older, TODAY) == 5


def test_without_an_everyone_rule_someone_may_fit_no_group():
    assert place(Answers(date_of_birth=YOUNG, **NO), [Rule(1, "health_care")], TODAY) is None


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (dt.date(1956, 3, 4), dt.date(2021, 3, 3), 64),
        (dt.date(1956, 3, 4), dt.date(2021, 3, 4), 65),
        (dt.date(1956, 2, 29), dt.date(2021, 2, 27), 64),
        (dt.date(1956, 2, 29), dt.date(2021, 2, 28), 65),
    ],
)
def test_age_counts_whole_years_and_a_leap_birthday_on_28_february(born, day, age):
    assert age_on(born, day) == age
