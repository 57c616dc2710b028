"""Errors as RFC 9457 problem details (``application/problem+json``), in Dutch or English by the
request's Accept-Language (Django's LocaleMiddleware has chosen the language before the view runs)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_handler

from verwerker.intake.policy import Refusal

logger = logging.getLogger("verwerker.api")
PROBLEM = "application/problem+json"


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM


def titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Not authenticated"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        411: _("Length required"),
        413: _("Content too large"),
        415: _("Unsupported media type"),
        422: _("Unprocessable content"),
        428: _("Precondition required"),
        429: _("Too many requests"),
        500: _("Internal error"),
    }


def problem(status_code: int, detail: str = "", *, code: str = "", extra: dict | None = None) -> JsonResponse:
    """A problem+json response outside DRF (Django views, the catch-all 404)."""
    return JsonResponse(body(status_code, detail, code=code, extra=extra), status=status_code, content_type=PROBLEM)


def body(status_code: int, detail: str = "", *, code: str = "", extra: dict | None = None) -> dict:
    doc = {
        "type": f"https://verwerker.invalid/problems/{code or status_code}",
        "title": titles().get(status_code, str(status_code)),
        "status": status_code,
    }
    if detail:
        doc["detail"] = detail
    if extra:
        doc.update(extra)
    return doc


class ApiProblem(exceptions.APIException):
    """A refusal with a status and a translated one-line reason."""

    def __init__(self, status_code: int, detail: str, code: str = "refused"):
        self.status_code = status_code
        super().__init__(detail, code)


def _detail_text(detail) -> tuple[str, dict]:
    if isinstance(detail, dict):
        errors = {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
        return _("The request has invalid fields."), {"errors": errors}
    if isinstance(detail, list):
        return "; ".join(str(x) for x in detail), {}
    return str(detail), {}


def exception_handler(exc, context):
    """Every error of the API as problem details; an unexpected one is logged (one line) and is a 500."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("No such object."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ValidationError):
        exc = ApiProblem(422, "; ".join(exc.messages), "invalid")
    elif isinstance(exc, Refusal):
        exc = ApiProblem(413 if exc.reason in ("too_large", "quota") else 422, str(exc), exc.reason)
    response = drf_handler(exc, context)
    if response is None:
        return None
    detail, extra = _detail_text(
        response.data.get("detail", response.data)
        if isinstance(response.data, dict) and "detail" in response.data
        else response.data
    )
    code = getattr(exc, "default_code", "") if not isinstance(exc, ApiProblem) else exc.get_codes()
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = int(exc.wait)
    response.data = body(response.status_code, detail, code=code if isinstance(code, str) else "", extra=extra)
    response.content_type = PROBLEM
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="verwerker"'
    return response


@csrf_exempt  # an API address: no session, so no CSRF; a POST here is a 404 like any other
def not_found(request, *args, **kwargs):
    """Any other address under /api/: a problem, not the site's HTML 404."""
    return problem(404, _("No such address in the API."))
