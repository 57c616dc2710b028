"""`verwerker check`: the print parts' output intent (PDF/X-4) must be a usable ICC profile."""

from __future__ import annotations

from django.core.checks import Error, register


@register("verwerker")
def check_output_intent(app_configs=None, **kwargs) -> list:
    """An unreadable VERWERKER_OUTPUT_INTENT_ICC is an error: every job's parts would fail on it."""
    # local: same layer or upward, a cycle at the top
    from verwerker.production.pdfvt import OutputIntentError, output_intent

    try:
        output_intent()
    except OutputIntentError as exc:
        return [Error(f"VERWERKER_OUTPUT_INTENT_ICC: {exc}", hint="Name the press's ICC output profile, or unset it "
                      "for sRGB (see docs/production.md).", id="production.E001")]
    return []
