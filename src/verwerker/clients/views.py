"""Client and agreement pages: staff see what their role allows, a client user only their own client."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from verwerker.clients.queries import access_agreement_for, access_client_for, list_agreements_for_client, list_clients


@login_required
@permission_required("clients.view_client", raise_exception=True)
def client_list(request):
    return render(request, "clients/client_list.html", {"clients": list_clients()})


@login_required
def client_detail(request, client_id: int):
    client = access_client_for(request.user, client_id)
    return render(
        request,
        "clients/client_detail.html",
        {"client": client, "agreements": list_agreements_for_client(client), "contacts": client.contacts.all()},
    )


@login_required
def agreement_detail(request, agreement_id: int):
    agreement = access_agreement_for(request.user, agreement_id)
    return render(request, "clients/agreement_detail.html", {"agreement": agreement})
