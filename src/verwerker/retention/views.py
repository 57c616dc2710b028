"""Deletion certificates for the client (their own) and for staff with the view permission."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from verwerker.retention.certificates import render_certificate_pdf
from verwerker.retention.queries import access_certificate_for, list_certificates_for


@login_required
def certificate_list(request):
    return render(request, "retention/certificate_list.html", {"certificates": list_certificates_for(request.user)[:500]})


@login_required
def certificate_detail(request, certificate_id):
    cert = access_certificate_for(request.user, certificate_id)
    import json

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
