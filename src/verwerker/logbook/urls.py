from django.urls import path

from verwerker.logbook import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("filters/", views.save_filter, name="save_filter"),
    path("filters/<int:filter_id>/verwijderen/", views.delete_filter, name="delete_filter"),
]
