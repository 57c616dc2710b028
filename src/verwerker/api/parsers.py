"""A JSON parser with a bound: a body over 64 KiB is refused before it is read (the API's JSON bodies are
a few fields; the upload endpoint reads its body itself)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from verwerker.api.problems import ApiProblem

MAX_JSON_BYTES = 64 * 1024


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if length and (not length.isdigit() or int(length) > MAX_JSON_BYTES):
            raise ApiProblem(413, _("A JSON body has at most 64 KiB."), "too_large")
        data = stream.read(MAX_JSON_BYTES + 1) if stream is not None else b""
        if len(data) > MAX_JSON_BYTES:
            raise ApiProblem(413, _("A JSON body has at most 64 KiB."), "too_large")
        try:
            return super().parse(io.BytesIO(data), media_type, parser_context)
        except ParseError:
            raise ApiProblem(400, _("The body is not valid JSON."), "bad_json") from None
