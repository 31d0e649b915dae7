"""The short forms an issuer's full name is known by, derived from the name alone (no organ need be registered):
what the 机关: filter matches on both backends.

广元市卫生健康委员会 → 广元市卫健委, 市卫健委, 卫健委, 卫生健康委员会, 卫生健康委 …: the place (广元市) kept, cut
to its level (市) or dropped; 委员会 ↔ 委; the field's short forms (data/abbreviations.txt). A department of a party
committee (中共扎兰屯市委员会统一战线工作部) also goes by its committee's short forms: 中共扎兰屯市委 / 扎兰屯市委 /
市委 + 统战部.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from search.analysis import issuer_key
from search.recall import curated

MAX_FORMS = 64  # derived forms per document (every name as written is always kept)
_LEVEL = "自治区|自治州|自治县|自治旗|特别行政区|省|市|县|区|旗|州|盟"
_PARTY = re.compile(rf"^(?:中共|中国共产党)(?P<place>.{{1,12}}?(?:{_LEVEL}))委员会(?P<rest>.*)$")
_PLACE = re.compile(rf"^(?P<place>.{{1,8}}?(?P<level>{_LEVEL}))(?P<rest>.{{2,}})$")


def issuer_forms(names: Iterable[str]) -> list[str]:
    """Every name as written and normalised, then the short forms derived from each, each once."""
    names = list(names)
    written = dict.fromkeys([*names, *(_derived(n)[0] for n in names)])
    derived = dict.fromkeys(f for n in names for f in _derived(n)[1:] if f not in written)
    return [*written, *list(derived)[:MAX_FORMS]]


@lru_cache(maxsize=8192)
def _derived(name: str) -> tuple[str, ...]:
    """One name as the filter matches it, then its forms; the same issuers head thousands of documents, so each
    is derived once."""
    key = issuer_key(name)
    return (key, *_forms(key))


def _forms(name: str) -> list[str]:
    if not name:
        return []
    party = _PARTY.match(name)
    if party:
        place, rest = party["place"], party["rest"]
        level = re.search(rf"(?:{_LEVEL})$", place)
        heads = [f"中共{place}委", f"{place}委", f"{level[0] if level else ''}委"]
        return [name, *(h + r for h in heads for r in _body_forms(rest) or [""]), *_body_forms(rest)]
    place = _PLACE.match(name)
    if place is None:
        return [name, *_body_forms(name)]
    body = _body_forms(place["rest"])
    return [name, *(p + b for p in (place["place"], place["level"]) for b in body), *body]


def _body_forms(body: str) -> list[str]:
    """An organ's name without its place: itself, with the field's short forms put in, 委员会 as 委."""
    if not body:
        return []
    forms = [body]
    for full, shorts in curated():
        forms += [f.replace(full, short) for f in list(forms) if full in f for short in shorts]
    forms += [f.replace("委员会", "委") for f in list(forms) if "委员会" in f]
    return list(dict.fromkeys(f for f in forms if len(f) >= 2))
