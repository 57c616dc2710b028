"""The one place a staff member without a current confidentiality agreement is kept from client data (P11).

Every view that shows client data (data files, jobs, proofs, outputs, uploads, data-subject requests) is
named in ``CLIENT_DATA_VIEWS`` by its URL namespace or full name; this middleware refuses them to active
staff without a confidentiality agreement in force, with a Dutch message, and audits the refusal. Client
users are the controller's own people (bound by their organisation) and are not gated here; outside
subprocessors' logins are bound by their sub-processing agreement (P21). A new app that shows client
data (the API, for instance) adds its namespace here: one list, one check.
"""

from __future__ import annotations

from django.http import HttpResponseForbidden
from django.template.loader import render_to_string

from verwerker.accounts.roles import Role
from verwerker.audit.actors import Actor

# URL namespaces whose every view shows client data, and single views of other namespaces that do.
CLIENT_DATA_NAMESPACES = frozenset({"production", "intake", "api"})
CLIENT_DATA_VIEWS = frozenset(
    {"privacy:requests", "privacy:request", "portal_house:work_order", "portal_house:print_file"}
)
# Views of those namespaces that show no client data (bans are IP addresses; retention is schedules;
# print stations are hot folders; SFTP accounts are the client's login, managed by the relation manager).
OPEN_VIEWS = frozenset({
    "intake:bans", "intake:lift_ban", "production:retention", "production:stations",
    "intake:sftp_issue", "intake:sftp_add_key", "intake:sftp_remove_key", "intake:sftp_disable_password",
    "intake:sftp_networks", "api:schema", "api:docs", "api:docs_script",
})


def shows_client_data(resolver_match) -> bool:
    if resolver_match is None:
        return False
    name = resolver_match.view_name
    if name in OPEN_VIEWS:
        return False
    return name in CLIENT_DATA_VIEWS or resolver_match.namespace in CLIENT_DATA_NAMESPACES


class ConfidentialityGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return None
        if not shows_client_data(request.resolver_match):
            return None

        if not refuse_client_data(user, view=request.resolver_match.view_name, actor=Actor.from_request(request)):
            return None
        return HttpResponseForbidden(render_to_string("facilities/no_agreement.html", {}, request=request))


def refuse_client_data(user, *, view: str, actor) -> bool:
    """True, and the refusal audited, when staff ``user`` may not open client data now (P11). The one
    check: this middleware asks it for the screens, the API (api/auth.py) for a staff token's member."""
    # local: same layer or upward, a cycle at the top
    from verwerker.facilities.actions import record_client_data_refusal
    from verwerker.facilities.queries import has_current_agreement  # local: same layer or upward, a cycle at the top

    if has_current_agreement(user) or user.has_role(Role.SUBPROCESSOR):
        return False
    record_client_data_refusal(user, view=view, actor=actor)
    return True
