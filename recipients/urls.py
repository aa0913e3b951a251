from django.urls import path

from . import views

app_name = "recipients"

urlpatterns = [
    path("recipients/", views.recipient_list, name="list"),
    path("recipients/<int:recipient_id>/", views.recipient_detail, name="detail"),
]
