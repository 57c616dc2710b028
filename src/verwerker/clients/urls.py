from django.urls import path

from verwerker.clients import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("nieuw/", views.client_create, name="create"),
    path("<int:client_id>/", views.client_detail, name="detail"),
    path("<int:client_id>/wijzigen/", views.client_edit, name="edit"),
    path("<int:client_id>/contactpersonen/", views.contact_add, name="contact_add"),
    path("contactpersonen/<int:contact_id>/", views.contact_edit, name="contact"),
    path("<int:client_id>/gebruikers/", views.client_user_create, name="client_user_create"),
    path("<int:client_id>/overeenkomsten/nieuw/", views.agreement_new, name="agreement_new"),
    path("overeenkomsten/<int:agreement_id>/", views.agreement_detail, name="agreement"),
    path("overeenkomsten/<int:agreement_id>/wijzigen/", views.agreement_edit, name="agreement_edit"),
    path("overeenkomsten/<int:agreement_id>/goedkeuren/", views.agreement_approve, name="agreement_approve"),
    path("overeenkomsten/<int:agreement_id>/activeren/", views.agreement_activate, name="agreement_activate"),
    path("onderaannemers/", views.subprocessors, name="subprocessors"),
    path(
        "onderaannemers/<int:subprocessor_id>/overeenkomst/",
        views.subprocessor_agreement_add,
        name="subprocessor_agreement",
    ),
]
