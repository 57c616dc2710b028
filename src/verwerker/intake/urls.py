from django.urls import path

from verwerker.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.uploads, name="uploads"),
    path("<int:upload_id>/", views.upload_detail, name="upload"),
    path("blokkades/", views.bans, name="bans"),
    path("blokkades/<int:ban_id>/opheffen/", views.lift_ban, name="lift_ban"),
]
