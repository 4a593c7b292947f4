"""Keeping the customer's ID number from the ID card photo step (edge/job/idnumber.py) until the form.

At the step: the full number is sealed to the hub key as the file `id_number.customer` (JSON: order id,
number, check), like the ID photo it belongs to; the step's record carries only the answer (`check`), the
masked number, the skip reason and the sealed file's hashes. For the police copy of the form, which the kit
builds at the end, a kit-local encrypted copy waits in the job's info (edge/job/localseal.py) and is wiped
once that copy is sealed or the job is aborted.
"""

from __future__ import annotations

from typing import Any

import msgspec

from edge.job import localseal
from edge.job.idnumber import IdResult
from edge.store import KitStore
from protocol.envelope import canonical

ID_NUMBER_KIND = "id_number.customer"
INFO_KEY = "id_number"  # the answer, masked: shown by `kit job show` and the UI
LOCAL_KEY = "id_number_local"  # the kit-local encrypted full number, "" once wiped


class FormId(msgspec.Struct, frozen=True):
    """What the form says about the customer's ID number."""

    number: str  # full: the police copy (the screen copy masks it)
    check: str = ""  # "" when the job recorded no answer (a job from before this step asked for one)
    skip_reason: str = ""


def record_entry(store: KitStore, order_id: str, result: IdResult) -> tuple[dict[str, Any], dict[str, Any]]:
    """Seal the number into the store; returns (the step record's `id_number` field, the job info to merge)."""
    data: dict[str, Any] = {"check": result.check, "masked": result.masked, "skip_reason": result.skip_reason,
                            "matches_order": result.matches_order}
    info: dict[str, Any] = {}
    if result.number:
        content = canonical({"order_id": order_id, "id_number": result.number, "check": result.check})
        f = store.add_file(kind=ID_NUMBER_KIND, content_type="application/json", data=content, order_id=order_id,
                           sensitive=True)
        data |= {"file_id": f.file_id, "sha256": f.sha256, "plain_sha256": f.plain_sha256, "sealed": f.sealed}
        info[LOCAL_KEY] = localseal.lock(store.identity.key, result.number.encode(), order_id.encode())
    info[INFO_KEY] = {k: v for k, v in data.items() if k in ("check", "masked", "skip_reason", "matches_order")}
    return data, info


def form_id(store: KitStore, order_id: str, info: dict[str, Any], order_number: str) -> FormId:
    """The customer's ID number for the form: the one read from the card, else the order's."""
    answer = info.get(INFO_KEY) or {}
    token = info.get(LOCAL_KEY) or ""
    if token:
        number = localseal.unlock(store.identity.key, token, order_id.encode()).decode()
    elif not answer or answer.get("check") == "skipped" or answer.get("matches_order"):
        number = order_number  # no answer, skipped, or the card's number is the order's
    else:
        number = ""  # read from the card and no longer on the kit (wiped once the police copy was sealed)
    return FormId(number=number, check=str(answer.get("check", "")), skip_reason=str(answer.get("skip_reason", "")))


def wiped() -> dict[str, Any]:
    """The info change that drops the kit-local copy (after the police copy is sealed, or on abort)."""
    return {LOCAL_KEY: ""}
