from io import StringIO

from django.core.management import call_command

from providers.models import Location, LocationManager, Organization, User


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Organization, Location, LocationManager, User))


def test_it_creates_the_demo_cast_from_the_outside_contract(db, settings):
    output = _seed()
    assert Organization.objects.get().name == "Demo Health System"
    assert dict(Location.objects.values_list("pin", "name")) == {
        "NCA650001": "Demo Clinic",
        "NCA650002": "Other Clinic",
    }
    manager = User.objects.get(username="manager@demo.example")
    assert [loc.pin for loc in manager.managed_locations.all()] == ["NCA650001"]
    other = User.objects.get(username="other@demo.example")
    assert [loc.pin for loc in other.managed_locations.all()] == ["NCA650002"]
    helpdesk = User.objects.get(username="helpdesk@demo.example")
    assert helpdesk.is_staff and not helpdesk.managed_locations.exists()
    assert manager.check_password(settings.DEMO_PASSWORD)
    assert settings.DEMO_PASSWORD in output


def test_running_it_twice_creates_nothing_new(db):
    _seed()
    before = _counts()
    output = _seed()
    assert _counts() == before
    assert "nothing created" in output


def test_it_follows_a_changed_demo_password(db, settings):
    _seed()
    settings.DEMO_PASSWORD = "another-demo-pass"
    _seed()
    assert User.objects.get(username="manager@demo.example").check_password("another-demo-pass")


def test_the_demo_manager_logs_in(client, db, settings):
    _seed()
    response = client.post(
        "/accounts/login/",
        {"username": "manager@demo.example", "password": settings.DEMO_PASSWORD},
        follow=True,
    )
    assert b"Demo Clinic" in response.content
    assert b"Bulk Registration" in response.content
