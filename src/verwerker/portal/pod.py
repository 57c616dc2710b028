"""Print on demand: the fields an orderer fills, their checks, and the Typst rendering. Pure: no ORM.

Threat model: the field values are personal data (a name, a phone number on a business card). They
reach Typst only as a JSON string in ``sys.inputs`` (never spliced into markup, so a value cannot
change the layout or the locked brand elements), and the PNG preview and PDF come back as bytes in
memory; nothing here writes to disk. Typst errors are reported without values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import phonenumbers
import typst
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

# Fixed creation time: the same fields give the same PDF (the proof and the print file match).
TIMESTAMP = 946684800
PREVIEW_PPI = 110
MAX_VALUE = 200
FIELD_KINDS = ("text", "phone", "email")


class TemplateError(ValueError):
    """The Typst template does not compile; the message holds no field values."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str = "text"
    required: bool = False
    max_length: int = 60

    @classmethod
    def from_dict(cls, data: dict) -> FieldSpec:
        return cls(
            str(data["name"]),
            str(data.get("label") or data["name"]),
            str(data.get("kind") or "text"),
            bool(data.get("required")),
            int(data.get("max_length") or 60),
        )

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "required": self.required,
            "max_length": self.max_length,
        }


def parse_field_specs(text: str) -> list[dict]:
    """Field specs from the relation manager's lines ``name|label|kind|required|max`` (kind, required and
    max optional). Raises ValidationError naming the line."""
    specs, seen = [], set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        name = parts[0]
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", name) or name in seen:
            raise ValidationError(
                _("Line %(n)s: a field name is lower-case letters, digits and _, once each.") % {"n": number}
            )
        kind = parts[2] if len(parts) > 2 and parts[2] else "text"
        if kind not in FIELD_KINDS:
            raise ValidationError(_("Line %(n)s: the kind is text, phone or email.") % {"n": number})
        required = len(parts) > 3 and parts[3].lower() in ("ja", "yes", "required", "verplicht", "1")
        try:
            max_length = int(parts[4]) if len(parts) > 4 and parts[4] else 60
        except ValueError:
            raise ValidationError(_("Line %(n)s: the maximum length is a number.") % {"n": number}) from None
        if not 1 <= max_length <= MAX_VALUE:
            raise ValidationError(_("Line %(n)s: the maximum length is between 1 and 200.") % {"n": number})
        seen.add(name)
        specs.append(
            FieldSpec(name, parts[1] if len(parts) > 1 and parts[1] else name, kind, required, max_length).as_dict()
        )
    return specs


def format_field_specs(specs: list[dict]) -> str:
    lines = []
    for spec in map(FieldSpec.from_dict, specs):
        lines.append("|".join([spec.name, spec.label, spec.kind, "ja" if spec.required else "", str(spec.max_length)]))
    return "\n".join(lines)


def clean_values(specs: list[dict], raw: dict) -> tuple[dict[str, str], dict[str, str]]:
    """(cleaned values, errors by field name). Phones are normalised to international format (NL default)."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for spec in map(FieldSpec.from_dict, specs):
        value = " ".join(str(raw.get(spec.name) or "").split())
        if not value:
            if spec.required:
                errors[spec.name] = _("%(field)s is required.") % {"field": spec.label}
            values[spec.name] = ""
            continue
        if len(value) > spec.max_length:
            errors[spec.name] = _("%(field)s is at most %(n)s characters.") % {
                "field": spec.label,
                "n": spec.max_length,
            }
        elif spec.kind == "phone":
            try:
                number = phonenumbers.parse(value, "NL")
                if not phonenumbers.is_valid_number(number):
                    raise phonenumbers.NumberParseException(0, "invalid")
                value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            except phonenumbers.NumberParseException:
                errors[spec.name] = _("%(field)s is not a valid phone number.") % {"field": spec.label}
        elif spec.kind == "email":
            try:
                validate_email(value)
            except ValidationError:
                errors[spec.name] = _("%(field)s is not a valid e-mail address.") % {"field": spec.label}
        values[spec.name] = value
    return values, errors


def _compile(source: str, values: dict, fmt: str) -> bytes:
    try:
        out = typst.compile(  # type: ignore[call-overload]
            source.encode("utf-8"),
            format=fmt,
            ppi=PREVIEW_PPI if fmt == "png" else None,
            sys_inputs={"fields": json.dumps(values, sort_keys=True)},
            timestamp=TIMESTAMP,
            **({"pdf_tags": False} if fmt == "pdf" else {}),
        )
    except typst.TypstError as exc:
        message = re.sub(r'"[^"]*"', '"…"', (exc.message or "error").splitlines()[0])
        raise TemplateError(message) from None
    if isinstance(out, list):  # a multi-page PNG: the first page is the preview
        out = out[0]
    return out


def render_png(source: str, values: dict) -> bytes:
    """The first page as PNG, in memory (the live preview)."""
    return _compile(source, values, "png")


def render_pdf(source: str, values: dict) -> bytes:
    """The print PDF as Typst makes it (the proof); production.pdfvt.finish_pdfx4 makes it PDF/X-4."""
    return _compile(source, values, "pdf")


def check_template(source: str, specs: list[dict]) -> None:
    """Compile the template with sample values. Raises TemplateError."""
    render_pdf(source, {FieldSpec.from_dict(s).name: FieldSpec.from_dict(s).label for s in specs})


BUSINESS_CARD = """#set page(width: 85mm, height: 55mm, margin: 5mm)
#let f = json(bytes(sys.inputs.at("fields", default: "{}")))
#set text(font: "DejaVu Sans", size: 8pt)
// Locked brand elements: the bar, the name of the organisation and its colour are not fields.
#rect(fill: rgb("{colour}"), width: 100%, inset: 2mm)[#text(fill: white, weight: "bold")[{organisation}]]
#v(4mm)
#text(size: 11pt, weight: "bold")[#f.at("name", default: "")] \\
#f.at("function", default: "")
#v(2mm)
#f.at("phone", default: "") \\
#f.at("email", default: "")
"""

BUSINESS_CARD_FIELDS = [
    FieldSpec("name", "Naam", "text", True, 40).as_dict(),
    FieldSpec("function", "Functie", "text", False, 40).as_dict(),
    FieldSpec("phone", "Telefoon", "phone", True, 20).as_dict(),
    FieldSpec("email", "E-mail", "email", False, 60).as_dict(),
]


def business_card_template(organisation: str, colour: str) -> str:
    """A starting template for a business card in the client's colour (the relation manager edits it)."""
    safe = organisation.replace("\\", "").replace("]", "").replace("[", "").replace("#", "")
    return BUSINESS_CARD.replace("{colour}", colour).replace("{organisation}", safe)
