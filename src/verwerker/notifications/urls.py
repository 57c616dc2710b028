from django.urls import path

from verwerker.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("gelezen/", views.mark_read, name="mark_read"),
    path("e-mail/", views.preferences, name="preferences"),
]
