"""KIX (KlantIndeX): PostNL's 4-state barcode for the destination address (DOMAIN.md §2.2–2.3).

The content is postcode + house/box/reply number + ``X`` + letter/addition; the symbology is RM4SCC's
data characters without start bar, stop bar or check character. Bars are returned as a string of
F/A/D/T (full, ascender, descender, tracker) so the Typst library can draw them as vector rectangles
to RM4SCC dimensions instead of relying on a font size (the sources disagree on the font size).
"""

from __future__ import annotations

import re

KRSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The six 2-of-4 patterns; a character's row picks the ascenders, its column the descenders.
_PATTERNS = ("0011", "0101", "0110", "1001", "1010", "1100")
MAX_LENGTH = 18  # zint's limit: 6 (postcode) + 5 (number) + 1 (X) + 6 (addition)

# RM4SCC printer defaults (DOMAIN.md §2.3), in millimetres: the Typst library uses the same figures.
BAR_WIDTH_MM = 0.5
BAR_PITCH_MM = 25.4 / 22
TRACKER_MM = 1.27
EXTENDER_MM = 1.88

_NOT_KIX = re.compile(r"[^0-9A-Z]")
_SYMBOLS: dict[str, str] = {}


def _build_table() -> None:
    for i, ch in enumerate(KRSET):
        top, bottom = _PATTERNS[i // 6], _PATTERNS[i % 6]
        _SYMBOLS[ch] = "".join(
            "F" if t == "1" and b == "1" else "A" if t == "1" else "D" if b == "1" else "T"
            for t, b in zip(top, bottom, strict=False)
        )


_build_table()


class KixError(ValueError):
    """The content cannot be encoded as a KIX."""


def kix_content(postcode: str, number: int | str, letter: str = "", addition: str = "") -> str:
    """The KIX string for a Dutch delivery point: ``1231FZ13XHS``; postbus/antwoordnummer pass no suffix.

    Raises KixError when the postcode or number is missing or the result exceeds 18 characters.
    """
    pc = _NOT_KIX.sub("", (postcode or "").upper())
    num = str(number).strip()
    if len(pc) != 6 or not num.isdigit():
        raise KixError("a KIX needs a six-character postcode and a house number")
    suffix = _NOT_KIX.sub("", f"{letter or ''}{addition or ''}".upper())
    content = f"{pc}{int(num)}" + (f"X{suffix}" if suffix else "")
    if len(content) > MAX_LENGTH:
        raise KixError(f"KIX longer than {MAX_LENGTH} characters")
    return content


def kix_bars(content: str) -> str:
    """The bars of ``content``, four per character, left to right, as F/A/D/T.

    Raises KixError for characters outside 0-9A-Z (the symbology has no others; case is folded).
    """
    try:
        return "".join(_SYMBOLS[ch] for ch in content.upper())
    except KeyError:
        raise KixError("a KIX holds only the characters 0-9 and A-Z") from None


def clean_supplied_kix(value: str) -> str:
    """A PostNL-supplied KIX column, printed as given: only spaces are removed and case folded.

    Raises KixError if it holds characters the symbology cannot encode.
    """
    content = re.sub(r"\s+", "", value or "").upper()
    if not content:
        raise KixError("empty KIX")
    kix_bars(content)
    return content
