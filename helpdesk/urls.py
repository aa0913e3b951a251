from django.urls import path

from . import access_requests, views

app_name = "helpdesk"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("password/", views.password_change, name="password_change"),
    path("vaccine-provider/", views.vaccine_provider, name="vaccine_provider"),
    path("vaccine-provider/request/", views.bulk_request, name="bulk_request"),
    path("vaccine-provider/removal/", views.removal, name="removal"),
    path("removal/<int:recipient_id>/", views.request_removal, name="request_removal"),
    path("cases/", views.my_cases, name="my_cases"),
    path("cases/<str:number>/", views.case, name="case"),
    path("cases/<str:number>/failed-records.csv", views.case_error_file, name="case_error_file"),
    path("access-requests/<str:number>/approve/", access_requests.approve, name="access_approve"),
    path("access-requests/<str:number>/decline/", access_requests.decline, name="access_decline"),
]
