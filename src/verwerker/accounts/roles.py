"""Staff roles (DESIGN.md "The people who use it") as Django groups with permissions (P01).

Each role gets only what its part of the work needs. The groups are kept in step with this table after
every migrate, so a permission added here reaches every installation.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DATABASE = "database", _("database department")
    RELATION = "relation", _("relation manager")
    PRINT = "print", _("print operator")
    PRIVACY = "privacy", _("privacy/security officer")
    ADMIN = "admin", _("administrator")
    # An outside producer's login, bound to one Subprocessor (clients.SubprocessorUser).
    SUBPROCESSOR = "subprocessor", _("subprocessor")


# role -> permissions ("app_label.codename"). Later issues add their apps' permissions here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DATABASE: [
        "privacy.add_breach",
        "clients.view_client",
        "clients.view_agreement",
        "intake.view_upload",
        "vault.view_blob",
        "datafiles.view_datafile",
        "datafiles.change_datafile",
        "production.view_job",
        "production.add_job",
        "production.change_job",
        "production.release_job",
        "production.view_template",
        "production.add_template",
        "production.change_template",
        "production.view_printstation",
    ],
    Role.RELATION: [
        "privacy.add_breach",
        "clients.view_client",
        "clients.add_client",
        "clients.change_client",
        "clients.view_contact",
        "clients.add_contact",
        "clients.change_contact",
        "clients.view_agreement",
        "clients.add_agreement",
        "clients.change_agreement",
        "clients.view_subprocessor",
        "accounts.manage_client_users",
        "intake.view_sftpaccount",
        "intake.add_sftpaccount",
        "intake.change_sftpaccount",
        "intake.view_upload",
        "retention.view_deletioncertificate",
        "datafiles.view_datafile",
        "production.view_job",
        "production.view_template",
        "api.view_apitoken",
        "api.add_apitoken",
        "api.change_apitoken",
        "api.view_webhooksubscription",
        "portal.manage_shop",
        "portal.handle_portal_work",
    ],
    Role.PRINT: [
        "privacy.add_breach",
        "production.view_job",
        "production.confirm_printing",
        "production.view_printstation",
        "portal.handle_portal_work",
    ],
    Role.PRIVACY: [
        "clients.view_client",
        "clients.view_contact",
        "clients.view_agreement",
        "clients.view_subprocessor",
        "clients.add_subprocessor",
        "clients.change_subprocessor",
        "clients.view_subprocessingagreement",
        "clients.add_subprocessingagreement",
        "clients.change_subprocessingagreement",
        "audit.view_auditevent",
        "privacy.view_breach",
        "privacy.add_breach",
        "privacy.manage_breach",
        "privacy.view_complaint",
        "privacy.add_complaint",
        "privacy.change_complaint",
        "privacy.view_pentest",
        "privacy.add_pentest",
        "privacy.change_pentest",
        "privacy.view_datasubjectrequest",
        "privacy.add_datasubjectrequest",
        "privacy.handle_subject_request",
        "intake.view_sftpaccount",
        "intake.view_upload",
        "intake.view_ban",
        "intake.change_ban",
        "vault.view_blob",
        "retention.view_retentionschedule",
        "retention.change_retentionschedule",
        "retention.view_hold",
        "retention.add_hold",
        "retention.change_hold",
        "retention.view_deletioncertificate",
        "datafiles.view_datafile",
        "production.view_job",
    ],
    Role.SUBPROCESSOR: ["production.confirm_production"],
    Role.ADMIN: [
        "privacy.add_breach",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.manage_staff",
        "accounts.manage_client_users",
        "clients.view_client",
        "production.view_printstation",
        "production.add_printstation",
        "production.change_printstation",
        "api.view_apitoken",
        "api.view_webhooksubscription",
        "api.manage_webhooks",
    ],
}


def is_privacy_officer(user) -> bool:
    """The one test for the privacy/security officer's screens (audit log, registers, breaches)."""
    return bool(user.is_authenticated and user.is_staff and user.has_role(Role.PRIVACY))


def sync_role_groups(sender=None, **kwargs) -> None:
    """Create one group per role and set exactly the permissions of ROLE_PERMISSIONS."""

    using = kwargs.get("using", "default")
    # Permissions of apps migrated after this one do not exist yet: create them all first.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        wanted = []  # type: ignore[var-annotated]
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(
                Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
