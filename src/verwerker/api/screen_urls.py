from django.urls import path

from verwerker.api import screens

app_name = "apiscreens"
urlpatterns = [
    path("", screens.overview, name="overview"),
    path("klant/<int:client_id>/token/", screens.issue, name="issue"),
    path("token/<int:token_id>/intrekken/", screens.revoke, name="revoke"),
]
