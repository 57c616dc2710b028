from django.conf import settings


def house(request):
    """The house's name and the user's roles, for the base layout."""
    user = getattr(request, "user", None)
    roles: list[str] = []
    if user is not None and user.is_authenticated and user.is_staff:
        roles = list(user.groups.values_list("name", flat=True))
    return {"house_name": settings.HOUSE_NAME, "user_roles": roles}
