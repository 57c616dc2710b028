from django.urls import path

from verwerker.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("datalekken/", views.breach_list, name="breaches"),
    path("datalekken/melden/", views.report_breach, name="report_breach"),
    path("datalekken/<int:breach_id>/", views.breach_detail, name="breach"),
    path("datalekken/<int:breach_id>/status/", views.breach_status, name="breach_status"),
    path("datalekken/<int:breach_id>/gegevens/", views.breach_details, name="breach_details"),
    path("datalekken/<int:breach_id>/analyse/", views.breach_analyse, name="breach_analyse"),
    path("datalekken/<int:breach_id>/impact/<int:affected_id>/", views.breach_impact, name="breach_impact"),
    path("datalekken/<int:breach_id>/klant/", views.breach_add_client, name="breach_add_client"),
    path("datalekken/<int:breach_id>/opvolging/", views.breach_follow_up, name="breach_follow_up"),
    path("datalekken/<int:breach_id>/melding/<int:affected_id>/", views.breach_notice, name="breach_notice"),
    path("klachten/", views.complaint_list, name="complaints"),
    path("klachten/<int:complaint_id>/", views.complaint_detail, name="complaint"),
    path("pentests/", views.pentest_list, name="pentests"),
    path("register/", views.processing_register, name="register"),
    path("verzoeken/", views.request_list, name="requests"),
    path("verzoeken/<int:request_id>/", views.request_detail, name="request"),
    path("pentests/bevinding/<int:finding_id>/", views.finding_status, name="finding_status"),
]
