from django.urls import path

from verwerker.facilities import views

app_name = "facilities"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("geheimhouding/", views.confidentiality, name="confidentiality"),
    path("werkplekken/", views.workstations, name="workstations"),
    path("werkplekken/<int:workstation_id>/controle/", views.workstation_check, name="workstation_check"),
    path("websitecookies/", views.consent, name="consent"),
    path("pentestrapporten/", views.pentest_reports, name="pentest_reports"),
    path("pentestrapporten/bevinding/<int:finding_id>/termijn/", views.finding_due, name="finding_due"),
    path("pentestrapporten/verzoek/<int:request_id>/", views.answer_report_request, name="answer_report_request"),
    path("pentestrapport/", views.client_pentest, name="client_pentest"),
    path("cameras/", views.cameras, name="cameras"),
    path("cameras/incident/<int:incident_id>/sluiten/", views.close_incident, name="close_incident"),
    path("cameras/beelden/<int:clip_id>/bekijken/", views.view_clip, name="view_clip"),
    path("cameras/verzoek/<int:request_id>/", views.answer_camera_request, name="answer_camera_request"),
]
