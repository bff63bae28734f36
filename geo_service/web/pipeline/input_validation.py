"""One validation layer for every path and query value, run before any route (``before_request``).

Routes and services then only see values that are printable text of a sane length and, for the values
that name things (scenario and boundary-set slugs, area and network codes, layer keys) or count things
(dpi, height, version, ...), of the right shape. Anything else is a 400 problem+json naming the parameter,
before a database is touched: PostgreSQL refuses NUL in text (psycopg2 raised ValueError → 500), and a
control character, a 10,000-character "code" or a full-width "９６" has no business reaching a query.

The rules are by parameter name, the same for a path value and a query value of that name. Names not
listed get the general rule only (no control characters, at most :data:`MAX_LENGTH` characters).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask import Flask, request

from geo_service.analysis.parameters import SPECS
from geo_service.errors import InvalidParameter

MAX_LENGTH = 200  # characters in any one value, unless its rule says otherwise
MAX_NAME_LENGTH = 64  # characters in a query parameter's name
MAX_PARAMETERS = 64  # query parameters in one request
# Bidirectional overrides and isolates: invisible, and they make a code read differently than it is.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str] | None
    meaning: str  # "must be ..." completes the sentence
    max_length: int = MAX_LENGTH


def _p(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.ASCII)


SLUG = Rule(_p(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"), "a slug (letters, digits and hyphens)", 100)
CODE = Rule(_p(r"[A-Za-z0-9][A-Za-z0-9_-]*"), "an ODS, GSS or network code (letters and digits)", 32)
WORD = Rule(_p(r"[A-Za-z0-9_]+"), "a word (letters, digits and underscores)", 40)
WHOLE = Rule(_p(r"[0-9]+"), "a whole number written with the digits 0-9", 9)
# Check parameters keep their own messages ("must be a number, got 'lots'"): only the characters are checked.
NUMBER = Rule(_p(r"[A-Za-z0-9.,_+-]+"), "a number written with the digits 0-9", 40)
DATE = Rule(_p(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "a date like 2019-12-04", 10)
CRS = Rule(_p(r"[A-Za-z0-9:]+"), "an EPSG code such as 27700 or EPSG:27700", 20)
# issue 13 (OGC API): CRS URIs (http://www.opengis.net/def/crs/EPSG/0/27700), bbox lists, ISO dates/intervals.
CRS_REF = Rule(_p(r"[A-Za-z0-9:/._\[\]-]+"), "an EPSG code (EPSG:27700) or an OGC CRS URI", 100)
BBOX = Rule(_p(r"[0-9eE.,+ -]+"), "numbers separated by commas", 200)
DATETIME = Rule(_p(r"[0-9TZtz:.+/ -]*"), "a date, date-time or interval like 2019-04-01/2020-03-31", 60)
LAYERS = Rule(_p(r"[A-Za-z0-9_, ]*"), "a comma-separated list of layer names", 400)
TEXT = Rule(None, "text", 100)
URL = Rule(None, "a URL", 2000)
PATH = Rule(None, "a file path", 200)
# Issue 26: what an OpenID provider sends back to the sign-in callback (RFC 6749 4.1.2, RFC 9207)
OAUTH = Rule(_p(r"[A-Za-z0-9._~+/=-]+"), "an OAuth value (letters, digits and -._~+/=)", 2048)

RULES: dict[str, Rule] = {
    # path values
    "scenario": SLUG,
    "slug": SLUG,
    "code": CODE,
    "key": WORD,
    "kind": WORD,
    "fmt": WORD,
    "filename": PATH,
    # issue 20: /practices/<ods> (a practice's ODS code, e.g. G82076)
    "ods": Rule(_p(r"[A-Za-z0-9]+"), "an ODS practice code (letters and digits, like G82076)", 12),
    # query values
    "boundary_set": SLUG,
    "a": SLUG,
    "b": SLUG,
    "area": CODE,
    "network": CODE,
    "dataset": WORD,
    "format": WORD,
    "layer": WORD,
    "detail": WORD,
    "paper": WORD,
    "orientation": WORD,
    "basemap": WORD,
    "legend": WORD,
    "download": WORD,
    "layers": LAYERS,
    "crs": CRS_REF,  # issue 13: also OGC CRS URIs; exports check the code themselves
    "bbox-crs": CRS_REF,
    "bbox": BBOX,
    "datetime": DATETIME,
    "limit": NUMBER,
    "offset": NUMBER,
    "f": WORD,
    "collection_id": SLUG,
    "feature_id": CODE,
    "ods_code": CODE,
    "gss_code": CODE,
    "commissioner_code": CODE,
    "network_code": CODE,
    "lead_commissioner_code": CODE,
    "finding": WORD,
    "current": WORD,
    "postcode": TEXT,
    "dpi": WHOLE,
    "height": WHOLE,
    "maxwidth": WHOLE,
    "maxheight": WHOLE,
    "version": WHOLE,
    "simplify": WHOLE,
    "v": Rule(_p(r"[0-9a-f]{16}"), "a version pin: 16 hexadecimal digits from an earlier answer", 16),  # issue 26
    "as_of": DATE,
    "q": TEXT,
    "url": URL,
    "next": PATH,  # issue 12: /sign-in?next=<local path>
    "page": WHOLE,  # issue 12: audit pages
    "job_id": WHOLE,  # issue 22: background suggestion jobs
    "per_page": WHOLE,  # issue 19: a page of findings
    "username": TEXT,  # issue 12: /api/v1/plans/<slug>/shares/<username>
    "practice": CODE,  # issue 12: /api/v1/audit?practice=<ODS>
    "status": WORD,  # issue 12: change requests by status
    "done": TEXT,  # issue 12: the change-requests page's confirmation
    "all": WORD,  # issue 11: /search?all=1 lists every hit
    "z": WHOLE,  # issue 13: vector tile zoom / column / row (range checked by the tile service)
    "x": WHOLE,
    "y": WHOLE,
    "copy_from": SLUG,  # issue 20: /plans?copy_from=<scenario> (the copy form, preselected)
    **{name: WORD if spec.kind is str else NUMBER for name, spec in SPECS.items()},
}


def _shown(text: str, limit: int = 40) -> str:
    """``text`` safe to quote in a message: control characters escaped, cut to ``limit``."""
    out = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return out if len(out) <= limit else out[: limit - 1] + "…"


def unprintable(text: str) -> str | None:
    """Why ``text`` is refused whatever the parameter (a NUL, a control character, ...), or None."""
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\x00":
            return "must not contain a NUL character"
        if category == "Cc":
            return f"must not contain control characters (found U+{ord(ch):04X})"
        if category == "Cs" or ch == "\ufffd":
            return "must be valid UTF-8 text"
        if ch in _BIDI:
            return f"must not contain bidirectional control characters (found U+{ord(ch):04X})"
    return None


# Query values an endpoint reads under a name that means something else elsewhere: the provider's ``code`` at the
# OpenID Connect callback is an OAuth code, not an ODS code (issue 26).
ENDPOINT_RULES: dict[str, dict[str, Rule]] = {
    "oidc.callback": {
        "code": OAUTH,
        "state": OAUTH,
        "session_state": OAUTH,
        "iss": URL,
        "error": WORD,
        "error_description": Rule(None, "text", 500),
        "error_uri": URL,
    },
}


def check_value(name: str, value: str, rules: dict[str, Rule] | None = None) -> None:
    """Raise :class:`InvalidParameter` naming ``name`` when ``value`` is not acceptable for it."""
    rule = (rules or {}).get(name) or RULES.get(name)
    reason = unprintable(value)
    if reason:
        raise InvalidParameter(name, f"'{name}' {reason}.")
    limit = rule.max_length if rule else MAX_LENGTH
    if len(value) > limit:
        raise InvalidParameter(name, f"'{name}' is too long: at most {limit} characters, got {len(value)}.")
    if rule and rule.pattern is not None and value != "" and not rule.pattern.fullmatch(value):
        raise InvalidParameter(name, f"'{name}' must be {rule.meaning}, got '{_shown(value)}'.")


def check_request() -> None:
    """Every path value of the matched route and every query parameter (all values of each)."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_value(name, value)
    args = request.args
    own = ENDPOINT_RULES.get(request.endpoint or "")
    if len(args) > MAX_PARAMETERS:
        raise InvalidParameter("query", f"At most {MAX_PARAMETERS} query parameters, got {len(args)}.")
    for name in args:
        shown = _shown(name)
        if unprintable(name) or len(name) > MAX_NAME_LENGTH:
            raise InvalidParameter(shown, f"Query parameter name '{shown}' is not acceptable.")
        for value in args.getlist(name):
            check_value(name, value, own)


def register(app: Flask) -> None:
    app.before_request(check_request)
