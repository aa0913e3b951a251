from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

app_name = "providers"

# Under accounts/password/change/.
password_change = [
    path("", views.PasswordChangeView.as_view(), name="password_change"),
    path("done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

# Under accounts/password/reset/: "Forgot password", its email's link, and the end.
password_reset = [
    path("", views.PasswordResetView.as_view(), name="password_reset"),
    path("sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

# Under accounts/.
accounts = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", include(password_change)),
    path("password/reset/", include(password_reset)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("location/", views.switch_location, name="switch_location"),
    path("accounts/", include(accounts)),
]
