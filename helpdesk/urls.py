from django.urls import path

from . import views

app_name = "helpdesk"

urlpatterns = [
    path("cases/<str:number>/", views.case, name="case"),
    path("removal/<int:recipient_id>/", views.request_removal, name="request_removal"),
]
