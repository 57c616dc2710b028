"""Deletion certificates for the client (their own) and for staff with the view permission."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from verwerker.lists.listing import Listing, apply_listing
from verwerker.retention.certificates import render_certificate_pdf
from verwerker.retention.queries import access_certificate_for, list_certificates_for


@login_required
def certificate_list(request):
    found = apply_listing(request, list_certificates_for(request.user), CERTIFICATES)
    return render(request, "retention/certificate_list.html", {"certificates": found.page, "list": found})


CERTIFICATES = Listing(
    sorts={"issued": "issued_at", "client": "client__name", "reason": "reason", "files": "objects_deleted"},
    default_sort="-issued", search=("subject", "client__name", "agreement_reference"), date_field="issued_at",
)


@login_required
def certificate_detail(request, certificate_id):
    cert = access_certificate_for(request.user, certificate_id)

    return render(request, "retention/certificate_detail.html", {"cert": cert, "body": json.loads(cert.body)})


@login_required
def certificate_json(request, certificate_id):
    cert = access_certificate_for(request.user, certificate_id)
    response = HttpResponse(cert.body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vernietigingsverklaring-{cert.id}.json"'
    return response


@login_required
def certificate_pdf(request, certificate_id):
    cert = access_certificate_for(request.user, certificate_id)
    response = HttpResponse(render_certificate_pdf(cert), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="vernietigingsverklaring-{cert.id}.pdf"'
    return response
