"""The Django admin, for looking only: users, roles and second-factor devices are changed on the
People screens through accounts/actions.py, so every change is checked and audited (no second path)."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from verwerker.accounts.models import User


class ReadOnlyAdmin:
    """Mixed into a ModelAdmin: the admin may list and show, never add, change or delete."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ReadOnlyAdmin, DjangoUserAdmin):  # type: ignore[misc]
    list_display = ("username", "email", "client", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", "groups", "client")
    fieldsets = (
        (None, {"fields": ("username", "email", "first_name", "last_name")}),
        ("Verwerker", {"fields": ("client", "groups", "is_active", "is_staff", "must_change_password",
                                  "request_reference", "last_login", "date_joined")}),
    )


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(ReadOnlyAdmin, GroupAdmin):  # type: ignore[misc]
    pass


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class ReadOnlyTOTPDeviceAdmin(ReadOnlyAdmin, TOTPDeviceAdmin):
    pass
