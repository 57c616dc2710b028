from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from verwerker.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "client", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", "groups", "client")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Verwerker", {"fields": ("client", "must_change_password")}),
    )
