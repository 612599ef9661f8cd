"""Crisis helplines by region, answered with a crisis hit (`safety: {crisis: true, resources: [...]}`).

Only numbers we are sure of are listed. A region we have no list for gets the UK list plus a line
telling the person to call their local emergency number. Deployments replace or add lists through
`overrides` (config `CRISIS_RESOURCES`), keyed by country code ("US") or by a full region ("GB-SCT");
the full region wins over its country.

Every call returns fresh dicts, so a caller may change what it gets back without touching these.
"""
from __future__ import annotations

import copy
import re

LOCAL_EMERGENCY_LINE = {"name": "Outside the UK? Call your local emergency number now if you are in danger"}

UK: list[dict] = [
    {"name": "Emergency services (if you are in danger now)", "phone": "999"},
    {"name": "NHS 111 (urgent help, including mental health)", "phone": "111", "url": "https://111.nhs.uk"},
    {"name": "Samaritans (any time, free)", "phone": "116 123", "url": "https://www.samaritans.org"},
    {"name": "Shout (text, any time, free)", "text": "Text SHOUT to 85258", "url": "https://giveusashout.org"},
]

# Northern Ireland has no NHS 111 for mental health; Lifeline is its crisis line.
UK_NORTHERN_IRELAND: list[dict] = [
    {"name": "Emergency services (if you are in danger now)", "phone": "999"},
    {"name": "Lifeline (Northern Ireland crisis line, any time)", "phone": "0808 808 8000"},
    {"name": "Samaritans (any time, free)", "phone": "116 123", "url": "https://www.samaritans.org"},
    {"name": "Shout (text, any time, free)", "text": "Text SHOUT to 85258", "url": "https://giveusashout.org"},
]

BY_REGION: dict[str, list[dict]] = {
    "GB": UK,
    "GB-NIR": UK_NORTHERN_IRELAND,
    "US": [
        {"name": "Emergency services", "phone": "911"},
        {"name": "988 Suicide & Crisis Lifeline (call or text)", "phone": "988", "text": "Text 988",
         "url": "https://988lifeline.org"},
        {"name": "Crisis Text Line", "text": "Text HOME to 741741", "url": "https://www.crisistextline.org"},
    ],
    "CA": [
        {"name": "Emergency services", "phone": "911"},
        {"name": "9-8-8 Suicide Crisis Helpline (call or text)", "phone": "988", "text": "Text 988",
         "url": "https://988.ca"},
    ],
    "IE": [
        {"name": "Emergency services", "phone": "112 or 999"},
        {"name": "Samaritans Ireland (any time, free)", "phone": "116 123", "url": "https://www.samaritans.org/ireland"},
        {"name": "Pieta (suicide and self-harm crisis line)", "phone": "1800 247 247", "url": "https://www.pieta.ie"},
        {"name": "50808 (text, any time)", "text": "Text HELLO to 50808", "url": "https://text50808.ie"},
    ],
    "AU": [
        {"name": "Emergency services", "phone": "000"},
        {"name": "Lifeline Australia (any time)", "phone": "13 11 14", "url": "https://www.lifeline.org.au"},
        {"name": "Beyond Blue", "phone": "1300 22 4636", "url": "https://www.beyondblue.org.au"},
    ],
    "NZ": [
        {"name": "Emergency services", "phone": "111"},
        {"name": "Need to talk? (call or text, any time)", "phone": "1737", "text": "Text 1737",
         "url": "https://1737.org.nz"},
    ],
}

_NAMES = {   # region written as a name rather than a code
    "UNITED KINGDOM": "GB", "GREAT BRITAIN": "GB", "BRITAIN": "GB", "ENGLAND": "GB-ENG", "SCOTLAND": "GB-SCT",
    "WALES": "GB-WLS", "NORTHERN IRELAND": "GB-NIR", "UNITED STATES": "US", "USA": "US", "AMERICA": "US",
    "IRELAND": "IE", "EIRE": "IE", "AUSTRALIA": "AU", "CANADA": "CA", "NEW ZEALAND": "NZ", "AOTEAROA": "NZ",
}
_COUNTRY_ALIASES = {"UK": "GB"}
_SUBDIVISION_ALIASES = {"GB-NI": "GB-NIR"}
_CODE = re.compile(r"^([A-Z]{2})(?:[-_ ]([A-Z0-9]{1,3}))?(?![A-Z0-9])")


def parse_region(region: str | None) -> tuple[str | None, str | None]:
    """(country, full region): "gb-sct" -> ("GB", "GB-SCT"); "US" -> ("US", None); None -> (None, None).

    Text we cannot read gives ("", None), which callers treat as an unknown region.
    """
    if not region or not region.strip():
        return None, None
    text = " ".join(region.strip().upper().replace(".", "").split())
    for name, code in _NAMES.items():
        if text == name or text.startswith((name + " ", name + ",")):
            country, _, sub = code.partition("-")
            return country, code if sub else None
    m = _CODE.match(text)
    if not m:
        return "", None
    country = _COUNTRY_ALIASES.get(m.group(1), m.group(1))
    full = f"{country}-{m.group(2)}" if m.group(2) else None
    return country, _SUBDIVISION_ALIASES.get(full, full)


def crisis_resources(region: str | None, overrides: dict | None = None) -> list[dict]:
    """Helplines for `region` (free text starting with an ISO 3166 code: "GB", "GB-SCT", "US-CA").

    None or empty -> the UK list. A region with no list -> the UK list and a line to call the local
    emergency number. `overrides` maps a country code or full region to a replacement list.
    """
    overrides = {str(k).upper(): v for k, v in (overrides or {}).items()}
    country, full = parse_region(region)
    if country is None:
        chosen = overrides.get("GB", UK)
        return copy.deepcopy(list(chosen))
    for key in (full, country):
        if key and key in overrides:
            return copy.deepcopy(list(overrides[key]))
    for key in (full, country):
        if key and key in BY_REGION:
            return copy.deepcopy(BY_REGION[key])
    return copy.deepcopy(list(overrides.get("GB", UK))) + [dict(LOCAL_EMERGENCY_LINE)]
