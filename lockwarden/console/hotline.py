"""R-3 hotline request: the form's texts -> the `order.create` body, and the hub's field names -> the form's.

No textual here, so the mapping is testable on its own. The hub checks every field and answers with all
problems at once; this module only turns texts into the wire types (numbers, a time, a file's SHA-256)
and reports what it cannot convert under the same form field names."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from protocol.i18n import _

CATEGORIES = ("open", "repair", "replace")
LOCK_CLASSES = ("A", "B", "B+", "safe", "car")
RULES = ("eta", "quality", "grade")
VOUCHERS = ("witness", "officer")

# the form's fields, in the order the form shows them (labels: `labels()`)
FIELDS = ("customer_id", "customer_name", "customer_mobile", "customer_id_number", "customer_id_image",
          "voucher_kind", "voucher_name", "voucher_badge", "voucher_id_number", "voucher_id_image",
          "site_address", "site_lat", "site_lon", "category", "lock_class", "appointment", "rule")


def labels() -> dict[str, str]:
    """Form field -> label, translated when asked (the language is chosen after import)."""
    return {
        "customer_id": _("Customer id (blank: from the mobile)"),
        "customer_name": _("Customer name"),
        "customer_mobile": _("Mobile"),
        "customer_id_number": _("Resident ID number"),
        "customer_id_image": _("ID image (SHA-256 or file path)"),
        "voucher_kind": _("Vouched by"),
        "voucher_name": _("Witness or officer name"),
        "voucher_badge": _("Badge number (officer only)"),
        "voucher_id_number": _("Witness or officer ID number"),
        "voucher_id_image": _("Their ID image (SHA-256 or file path)"),
        "site_address": _("Site address"),
        "site_lat": _("Latitude"),
        "site_lon": _("Longitude"),
        "category": _("Service"),
        "lock_class": _("Lock type"),
        "appointment": _("Appointment (blank: now; YYYY-MM-DD HH:MM)"),
        "rule": _("Dispatch rule"),
    }


def choices() -> dict[str, list[tuple[str, str]]]:
    """The closed fields' options as (label, value)."""
    return {
        "voucher_kind": [(_("Witness"), "witness"), (_("On-duty police officer"), "officer")],
        "category": [(_("Open"), "open"), (_("Repair"), "repair"), (_("Replace"), "replace")],
        "lock_class": [(_("A-class lock"), "A"), (_("B-class lock"), "B"), (_("B+-class lock"), "B+"),
                       (_("Safe"), "safe"), (_("Car lock"), "car")],
        "rule": [(_("Earliest arrival"), "eta"), (_("Best service quality"), "quality"),
                 (_("Highest grade"), "grade")],
    }


_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


IMAGE_FIELDS = ("customer_id_image", "voucher_id_image")


def _scan_file(text: str) -> Path | None:
    """The scanned file an image field names, unless it holds a SHA-256 (of an image already at the hub)."""
    text = text.strip()
    if not text or _SHA_RE.match(text.lower()):
        return None
    path = Path(text).expanduser()
    return path if path.is_file() else None


def _image(text: str) -> tuple[str, str | None]:
    """(sha256, problem): a SHA-256 as typed, or the SHA-256 of the file at that path."""
    text = text.strip()
    if _SHA_RE.match(text.lower()):
        return text.lower(), None
    path = _scan_file(text)
    if path is not None:
        return hashlib.sha256(path.read_bytes()).hexdigest(), None
    return text, _("give the image's SHA-256 or the path of the scanned image")


def image_files(values: dict[str, str]) -> dict[str, Path]:
    """The image fields given as the path of a scanned file (to upload before the request)."""
    files = {name: _scan_file(values.get(name, "")) for name in IMAGE_FIELDS}
    return {name: path for name, path in files.items() if path is not None}


def customer_id_from(mobile: str) -> str:
    digits = "".join(ch for ch in mobile if ch.isdigit())
    return f"tel-{digits}" if digits else ""


def build(values: dict[str, str]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """(order.create args, {}) or (None, {form field: problem})."""
    v = {k: values.get(k, "").strip() for k in FIELDS}
    problems: dict[str, str] = {}
    nums: dict[str, float] = {}
    for name in ("site_lat", "site_lon"):
        try:
            nums[name] = float(v[name])
        except ValueError:
            problems[name] = _("a number, e.g. 39.9087")
    id_sha, bad = _image(v["customer_id_image"])
    if bad:
        problems["customer_id_image"] = bad
    voucher_sha, bad = _image(v["voucher_id_image"])
    if bad:
        problems["voucher_id_image"] = bad
    appointment_ms: int | None = None
    if v["appointment"]:
        try:
            appointment_ms = int(datetime.strptime(v["appointment"], "%Y-%m-%d %H:%M").timestamp() * 1000)
        except ValueError:
            problems["appointment"] = _("YYYY-MM-DD HH:MM, or blank for now")
    if v["voucher_kind"] not in VOUCHERS:
        problems["voucher_kind"] = _("choose a witness or an on-duty officer")
    if problems:
        return None, problems
    request: dict[str, Any] = {
        "customer_name": v["customer_name"], "customer_mobile": v["customer_mobile"],
        "customer_id_number": v["customer_id_number"].upper(), "customer_id_image_sha256": id_sha,
        "site_address": v["site_address"], "site_lat": nums["site_lat"], "site_lon": nums["site_lon"],
        "category": v["category"], "lock_class": v["lock_class"], "rule": v["rule"],
        "appointment_ms": appointment_ms,
    }
    person = {"name": v["voucher_name"], "id_number": v["voucher_id_number"].upper(), "id_image_sha256": voucher_sha}
    if v["voucher_kind"] == "officer":
        request["officer"] = {**person, "badge_number": v["voucher_badge"]}
    else:
        request["witness"] = person
    customer_id = v["customer_id"] or customer_id_from(v["customer_mobile"])
    return {"customer_id": customer_id, "request": request}, {}


def form_field(hub_field: str) -> str:
    """Where a hub field error is shown on the form ('witness.id_number' -> 'voucher_id_number')."""
    head, _dot, tail = hub_field.partition(".")
    if head in VOUCHERS:
        if not tail:
            return "voucher_kind"
        tail = {"badge_number": "badge", "id_image_sha256": "id_image"}.get(tail, tail)
        return f"voucher_{tail}"
    if hub_field.startswith("request."):
        return form_field(hub_field[len("request."):])
    return {"customer_id_image_sha256": "customer_id_image", "appointment_ms": "appointment"}.get(hub_field, hub_field)


def field_errors(response: dict[str, Any]) -> dict[str, str]:
    """{form field: message} from a refused response; a problem without a field goes under ''."""
    out: dict[str, str] = {}
    for e in response.get("errors") or []:
        key = form_field(str(e.get("field", "")))
        key = key if key in FIELDS else ""
        out[key] = f"{out[key]}; {e['message']}" if key in out else str(e.get("message", ""))
    if not out and not response.get("ok"):
        out[""] = str(response.get("error") or response.get("code") or _("refused"))
    return out
