"""Everything tests share besides conftest.py's fixtures: plain data builders with overridable
defaults, recipient files, Low Volume uploads through the site, a database that refuses or
fails at a chosen statement, browser checks. No test module imports another: what two
modules need lives here, each name with a docstring, and the names stay stable."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from importlib import import_module

import openpyxl
from axe_playwright_python.sync_playwright import Axe
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from bulkupload import engine
from bulkupload.models import Upload
from cvms.celery import app as celery_app
from helpdesk.cases import check_recipient_file, open_case
from helpdesk.models import Case
from portal import demo as portal_demo
from portal import registrations
from portal.models import Dose, Product
from providers.models import Location, LocationManager, Organization, User
from recipients.models import Recipient

PASSWORD = "correct horse battery staple"
HELP_DESK_STAFF = "Help-desk staff"  # the group helpdesk's migration 0002 creates
# What the group holds: helpdesk's migration for the apps up to it, portal's for the portal.
STAFF_GROUP_MIGRATION = import_module("helpdesk.migrations.0002_squashed_staff_group")
PORTAL_STAFF_MIGRATION = import_module("portal.migrations.0002_squashed_vaccines_and_staff")


def wait_until(condition, seconds: float, step: float = 0.05) -> bool:
    """Whether `condition()` became true within `seconds` (a worker's work, seen from a test)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def sign_in_request():
    """A request to pass authenticate(): sign-in throttling (django-axes) needs one."""
    return RequestFactory().post("/accounts/login/")


def make_organization(name: str = "Demo Health System") -> Organization:
    """The organization of this name, made if it is not there yet."""
    organization, _ = Organization.objects.get_or_create(name=name)
    return organization


def make_location(pin: str = "NCA650001", name: str = "Demo Clinic", **fields) -> Location:
    """A healthcare location (of the demo organization unless `organization` is given)."""
    fields.setdefault("organization", make_organization())
    return Location.objects.create(pin=pin, name=name, **fields)


def make_user(email: str, password: str = PASSWORD, **flags) -> User:
    """An account whose username is `email`, with PASSWORD unless told (`is_staff=True`...)."""
    return User.objects.create_user(email, password, **flags)


def make_staff(email: str, **flags) -> User:
    """Help-desk staff as they really are: staff, in the group, not superusers."""
    user = make_user(email, is_staff=True, **flags)
    group, new = Group.objects.get_or_create(name=HELP_DESK_STAFF)
    if new:
        # A test with transaction=True empties every table after it, the migration's group
        # too (not the permissions: the flush makes them again): the migrations' lists say
        # what the group holds.
        granted = {**STAFF_GROUP_MIGRATION.PERMISSIONS, **PORTAL_STAFF_MIGRATION.PERMISSIONS}
        for app_label, codenames in granted.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
    user.groups.add(group)
    return user


def make_manager(email: str, *locations: Location, **flags) -> User:
    """A Healthcare Location Manager of these locations."""
    user = make_user(email, **flags)
    for location in locations:
        LocationManager.objects.create(user=user, location=location)
    return user


def signed_in(client: Client, user: User) -> Client:
    """`client` with a session of `user`'s, as if they had signed in before the test began.

    client.force_login runs a whole sign-in: a new session made twice, and every receiver of
    user_logged_in (django-axes' access log and its clean-ups, the audit trail's entry, the
    help desk's must-change flag, last_login), a dozen statements each time. A test that only
    needs someone signed in needs none of it; the tests of signing in go through the forms (or
    force_login, where a receiver's work is what they check)."""
    session = client.session
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return client


def make_upload(location: Location, uploaded_by: User, **fields):
    """A stored upload; its content's hash is computed, whatever the content."""
    fields.setdefault("source", Upload.Source.HIGH_VOLUME)
    fields.setdefault("file_name", "staff.csv")
    fields.setdefault("content", b"FirstName,LastName,Date of birth,Email\r\n")
    fields.setdefault("content_sha256", hashlib.sha256(fields["content"]).hexdigest())
    return Upload.objects.create(location=location, uploaded_by=uploaded_by, **fields)


def make_finished_upload(location: Location, uploaded_by: User, **fields):
    """A High Volume job that ended (done, some rows failed, its failed records kept)."""
    fields.setdefault("status", Upload.Status.DONE)
    fields.setdefault("rows", 150)
    fields.setdefault("processed", fields["rows"])
    fields.setdefault("created_count", fields["rows"] - 1)
    fields.setdefault("failed_count", fields["rows"] - fields["created_count"])
    fields.setdefault("error_file", b"FirstName,LastName,Date of birth,Email,Error\r\n")
    fields.setdefault("finished_at", timezone.now())
    return make_upload(location, uploaded_by, **fields)


def make_recipient(location: Location, **fields) -> Recipient:
    """A recipient loaded at the location: John Smith, born 1/2/1990, unless told."""
    fields.setdefault("first_name", "John")
    fields.setdefault("last_name", "Smith")
    fields.setdefault("date_of_birth", dt.date(1990, 1, 2))
    fields.setdefault("email", "john.smith@example.com")
    return Recipient.objects.create(location=location, **fields)


# Recipient files -------------------------------------------------------------------------------

TEMPLATE_HEADER = ("FirstName", "LastName", "Date of birth", "Email")

# A bare address as RFC 5322 allows it unquoted (a dot-atom), the shape the SMTP backend takes
# as it is (cvms/mail.py): a pattern for hypothesis's from_regex.
_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
BARE_ADDRESS = rf"{_ATOM}(\.{_ATOM})*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*"
# The guide's last change log entry; birth dates "in the future" are after this day.
TODAY = dt.date(2021, 3, 4)


def recipient_csv(
    *rows, header=TEMPLATE_HEADER, newline: str = "\r\n", encoding: str = "utf-8", bom=False
) -> bytes:
    """A CSV as Excel saves it: the header then the rows, every cell quoted only if needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def recipient_xlsx(*rows, header=TEMPLATE_HEADER) -> bytes:
    """An Excel workbook of the header then the rows, in its first sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in ([header] if header is not None else []) + list(rows):
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person(first="John", last="Smith", born="1/2/1990", email="john.smith@example.com"):
    """One row of a recipient file, as the cells read (born as m/d/yyyy)."""
    return (first, last, born, email)


def check_file(data: bytes, *, existing=(), max_rows: int = 5000, today=TODAY, **options):
    """The engine's verdict on a file without a database, with these people loaded already.

    `existing` holds (first_name_key, last_name_key, date_of_birth) tuples.
    """
    known = set(existing)
    return engine.check_file(
        data,
        max_rows=max_rows,
        today=today,
        existing=lambda people: known & set(people),
        keep_rows=True,
        **options,
    )


def messages(result) -> list[str]:
    """The error messages of a check_file or import result, in order."""
    return [error.message for error in result.errors]


@contextlib.contextmanager
def failing_inserts_into(model, when: str = "true"):
    """The database refuses every insert into the model's table, as a full disk would; with
    `when` (an SQL condition on NEW, e.g. "NEW.first_name = 'Pat0'") only the inserts of
    such rows, and with them their whole statement."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER test_refuse BEFORE INSERT ON {table} "
                f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION test_refuse()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER test_refuse BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN {when} BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER test_refuse ON {table}")
                cursor.execute("DROP FUNCTION test_refuse()")
            else:
                cursor.execute("DROP TRIGGER test_refuse")


def inserts_into(model) -> Callable[[str], bool]:
    """Whether an SQL statement inserts into the model's table (for database_statements)."""
    table = model._meta.db_table

    def inserts(sql: str) -> bool:
        head = sql.lstrip().upper()
        return head.startswith("INSERT INTO") and table.upper() in head.split("(", 1)[0]

    return inserts


@contextlib.contextmanager
def database_statements(refuse: Callable[[str, int], BaseException | None] | None = None):
    """The SQL statements this thread's connection runs while open, in order (a list that
    grows), seen through Django's own hook for it (connection.execute_wrapper).

    `refuse(sql, n)`, asked before each statement with how many ran before it, may return an
    exception to raise instead of running it: a database (or a worker) that fails at the
    statement a test chooses, whatever function of the project runs it."""
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        error = refuse(sql, len(seen)) if refuse is not None else None
        seen.append(sql)
        if error is not None:
            raise error
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def nth_statement_fails(matches: Callable[[str], bool], n: int, error: BaseException):
    """A `refuse` for database_statements: the n-th (1-based) statement that `matches` raises
    `error`; the others run."""
    count = 0

    def refuse(sql: str, _: int) -> BaseException | None:
        nonlocal count
        if not matches(sql):
            return None
        count += 1
        return error if count == n else None

    return refuse


@contextlib.contextmanager
def embedded_worker(queue: str) -> Iterator[None]:
    """A real Celery worker in a thread of this process (celery.contrib.testing's start_worker,
    solo pool) taking the tasks of `queue`, stopped on the way out.

    Its loop looks for the stop only between two-second waits for a message, and waits once
    more after seeing it: two no-op tasks (Celery's built-in celery.accumulate), sent as it is
    told to stop, end both waits at once rather than up to four seconds later."""
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[queue]):
        try:
            yield
        finally:
            worker_state.should_terminate = 0  # what start_worker sets on the way out, first
            for _ in range(2):
                celery_app.send_task("celery.accumulate", queue=queue)


def record_sent_tasks(monkeypatch) -> list[tuple[str, tuple]]:
    """From now on, tasks sent to the broker are recorded as (name, args), not sent."""
    sent = []

    def send_task(name, args=None, kwargs=None, **options):
        sent.append((name, tuple(args or ())))

    monkeypatch.setattr(celery_app, "send_task", send_task)
    return sent


# Low Volume uploads through the site ------------------------------------------------------------

# The template's header line, as the text a manager's CSV starts with.
HEADER = "FirstName,LastName,Date of birth,Email\r\n"
# The guide's "View and Re-Upload File Errors" example, one valid row added first.
GUIDE_EXAMPLE = (
    HEADER
    + "Nicholas,TestLoadE2Recip1,12/1/1955,Nicholas.NoEmail@companyemail1.com\r\n"
    + "Nicholas,,12/2/1955,Nicholas.NoEmail@companyemail2.com\r\n"
    + "Nicholas,TestLoadE2Recip1,12/1/1955,Nicholas.NoEmail@companyemail3.com\r\n"
    + "Nicholas,TestLoadE2Recip4,,Nicholas.NoEmail@companyemail4.com\r\n"
    + "Nicholas,TestLoadE2Recip5,12/5/1955,bademail\r\n"
    + "Nicholas,TestLoadE2Recip6,12/6/1955,\r\n"
    + "Nicholas,TestLoadE2Recip7,12/7/1955,Nicholas.NoEmail@\r\n"
    + "Nicholas,TestLoadE2Recip8,12/8/19555,Nicholas.NoEmail@companyemail8.com\r\n"
)
# What the review says of GUIDE_EXAMPLE's rows, as the guide words it.
GUIDE_ERRORS = [
    "Line 3: Required fields are missing: [LastName]",
    "Line 4: Email: invalid email address: Duplicated Nicholas.NoEmail@companyemail3.com",
    "Line 5: Required fields are missing: [Date of birth]",
    "Line 6: Email: invalid email address: bademail",
    "Line 7: Required fields are missing: [Email]",
    "Line 8: Email: invalid email address: Nicholas.NoEmail@",
    "Line 9: Date of birth: invalid Date of birth: 12/8/19555",
]


def upload_low_volume(client, text: str, name: str = "staff.csv"):
    """Posts `text` as a file named `name` to the Low Volume drop zone, as the browser does;
    returns the response (a redirect to the review when the file was read)."""
    data = io.BytesIO(text.encode("utf-8"))
    data.name = name
    return client.post("/bulk-registration/upload/", {"file": data})


# Help-desk cases --------------------------------------------------------------------------------


def make_case(
    requester: User,
    location: Location | None = None,
    *,
    kind="bulk_upload",
    rows=None,
    by: User | None = None,
    **fields,
):
    """A case opened as the help desk opens one; `rows` attach a recipient file of those people,
    checked at the location."""
    attachment = None
    if rows is not None:
        attachment = check_recipient_file(recipient_csv(*rows), "staff.csv")
    case = Case(kind=kind, requester=requester, location=location, **fields)
    return open_case(case, attachment=attachment, by=by)


# The recipient portal -------------------------------------------------------------------------


def seed_vaccine_groups() -> None:
    """The vaccine groups, rules and products portal's migration 0002 seeds (a test with
    transaction=True empties those tables after it)."""
    portal_demo.ensure_groups_and_products()


AXE = Axe()


def accessible(page) -> None:
    """No axe violations, and no sideways scrolling on a phone (390 px)."""
    # No preload: axe rebuilds @import-ed stylesheets (the admin's forms.css imports
    # widgets.css) as inline <style>, which the Content-Security-Policy rightly blocks and the
    # page fixture reports; only a rule about locked screen orientation needs it.
    results = AXE.run(page, options={"resultTypes": ["violations"], "preload": False})
    assert results.violations_count == 0, results.generate_report()
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": width, "height": 900})


def screenshot_both_widths(page, screenshot, name: str) -> None:
    """The page as a desktop (1280 px) and a phone (390 px) show it, for a person to look at."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


# Answers that complete every step of the registration form and place a person under 65 in
# group 3 (in person in a frontline sector, education).
FRONTLINE_ANSWERS = {
    "sex": "female",
    "races": ["white"],
    "ethnicity": "not_hispanic",
    "address_line1": "1 Main St",
    "city": "Raleigh",
    "state": "NC",
    "zip_code": "27601",
    "county": "Wake",
    "language": "en",
    "contact_method": "email",
    "health_care_worker": False,
    "long_term_care": False,
    "works_in_person": True,
    "sector": "education",
    "high_risk_condition": False,
    "congregate_living": False,
}


def make_registration(recipient: Recipient, *, submitted: bool = True, **answers):
    """A registration as the form leaves it: the frontline answers (or these), submitted
    through the service unless `submitted=False` (then only the answers given are kept)."""
    registration = registrations.registration_for(recipient)
    registrations.save_answers(
        registration, {**FRONTLINE_ANSWERS, **answers} if submitted else answers
    )
    if submitted:
        registrations.submit(registration)
    return registration


def make_dose(recipient: Recipient, product: str = "Pfizer-BioNTech", number: int = 1, **fields):
    """A dose of one of the seeded products (portal's migration 0002)."""
    fields.setdefault("given_on", dt.date.today())
    if not Product.objects.filter(name=product).exists():
        # Emptied by a test with transaction=True (as make_staff's group): seed them again.
        seed_vaccine_groups()
    return Dose.objects.create(
        recipient=recipient,
        product=Product.objects.get(name=product),
        dose_number=number,
        **fields,
    )


def make_full_dose(
    recipient: Recipient,
    product: str = "Pfizer-BioNTech",
    number: int = 1,
    *,
    cvx_code: str = "208",
    **fields,
) -> Dose:
    """A dose recorded in full (what a registry and a SMART Health Card need), of a product
    with its CVX code (Pfizer-BioNTech's 208 unless told)."""
    fields.setdefault("lot_number", "EW0182")
    fields.setdefault("expiration_date", dt.date(2021, 6, 30))
    fields.setdefault("site", Dose.Site.LEFT_DELTOID)
    fields.setdefault("route", Dose.Route.INTRAMUSCULAR)
    fields.setdefault("amount_ml", Decimal("0.30"))
    fields.setdefault("vaccinator_name", "Joy Nurse")
    dose = make_dose(recipient, product, number, **fields)
    Product.objects.filter(pk=dose.product_id).update(cvx_code=cvx_code)
    dose.product.cvx_code = cvx_code
    return dose


def make_portal_recipient(location: Location, **fields) -> Recipient:
    """A recipient with their portal account (username `email.covid19vaccine`), as an import
    makes them."""
    email = fields.setdefault("email", "john.smith@example.com")
    fields.setdefault(
        "account", User.objects.create_user(email, None, username=f"{email}.covid19vaccine")
    )
    return make_recipient(location, **fields)


# A database that goes away -------------------------------------------------------------------


class TcpRelay:
    """A loopback port forwarding to `upstream` (host, port). cut() breaks every connection
    through it and turns new ones away until restore(): a server that goes away while clients
    hold connections to it, then comes back."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0  # accepted and forwarded
        self._cut = False
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Break every connection through the relay and turn new ones away."""
        with self._lock:
            self._cut = True
            for sock in self._open:
                self._close(sock)
            self._open.clear()

    def restore(self) -> None:
        """Accept and forward connections again."""
        self._cut = False

    def close(self) -> None:
        """Cut, and stop listening."""
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if self._cut:
                    self._close(client)
                    continue
                server = socket.create_connection(self.upstream)
                self._open += [client, server]
                self.connections += 1
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        self._close(target)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def assert_each_sent_once(received: Counter[str], expected: Counter[str]) -> None:
    """What an SMTP server received (emails per address) is exactly what was expected."""
    assert received - expected == Counter(), "sent more than once"
    assert expected - received == Counter(), "never sent"


def import_on_command_line(
    folder, data: bytes, pin: str = "NCA650001", as_email: str = "alice@demo.example"
) -> dict:
    """`import_recipients FILE --location PIN --as EMAIL --json` in-process, with `data` as the
    file (written in `folder`): the command's JSON."""
    path = folder / "recipients.csv"
    path.write_bytes(data)
    out = io.StringIO()
    call_command(
        "import_recipients", str(path), "--location", pin, "--as", as_email, "--json", stdout=out
    )
    return json.loads(out.getvalue())


# Browser steps ---------------------------------------------------------------------------------


def sign_in_in_browser(page, email: str, password: str, next_url: str) -> None:
    """Sign in on the portal's login page, going on to `next_url`."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Until the next page has loaded its scripts, a file chosen or dropped there is lost.
    page.wait_for_url(f"**{next_url}", wait_until="load")


def drop_file(page, text: str, name: str) -> None:
    """Drop a CSV file with this text on the page's drop zone, as a manager drags one there."""
    dropped = page.evaluate_handle(
        """([text, name]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], name, {type: "text/csv"}));
            return transfer;
        }""",
        [text, name],
    )
    page.dispatch_event("[data-drop-zone]", "drop", {"dataTransfer": dropped})
