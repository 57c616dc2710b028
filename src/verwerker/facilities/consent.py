"""The cookie banner for the house's public website (P08), as plain data (no ORM).

The house embeds one tag, ``<script src="https://<verwerker>/site/cookies.js" defer></script>``. That
loader (static/facilities/consent-loader.js) fetches the settings built here, loads the vendored
vanilla-cookieconsent library from Verwerker's own static files, and runs it: scripts on the site marked
``type="text/plain" data-category="<key>"`` stay inert until the visitor consents to their category.
Each choice is posted to the consent log with the banner's version, which is a hash of everything the
visitor was shown: a change of category, text or service asks every visitor again.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

BANNER_LIBRARY = "vanilla-cookieconsent 3.1.0"
LANGUAGES = ("nl", "en")
# What a pseudonymous id from the banner looks like (the library makes a UUID); anything else is refused.
CONSENT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")

TEXTS = {
    "nl": {
        "title": "Cookies op deze website",
        "description": (
            "Wij gebruiken alleen noodzakelijke cookies, tenzij u toestemming geeft voor meer. "
            "U kunt uw keuze altijd wijzigen of intrekken via 'Cookie-instellingen' onderaan elke pagina."
        ),
        "accept_all": "Accepteren",
        "reject_all": "Weigeren",
        "preferences": "Voorkeuren",
        "save": "Keuze opslaan",
        "close": "Sluiten",
        "preferences_title": "Cookie-instellingen",
        "withdraw_link": "Cookie-instellingen",
        "services": "Diensten",
    },
    "en": {
        "title": "Cookies on this website",
        "description": (
            "We only use necessary cookies unless you consent to more. You can change or withdraw your "
            "choice at any time through 'Cookie settings' at the bottom of every page."
        ),
        "accept_all": "Accept",
        "reject_all": "Reject",
        "preferences": "Preferences",
        "save": "Save my choice",
        "close": "Close",
        "preferences_title": "Cookie settings",
        "withdraw_link": "Cookie settings",
        "services": "Services",
    },
}


@dataclass(frozen=True)
class Service:
    name: str
    country: str
    script_host: str = ""
    cookies: str = ""


@dataclass(frozen=True)
class Category:
    key: str
    required: bool
    title: dict[str, str]
    description: dict[str, str]
    services: tuple[Service, ...] = field(default_factory=tuple)


def banner_version(categories: list[Category]) -> str:
    """A short, stable hash of what the banner shows: a new one whenever anything shown changes."""
    shown = {
        "library": BANNER_LIBRARY,
        "texts": TEXTS,
        "categories": [
            {"key": c.key, "required": c.required, "title": c.title, "description": c.description,
             "services": [[s.name, s.country, s.script_host, s.cookies] for s in c.services]}
            for c in categories
        ],
    }
    digest = hashlib.sha256(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return digest[:12]


def _section(category: Category, lang: str) -> dict:
    text = category.description[lang]
    if category.services:
        listed = "; ".join(f"{s.name} ({s.country})" for s in category.services)
        text += f" {TEXTS[lang]['services']}: {listed}."
    return {"title": category.title[lang], "description": text, "linkedCategory": category.key}


def library_options(categories: list[Category], *, version: str) -> dict:
    """The options vanilla-cookieconsent's ``CookieConsent.run`` takes (its v3 configuration format)."""
    translations = {}
    for lang in LANGUAGES:
        t = TEXTS[lang]
        translations[lang] = {
            "consentModal": {
                "title": t["title"],
                "description": t["description"],
                "acceptAllBtn": t["accept_all"],
                "acceptNecessaryBtn": t["reject_all"],
                "showPreferencesBtn": t["preferences"],
            },
            "preferencesModal": {
                "title": t["preferences_title"],
                "acceptAllBtn": t["accept_all"],
                "acceptNecessaryBtn": t["reject_all"],
                "savePreferencesBtn": t["save"],
                "closeIconLabel": t["close"],
                "sections": [_section(c, lang) for c in categories],
            },
        }
    return {
        # The version (a hash) becomes the library's revision: a changed banner asks everyone again.
        "revision": int(version[:7], 16) + 1,
        "manageScriptTags": True,
        "autoClearCookies": True,
        "hideFromBots": False,
        "cookie": {"name": "cc_cookie", "expiresAfterDays": 365, "useLocalStorage": False},
        "guiOptions": {"consentModal": {"layout": "box", "position": "bottom right"}},
        "categories": {
            c.key: {"enabled": c.required, "readOnly": c.required} for c in categories
        },
        "language": {"default": "nl", "autoDetect": "document", "translations": translations},
    }


@dataclass(frozen=True)
class Choice:
    consent_id: str
    action: str
    accepted: list[str]
    rejected: list[str]
    banner_version: str
    language: str


class BadChoice(ValueError):
    """The posted consent is not one the banner sends."""


def parse_choice(raw: bytes, *, known: set[str], limit: int = 4096) -> Choice:
    """Read one posted choice (JSON from the loader). Raises BadChoice with a one-line reason."""
    if len(raw) > limit:
        raise BadChoice("too large")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadChoice("not JSON") from None
    if not isinstance(data, dict):
        raise BadChoice("not a JSON object")
    consent_id = data.get("consent_id")
    if not isinstance(consent_id, str) or not CONSENT_ID.match(consent_id):
        raise BadChoice("no valid pseudonymous id")
    action = data.get("action")
    if action not in ("first", "change"):
        raise BadChoice("unknown action")
    lists = {}
    for key in ("accepted", "rejected"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v in known for v in value):
            raise BadChoice(f"{key}: unknown categories")
        lists[key] = sorted(set(value))
    version = data.get("banner_version")
    if not isinstance(version, str) or not re.fullmatch(r"[0-9a-f]{12}", version):
        raise BadChoice("no banner version")
    language = data.get("language") if data.get("language") in LANGUAGES else ""
    return Choice(consent_id, action, lists["accepted"], lists["rejected"], version, language)  # type: ignore[arg-type]
