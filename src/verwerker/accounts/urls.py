from django.contrib.auth import views as auth_views
from django.urls import path

from verwerker.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tweede-factor/", views.otp, name="otp"),
    path("wachtwoord/", views.PasswordChangeView.as_view(), name="password_change"),
    path("mensen/", views.people, name="people"),
    path("mensen/nieuw/", views.person_create, name="person_create"),
    path("mensen/<int:user_id>/", views.person_detail, name="person"),
    path("mensen/<int:user_id>/rollen/", views.person_roles, name="person_roles"),
    path("mensen/<int:user_id>/tweede-factor/", views.person_reset_second_factor, name="person_reset_2fa"),
    path("mensen/<int:user_id>/deactiveren/", views.person_deactivate, name="person_deactivate"),
    path("mensen/<int:user_id>/heractiveren/", views.person_reactivate, name="person_reactivate"),
]
