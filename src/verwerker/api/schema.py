"""The OpenAPI document's common parts: the bearer scheme and the problem responses every operation can give."""

from __future__ import annotations

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object"},
        "retry_after": {"type": "integer"},
    },
    "required": ["type", "title", "status"],
}
COMMON = {
    "400": "bad request",
    "401": "no valid token",
    "403": "not allowed for this token",
    "404": "no such object",
    "405": "method not allowed",
    "406": "not acceptable",
    "409": "conflict (a step refused, an idempotency key reused)",
    "411": "Content-Length required",
    "413": "too large",
    "415": "unsupported media type",
    "422": "refused (invalid content)",
    "428": "checksum header required",
    "429": "rate limit reached",
}


def add_problems(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the problem responses."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
    ref = {"$ref": "#/components/schemas/Problem"}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["security"] = [{"bearer": []}]
            for code, text in COMMON.items():
                operation["responses"].setdefault(
                    code, {"description": text, "content": {"application/problem+json": {"schema": ref}}}
                )
    return result
