from django.contrib import admin
from django.urls import include, path

from verwerker.accounts import views as account_views

admin.site.site_header = "Verwerker"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("verwerker.accounts.urls")),
    path("klanten/", include("verwerker.clients.urls")),
    path("aanleveren/", include("verwerker.intake.urls")),
    path("werk/", include("verwerker.production.urls")),
    path("audit/", include("verwerker.logbook.urls")),
    path("privacy/", include("verwerker.privacy.urls")),
    path("vernietigingsverklaringen/", include("verwerker.retention.urls")),
    path("relaties/", include("verwerker.crm.urls")),
    path("huis/", include("verwerker.facilities.urls")),
    path("meldingen/", include("verwerker.notifications.urls")),
    path("site/", include("verwerker.facilities.site_urls")),
    path("api/v1/", include("verwerker.api.urls")),
    path("api-beheer/", include("verwerker.api.screen_urls")),
    path("portal/", include("verwerker.portal.urls")),
    path("portaalbeheer/", include("verwerker.portal.house_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("beheer/", admin.site.urls),
]
