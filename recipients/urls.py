from django.urls import path

from . import portal, views

app_name = "recipients"

urlpatterns = [
    path("recipients/", views.recipient_list, name="list"),
    path("recipients/<int:recipient_id>/", views.recipient_detail, name="detail"),
    path(
        "portal/setup/<uidb64>/<token>/",
        portal.PasswordSetupView.as_view(),
        name="password_setup",
    ),
    path("portal/setup/done/", portal.password_setup_done, name="password_setup_done"),
]
