"""The recipient portal's staff side in the admin: help-desk staff (charlie) record doses and read
registrations; a system administrator (a superuser) keeps the vaccine groups, their rules and the
products, and reads the reminders (the agents do not hold those: portal migration 0002).

A record that makes no sense is a form error on the page, never a 500 or an IntegrityError.
"""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from outbox.models import OutboundEmail
from portal.models import Dose, NcirMessage, Product, SecondDoseReminder, VaccineGroup
from tests.helpers import (
    make_dose,
    make_portal_recipient,
    make_recipient,
    make_registration,
    signed_in,
)

TODAY = dt.date.today()


@pytest.fixture
def staff(client, charlie):
    return signed_in(client, charlie)


@pytest.fixture
def administrator(client, root):
    return signed_in(client, root)


@pytest.fixture
def recipient(demo_clinic):
    return make_recipient(demo_clinic)


def _errors(response) -> list[str]:
    """The form's errors as the page shows them (field and non-field), for assertions."""
    form = response.context["adminform"].form
    found = [message for messages in form.errors.values() for message in messages]
    for formset in response.context.get("inline_admin_formsets", []):
        for errors in formset.formset.errors:
            found += [message for messages in errors.values() for message in messages]
    return found


# Vaccine groups and rules ---------------------------------------------------------------------


def test_an_administrator_marks_a_group_as_being_vaccinated_from_the_list(administrator):
    group = VaccineGroup.objects.get(number=5)
    VaccineGroup.objects.filter(pk=group.pk).update(being_vaccinated=False, since=None)
    groups = list(VaccineGroup.objects.order_by("number"))
    data = {
        "form-TOTAL_FORMS": str(len(groups)),
        "form-INITIAL_FORMS": str(len(groups)),
        "_save": "Save",
    }
    for n, each in enumerate(groups):
        data[f"form-{n}-id"] = str(each.pk)
        data[f"form-{n}-being_vaccinated"] = "on"
        data[f"form-{n}-since"] = (each.since or dt.date(2021, 4, 7)).isoformat()
    response = administrator.post(reverse("admin:portal_vaccinegroup_changelist"), data)
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.being_vaccinated, group.since) == (True, dt.date(2021, 4, 7))


def _group_form(group: VaccineGroup, rules: list[dict]) -> dict:
    data = {
        "number": group.number,
        "name": group.name,
        "description": group.description,
        "being_vaccinated": "on",
        "since": group.since.isoformat(),
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": str(sum(1 for rule in rules if rule.get("id"))),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for n, rule in enumerate(rules):
        for name, value in rule.items():
            data[f"rules-{n}-{name}"] = value
        data[f"rules-{n}-group"] = group.pk
    return data


def test_an_administrator_changes_the_age_of_group_2_in_its_inline(administrator):
    group = VaccineGroup.objects.get(number=2)
    rule = group.rules.get()
    data = _group_form(
        group, [{"id": rule.pk, "criterion": "age_at_least", "min_age": "60", "sector": ""}]
    )
    url = reverse("admin:portal_vaccinegroup_change", args=[group.pk])
    response = administrator.post(url, data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.min_age == 60


def test_an_age_rule_without_an_age_is_a_form_error_in_the_inline(administrator):
    group = VaccineGroup.objects.get(number=2)
    rule = group.rules.get()
    data = _group_form(
        group, [{"id": rule.pk, "criterion": "age_at_least", "min_age": "", "sector": ""}]
    )
    url = reverse("admin:portal_vaccinegroup_change", args=[group.pk])
    response = administrator.post(url, data)
    assert response.status_code == 200
    assert "An 'Age at least' rule needs the age." in _errors(response)
    rule.refresh_from_db()
    assert rule.min_age == 65


def test_a_sector_rule_without_a_sector_is_a_form_error(administrator):
    group = VaccineGroup.objects.get(number=3)
    response = administrator.post(
        reverse("admin:portal_grouprule_add"),
        {"group": group.pk, "criterion": "sector_in_person", "min_age": "", "sector": ""},
    )
    assert response.status_code == 200
    assert "A sector rule needs the sector." in _errors(response)
    assert group.rules.count() == 8


def test_an_administrator_adds_a_sector_rule_to_a_group(administrator):
    group = VaccineGroup.objects.get(number=3)
    response = administrator.post(
        reverse("admin:portal_grouprule_add"),
        {"group": group.pk, "criterion": "sector_in_person", "min_age": "", "sector": "energy"},
    )
    assert response.status_code == 302
    assert group.rules.filter(sector="energy").exists()


def test_a_rule_with_a_detail_its_kind_ignores_is_a_form_error(administrator):
    group = VaccineGroup.objects.get(number=4)
    response = administrator.post(
        reverse("admin:portal_grouprule_add"),
        {"group": group.pk, "criterion": "high_risk", "min_age": "50", "sector": ""},
    )
    assert response.status_code == 200
    assert "Only an 'Age at least' rule has an age." in _errors(response)


def test_staff_cannot_delete_a_vaccine_group(staff):
    group = VaccineGroup.objects.get(number=1)
    response = staff.get(reverse("admin:portal_vaccinegroup_delete", args=[group.pk]))
    assert response.status_code == 403


# Products -------------------------------------------------------------------------------------


def test_an_administrator_changes_a_product_s_second_dose_interval(administrator):
    product = Product.objects.get(name="Moderna")
    response = administrator.post(
        reverse("admin:portal_product_change", args=[product.pk]),
        {"name": "Moderna", "dose_count": "2", "second_dose_after_days": "30"},
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.second_dose_after_days == 30


def test_a_two_dose_product_without_an_interval_is_a_form_error(administrator):
    product = Product.objects.get(name="Moderna")
    response = administrator.post(
        reverse("admin:portal_product_change", args=[product.pk]),
        {"name": "Moderna", "dose_count": "2", "second_dose_after_days": ""},
    )
    assert response.status_code == 200
    assert "A product of several doses needs the interval." in _errors(response)


# Doses ----------------------------------------------------------------------------------------


def _dose_form(
    recipient, product="Pfizer-BioNTech", number=1, given_on=TODAY, location=None, **record
):
    """The dose form as staff fill it in: the full record (lot, expiry, site, route, amount)."""
    return {
        "recipient": recipient.pk,
        "product": Product.objects.get(name=product).pk,
        "dose_number": str(number),
        "given_on": given_on.isoformat(),
        "completion": "CP",
        "lot_number": "EL0140",
        "expiration_date": (given_on + dt.timedelta(days=90)).isoformat(),
        "amount_ml": "0.3",
        "site": "LD",
        "route": "IM",
        "vaccinator_name": "Nina Nurse",
        "vis_date": "2020-12-11",
        "location": location.pk if location else "",
        "_save": "Save",
        **record,
    }


def test_staff_record_a_dose_and_are_its_recorder(staff, charlie, recipient, demo_clinic):
    response = staff.post(
        reverse("admin:portal_dose_add"), _dose_form(recipient, location=demo_clinic)
    )
    assert response.status_code == 302
    dose = Dose.objects.get()
    assert (dose.recipient, dose.product.name, dose.dose_number) == (
        recipient,
        "Pfizer-BioNTech",
        1,
    )
    assert (dose.location, dose.recorded_by) == (demo_clinic, charlie)


def test_a_correction_keeps_who_recorded_the_dose(client, charlie, root, recipient):
    dose = make_dose(recipient, recorded_by=charlie, given_on=TODAY - dt.timedelta(days=2))
    client.force_login(root)
    page = client.get(reverse("admin:portal_dose_change", args=[dose.pk]))
    assert "charlie@helpdesk.example" in page.content.decode()
    response = client.post(
        reverse("admin:portal_dose_change", args=[dose.pk]),
        _dose_form(recipient, given_on=TODAY - dt.timedelta(days=1)),
    )
    assert response.status_code == 302
    dose.refresh_from_db()
    assert (dose.given_on, dose.recorded_by) == (TODAY - dt.timedelta(days=1), charlie)


def test_the_dose_page_offers_locations_by_autocomplete(staff, demo_clinic, other_clinic):
    page = staff.get(reverse("admin:portal_dose_add"))
    assert page.status_code == 200
    assert b"Recorded at" not in page.content  # known once saved, not before
    assert b'class="admin-autocomplete' in page.content
    found = staff.get(
        reverse("admin:autocomplete"),
        {"app_label": "portal", "model_name": "dose", "field_name": "location", "term": "Other"},
    )
    assert [item["text"] for item in found.json()["results"]] == [str(other_clinic)]


def test_a_dose_beyond_the_product_s_count_is_a_form_error(staff, recipient):
    response = staff.post(reverse("admin:portal_dose_add"), _dose_form(recipient, "Janssen", 2))
    assert response.status_code == 200
    assert "Janssen has 1 dose(s): there is no dose 2." in _errors(response)
    assert not Dose.objects.exists()


def test_a_second_dose_before_the_first_is_a_form_error(staff, recipient):
    make_dose(recipient, given_on=TODAY - dt.timedelta(days=3))
    response = staff.post(
        reverse("admin:portal_dose_add"),
        _dose_form(recipient, number=2, given_on=TODAY - dt.timedelta(days=4)),
    )
    assert response.status_code == 200
    assert any("a later dose cannot be given before it" in e for e in _errors(response))
    assert Dose.objects.count() == 1


def test_a_second_dose_of_another_product_is_a_form_error(staff, recipient):
    make_dose(recipient, "Pfizer-BioNTech", given_on=TODAY - dt.timedelta(days=21))
    response = staff.post(reverse("admin:portal_dose_add"), _dose_form(recipient, "Moderna", 2))
    assert response.status_code == 200
    assert "The recipient's dose 1 was Pfizer-BioNTech: use it again." in _errors(response)


def test_a_second_dose_without_a_first_is_a_form_error(staff, recipient):
    response = staff.post(reverse("admin:portal_dose_add"), _dose_form(recipient, number=2))
    assert response.status_code == 200
    assert "Record the recipient's dose 1 first." in _errors(response)


def test_staff_record_a_second_dose_after_the_first(staff, recipient):
    make_dose(recipient, given_on=TODAY - dt.timedelta(days=21))
    response = staff.post(reverse("admin:portal_dose_add"), _dose_form(recipient, number=2))
    assert response.status_code == 302
    assert list(recipient.doses.values_list("dose_number", flat=True)) == [1, 2]


def test_moving_dose_1_after_dose_2_is_a_form_error(staff, recipient):
    first = make_dose(recipient, given_on=TODAY - dt.timedelta(days=21))
    make_dose(recipient, number=2, given_on=TODAY - dt.timedelta(days=1))
    response = staff.post(
        reverse("admin:portal_dose_change", args=[first.pk]), _dose_form(recipient)
    )
    assert response.status_code == 200
    assert any("dose 1 cannot be after it" in e for e in _errors(response))


def test_the_same_dose_twice_is_a_form_error_not_a_500(staff, recipient):
    make_dose(recipient, given_on=TODAY - dt.timedelta(days=1))
    response = staff.post(reverse("admin:portal_dose_add"), _dose_form(recipient))
    assert response.status_code == 200
    assert _errors(response)
    assert Dose.objects.count() == 1


def test_a_dose_in_the_future_is_a_form_error(staff, recipient):
    response = staff.post(
        reverse("admin:portal_dose_add"),
        _dose_form(recipient, given_on=TODAY + dt.timedelta(days=1)),
    )
    assert response.status_code == 200
    assert "A dose cannot be given in the future." in _errors(response)


def test_the_dose_list_filters_by_product_and_searches_by_recipient_number(staff, demo_clinic):
    smith = make_recipient(demo_clinic)
    jones = make_recipient(demo_clinic, first_name="Ann", last_name="Jones", email="a@example.com")
    make_dose(smith, "Pfizer-BioNTech")
    make_dose(jones, "Moderna")
    url = reverse("admin:portal_dose_changelist")
    moderna = Product.objects.get(name="Moderna")
    filtered = staff.get(url, {"product__id__exact": moderna.pk})
    assert [d.recipient for d in filtered.context["cl"].result_list] == [jones]
    searched = staff.get(url, {"q": str(smith.pk)})
    assert [d.recipient for d in searched.context["cl"].result_list] == [smith]


def test_staff_cannot_delete_a_dose(staff, recipient):
    dose = make_dose(recipient)
    response = staff.get(reverse("admin:portal_dose_delete", args=[dose.pk]))
    assert response.status_code == 403


# The full dose record ---------------------------------------------------------------------------


def test_the_dose_form_picks_everything_and_asks_for_no_raw_id(staff):
    page = staff.get(reverse("admin:portal_dose_add"))
    form = page.context["adminform"].form
    html = page.content.decode()
    assert "vForeignKeyRawIdAdminField" not in html
    assert 'data-field-name="recipient"' in html and 'data-field-name="location"' in html
    products = [label for _, label in form.fields["product"].choices if label != "---------"]
    assert "Pfizer-BioNTech" in products and "Novavax 2023-2024" in products
    for name in ("given_on", "expiration_date", "vis_date"):
        assert 'class="vDateField' in str(form[name])
    assert [value for value, _ in form.fields["site"].choices][1:] == [
        "LD",
        "RD",
        "LA",
        "RA",
        "LVL",
        "RVL",
    ]
    assert form["route"].value() == "IM"
    assert [value for value, _ in form.fields["completion"].choices] == ["CP", "RE", "NA", "PA"]


def test_the_recipient_is_found_by_name(staff, demo_clinic):
    smith = make_recipient(demo_clinic)
    make_recipient(demo_clinic, first_name="Ann", last_name="Jones", email="a@example.com")
    found = staff.get(
        reverse("admin:autocomplete"),
        {"app_label": "portal", "model_name": "dose", "field_name": "recipient", "term": "smith"},
    )
    assert [item["id"] for item in found.json()["results"]] == [str(smith.pk)]


def test_a_dose_without_lot_or_expiry_is_refused_beside_each_field(staff, recipient):
    response = staff.post(
        reverse("admin:portal_dose_add"),
        _dose_form(recipient, lot_number="", expiration_date="", site=""),
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["lot_number"] == ["Enter the lot number from the vial."]
    assert form.errors["expiration_date"] == ["Enter the expiration date from the vial."]
    assert form.errors["site"] == ["Choose where the dose was given."]
    assert "Enter the lot number from the vial." in response.content.decode()
    assert not Dose.objects.exists()


def test_a_lot_expired_before_the_day_given_is_refused(staff, recipient):
    given_on = TODAY - dt.timedelta(days=1)
    response = staff.post(
        reverse("admin:portal_dose_add"),
        _dose_form(recipient, given_on=given_on, expiration_date="2021-01-31"),
    )
    assert response.status_code == 200
    assert _errors(response) == [
        "This lot expired on Jan 31, 2021: it cannot have been given after that."
    ]


def test_staff_record_a_full_dose_which_is_audited_and_queued_for_ncir(staff, recipient):
    response = staff.post(reverse("admin:portal_dose_add"), _dose_form(recipient))
    assert response.status_code == 302
    dose = Dose.objects.get()
    assert not dose.is_incomplete
    assert (dose.lot_number, dose.site, dose.route) == ("EL0140", "LD", "IM")
    assert list(NcirMessage.objects.values_list("action", "status")) == [("A", "pending")]
    assert AuditEvent.objects.filter(action="dose_recorded", target=f"dose {dose.pk}").exists()
    staff.post(
        reverse("admin:portal_dose_change", args=[dose.pk]),
        _dose_form(recipient, lot_number="EL0141"),
    )
    assert list(NcirMessage.objects.values_list("action", flat=True)) == ["A", "U"]


def test_saving_an_unchanged_dose_sends_ncir_nothing(staff, recipient):
    staff.post(reverse("admin:portal_dose_add"), _dose_form(recipient))
    dose = Dose.objects.get()
    response = staff.post(
        reverse("admin:portal_dose_change", args=[dose.pk]), _dose_form(recipient)
    )
    assert response.status_code == 302
    assert list(NcirMessage.objects.values_list("action", flat=True)) == ["A"]


def test_a_superuser_deleting_a_reported_dose_sends_ncir_a_delete(client, root, recipient):
    client.force_login(root)
    client.post(reverse("admin:portal_dose_add"), _dose_form(recipient))
    dose = Dose.objects.get()
    response = client.post(reverse("admin:portal_dose_delete", args=[dose.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Dose.objects.exists()
    assert list(NcirMessage.objects.values_list("action", "dose")) == [("A", None), ("D", None)]


def test_existing_doses_are_flagged_incomplete_and_filtered(staff, demo_clinic):
    old = make_dose(make_recipient(demo_clinic))  # recorded before the full record existed
    staff.post(
        reverse("admin:portal_dose_add"),
        _dose_form(make_recipient(demo_clinic, first_name="Ann", email="ann@example.com")),
    )
    url = reverse("admin:portal_dose_changelist")
    everything = staff.get(url)
    assert [d.is_incomplete for d in everything.context["cl"].result_list].count(True) == 1
    assert "Incomplete" in everything.content.decode()
    incomplete = staff.get(url, {"record": "incomplete"})
    assert [d.pk for d in incomplete.context["cl"].result_list] == [old.pk]
    complete = staff.get(url, {"record": "complete"})
    assert [d.pk for d in complete.context["cl"].result_list] != [old.pk]
    assert len(complete.context["cl"].result_list) == 1


def test_a_recipient_s_whole_record_is_on_one_page(staff, recipient):
    make_dose(recipient, given_on=TODAY - dt.timedelta(days=30))
    staff.post(
        reverse("admin:portal_dose_add"),
        _dose_form(recipient, number=2, lot_number="FK5618"),
    )
    page = staff.get(reverse("admin:portal_vaccinerecord_change", args=[recipient.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "John Smith" in text
    assert "FK5618" in text and "Incomplete" in text and "Pending (Add)" in text
    assert f"{reverse('admin:portal_dose_add')}?recipient={recipient.pk}" in text
    add = staff.get(reverse("admin:portal_dose_add"), {"recipient": recipient.pk})
    assert add.context["adminform"].form["recipient"].value() == str(recipient.pk)


# Registrations and reminders, read-only ---------------------------------------------------------


def test_staff_read_a_registration_with_its_group_and_answers(staff, recipient):
    registration = make_registration(recipient)
    page = staff.get(reverse("admin:portal_registration_change", args=[registration.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Group 3 — Frontline essential workers" in text
    assert "Education (child care, pre-K–12)" in text
    assert "Raleigh" in text
    assert 'name="_save"' not in text  # nothing to save: read-only


def test_a_registration_in_progress_has_no_group_yet(staff, recipient):
    registration = make_registration(recipient, submitted=False, sex="male")
    page = staff.get(reverse("admin:portal_registration_change", args=[registration.pk]))
    assert "Not submitted yet: no group." in page.content.decode()


def test_nobody_adds_changes_or_deletes_a_registration(client, root, recipient):
    registration = make_registration(recipient)
    client.force_login(root)  # not even a superuser: it is the recipient's
    assert client.get(reverse("admin:portal_registration_add")).status_code == 403
    delete = reverse("admin:portal_registration_delete", args=[registration.pk])
    assert client.get(delete).status_code == 403
    change = reverse("admin:portal_registration_change", args=[registration.pk])
    client.post(change, {"city": "Durham"})
    registration.refresh_from_db()
    assert registration.city == "Raleigh"


def test_staff_find_a_registration_by_recipient_number(staff, demo_clinic):
    smith = make_recipient(demo_clinic)
    jones = make_recipient(demo_clinic, first_name="Ann", last_name="Jones", email="a@example.com")
    make_registration(smith)
    make_registration(jones)
    found = staff.get(reverse("admin:portal_registration_changelist"), {"q": str(jones.pk)})
    assert [r.recipient for r in found.context["cl"].result_list] == [jones]


def test_an_administrator_reads_a_reminder_with_its_email_s_status(administrator, demo_clinic):
    recipient = make_portal_recipient(demo_clinic)
    dose = make_dose(recipient, given_on=TODAY - dt.timedelta(days=21))
    email = OutboundEmail.objects.create(
        kind=OutboundEmail.Kind.MESSAGE, user=recipient.account, subject="s", body="b"
    )
    reminder = SecondDoseReminder.objects.create(first_dose=dose, email=email, due_on=TODAY)
    listing = administrator.get(reverse("admin:portal_seconddosereminder_changelist"))
    assert "Queued" in listing.content.decode()
    page = administrator.get(reverse("admin:portal_seconddosereminder_change", args=[reminder.pk]))
    assert page.status_code == 200
    assert "Queued" in page.content.decode()
    assert administrator.get(reverse("admin:portal_seconddosereminder_add")).status_code == 403
