from django.urls import include, path, register_converter

from . import access_requests, views


class CaseNumberConverter:
    """CS0001001 and on (helpdesk.cases.next_case_number): anything else is no case, a 404
    before it reaches the database (PostgreSQL refuses a NUL byte in a query: "%00" was a 500)."""

    regex = "CS[0-9]{7,10}"  # Case.number holds 12 characters

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseNumberConverter, "case_number")

app_name = "helpdesk"

# Under vaccine-provider/.
vaccine_provider = [
    path("", views.vaccine_provider, name="vaccine_provider"),
    path("request/", views.bulk_request, name="bulk_request"),
    path("removal/", views.removal, name="removal"),
]

# Under cases/<number>/.
case = [
    path("", views.case, name="case"),
    path("failed-records.csv", views.case_error_file, name="case_error_file"),
]

# Under access-requests/<number>/: a manager's answer to a request for their location.
access_request = [
    path("approve/", access_requests.approve, name="access_approve"),
    path("decline/", access_requests.decline, name="access_decline"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("password/", views.password_change, name="password_change"),
    path("vaccine-provider/", include(vaccine_provider)),
    path("removal/<int:recipient_id>/", views.request_removal, name="request_removal"),
    path("cases/", views.my_cases, name="my_cases"),
    path("cases/<case_number:number>/", include(case)),
    path("access-requests/<case_number:number>/", include(access_request)),
]
