from django.urls import path

from verwerker.crm import views

app_name = "crm"
urlpatterns = [
    path("", views.search, name="search"),
    path("organisaties/nieuw/", views.organisation_new, name="organisation_new"),
    path("organisaties/<int:organisation_id>/", views.organisation_detail, name="organisation"),
    path("organisaties/<int:organisation_id>/wijzigen/", views.organisation_edit, name="organisation_edit"),
    path("personen/nieuw/", views.person_new, name="person_new"),
    path("personen/<int:person_id>/", views.person_detail, name="person"),
    path("personen/<int:person_id>/wijzigen/", views.person_edit, name="person_edit"),
    path("personen/<int:person_id>/passende-acties/", views.person_extra, name="person_extra"),
    path("import/", views.import_relations, name="import"),
    path("export.csv", views.export_relations, name="export"),
    path("suppressielijsten/", views.suppression_lists, name="suppression"),
    path("mailings/", views.mailings, name="mailings"),
    path("mailings/<int:mailing_id>/", views.mailing_detail, name="mailing"),
    path("toestemming/<str:token>/", views.consent_link, name="consent_link"),
    path("privacy/", views.privacy_overview, name="privacy"),
    path("privacy/doelen/<int:purpose_id>/", views.purpose_edit, name="purpose"),
    path("privacy/herbevestiging/", views.renewals, name="renewals"),
    path("privacy/verzoeken/<int:request_id>/", views.request_detail, name="request"),
    path("privacy/verzoeken/<int:request_id>/inzage.<str:fmt>", views.request_export, name="request_export"),
    path("privacy/verklaringen/<uuid:certificate_id>/", views.certificate_download, name="certificate"),
    path("privacy/verklaringen/<uuid:certificate_id>/pdf/", views.certificate_pdf, name="certificate_pdf"),
]
