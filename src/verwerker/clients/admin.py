"""Admin for clients, agreements and subprocessors; every save is audited like an action."""

from django.contrib import admin

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.models import Agreement, Client, Contact, Subprocessor, SubprocessingAgreement


class AuditedAdmin(admin.ModelAdmin):
    created_event: EventType
    changed_event: EventType

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        do_record_event(
            self.changed_event if change else self.created_event,
            actor=Actor.from_request(request),
            client_id=getattr(obj, "client_id", None) or (obj.pk if isinstance(obj, Client) else None),
            obj=obj,
            details={"fields": sorted(form.changed_data), "via": "admin"},
        )


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Client)
class ClientAdmin(AuditedAdmin):
    created_event = EventType.CLIENT_CREATED
    changed_event = EventType.CLIENT_CHANGED
    list_display = ("name", "created_at")
    search_fields = ("name",)
    inlines = [ContactInline]


@admin.register(Agreement)
class AgreementAdmin(AuditedAdmin):
    created_event = EventType.AGREEMENT_CREATED
    changed_event = EventType.AGREEMENT_CHANGED
    list_display = ("client", "reference", "status", "starts_on", "ends_on", "max_retention_days", "breach_notice_hours")
    list_filter = ("status",)
    filter_horizontal = ("subprocessors",)


class SubprocessingAgreementInline(admin.TabularInline):
    model = SubprocessingAgreement
    extra = 0


@admin.register(Subprocessor)
class SubprocessorAdmin(AuditedAdmin):
    created_event = EventType.SUBPROCESSOR_CREATED
    changed_event = EventType.SUBPROCESSOR_CHANGED
    list_display = ("name", "country", "receives_personal_data")
    inlines = [SubprocessingAgreementInline]
