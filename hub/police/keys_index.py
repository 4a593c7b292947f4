"""Which search keys a forwarded record carries: resident ID number, name, phone, address, area,
locksmith, unit, kit and order. Field names are matched by convention so new record kinds are indexed
without touching this module (docs/police.md lists the conventions)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_PROVINCE_CITY = re.compile(r"^(?:[^省]{1,8}省)?(?:[^市]{1,8}市)?")
_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{1,6}?[区县旗]")


def district_of(address: str) -> str | None:
    """The district (区/县/旗) of a Chinese address, so `--area 东城区` finds addresses that name it."""
    rest = _PROVINCE_CITY.sub("", address.strip(), count=1)
    m = _DISTRICT.match(rest)
    return m.group(0) if m else None

FIELDS = ("resident_id", "name", "phone", "address", "area", "locksmith", "unit", "kit", "order")

_ENTITY_FIELD = {"order": "order", "locksmith": "locksmith", "unit": "unit", "kit": "kit"}
# Record families whose entity id is the order's id when the record carries no `order_id` of its own.
ORDER_FAMILIES = ("order", "documents", "followup", "case")


def order_of(kind: str, entity_id: str, data: dict[str, Any]) -> str | None:
    value = data.get("order_id")
    if isinstance(value, str) and value:
        return value
    if kind.split(".", 1)[0] in ORDER_FAMILIES and entity_id:
        return entity_id
    return None


def normalise(field: str, value: str) -> str:
    value = value.strip()
    if field == "phone":
        return "".join(ch for ch in value if ch.isdigit())
    if field == "resident_id":
        return value.upper()
    return value.casefold()


def field_for(key: str) -> str | None:
    k = key.lower()
    if k == "order_id":
        return "order"
    if k == "locksmith_id":
        return "locksmith"
    if k == "unit_id":
        return "unit"
    if k == "kit_id":
        return "kit"
    if k.endswith("id_number") or k == "resident_id":
        return "resident_id"
    if k in ("phone", "mobile") or k.endswith(("_phone", "_mobile")):
        return "phone"
    if k.endswith("address"):
        return "address"
    if k in ("area", "district", "service_area", "areas") or k.endswith("_area"):
        return "area"
    if k == "name" or k.endswith("_name"):
        return "name"
    return None


def _walk(value: Any, field: str | None) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(inner, field_for(str(key)) or None)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner, field)
    elif field is not None and isinstance(value, str | int) and not isinstance(value, bool):
        text = normalise(field, str(value))
        if text:
            yield field, text
            if field == "address":
                district = district_of(str(value))
                if district:
                    yield "area", normalise("area", district)


def extract(kind: str, entity_id: str, data: dict[str, Any]) -> set[tuple[str, str]]:
    keys = set(_walk(data, None))
    family = kind.split(".", 1)[0]
    if family in _ENTITY_FIELD and family != "order" and entity_id:
        keys.add((_ENTITY_FIELD[family], normalise(_ENTITY_FIELD[family], entity_id)))
    order = order_of(kind, entity_id, data)
    if order:
        keys.add(("order", normalise("order", order)))
    return keys
