from django.urls import path

from verwerker.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.certificate_list, name="certificates"),
    path("<uuid:certificate_id>/", views.certificate_detail, name="certificate"),
    path("<uuid:certificate_id>/json/", views.certificate_json, name="certificate_json"),
    path("<uuid:certificate_id>/pdf/", views.certificate_pdf, name="certificate_pdf"),
]
