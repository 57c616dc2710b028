"""Admin for clients, agreements and subprocessors, for looking only: changes go through the client
screens and clients/actions.py, so each is checked (an agreement's activation above all) and audited."""

from django.contrib import admin

from verwerker.accounts.admin import ReadOnlyAdmin
from verwerker.clients.models import Agreement, Client, Contact, SubprocessingAgreement, Subprocessor


class ContactInline(ReadOnlyAdmin, admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Client)
class ClientAdmin(ReadOnlyAdmin, admin.ModelAdmin):  # type: ignore[misc]
    list_display = ("name", "created_at")
    search_fields = ("name",)
    inlines = [ContactInline]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin, admin.ModelAdmin):  # type: ignore[misc]
    list_display = ("client", "reference", "version", "status", "starts_on", "ends_on", "max_retention_days",
                    "breach_notice_hours")
    list_filter = ("status",)


class SubprocessingAgreementInline(ReadOnlyAdmin, admin.TabularInline):
    model = SubprocessingAgreement
    extra = 0


@admin.register(Subprocessor)
class SubprocessorAdmin(ReadOnlyAdmin, admin.ModelAdmin):  # type: ignore[misc]
    list_display = ("name", "country", "receives_personal_data")
    inlines = [SubprocessingAgreementInline]
