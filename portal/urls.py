from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    # The welcome email's link: the same URL since the first welcome email went out.
    path("setup/<uidb64>/<token>/", views.PasswordSetupView.as_view(), name="password_setup"),
    path("password/forgot/", views.password_reset, name="password_reset"),
    path("password/forgot/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    # "Need support? Submit your question to the help desk" (the welcome email links here).
    path("help/", views.question, name="help"),
    path("help/sent/", views.question_sent, name="question_sent"),
    path("record/", views.record, name="record"),
    # The spec's file extension, so a phone hands the download to a health wallet app.
    path("record/card.smart-health-card", views.health_card_file, name="health_card_file"),
    path("registration/check/", views.check_answers, name="check_answers"),
    path("registration/<slug:slug>/", views.step, name="step"),
]
