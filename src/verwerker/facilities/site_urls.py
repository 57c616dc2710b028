"""Public endpoints for the house's own website (no login): the cookie banner and its consent log (P08)."""

from django.urls import path

from verwerker.facilities import views

app_name = "site"
urlpatterns = [
    path("cookies.js", views.site_loader, name="cookies_js"),
    path("cookies/config.json", views.site_config, name="cookies_config"),
    path("cookies/log", views.site_log, name="cookies_log"),
]
