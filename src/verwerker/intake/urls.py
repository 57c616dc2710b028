from django.urls import path

from verwerker.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.uploads, name="uploads"),
    path("<int:upload_id>/", views.upload_detail, name="upload"),
    path("blokkades/", views.bans, name="bans"),
    path("blokkades/<int:ban_id>/opheffen/", views.lift_ban, name="lift_ban"),
    path("sftp/<int:client_id>/uitgeven/", views.sftp_issue, name="sftp_issue"),
    path("sftp/<int:client_id>/sleutel/", views.sftp_add_key, name="sftp_add_key"),
    path("sftp/<int:client_id>/sleutel/verwijderen/", views.sftp_remove_key, name="sftp_remove_key"),
    path("sftp/<int:client_id>/wachtwoord-uit/", views.sftp_disable_password, name="sftp_disable_password"),
    path("sftp/<int:client_id>/netwerken/", views.sftp_networks, name="sftp_networks"),
]
