from django.urls import path

from . import views

app_name = "recipients"

urlpatterns = [
    path("recipients/", views.recipient_list, name="list"),
    path("recipients/<int:recipient_id>/", views.recipient_detail, name="detail"),
    # What a manager fixes without the help desk (selfservice).
    path(
        "recipients/<int:recipient_id>/welcome-email/",
        views.resend_welcome,
        name="resend_welcome",
    ),
    path("recipients/<int:recipient_id>/email/", views.correct_email, name="correct_email"),
]
