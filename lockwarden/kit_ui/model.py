"""What the kit UI shows, read from the kit service without any widget: the current job, the next action,
sync status, and the evidence of a job. Plain functions so the screens stay thin and testable."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from edge.job.steps import TRANSITIONS, Step, StepRefused
from protocol.i18n import _
from protocol.orderno import short_order  # noqa: F401  (kit screens import it from here)

S = Step


@dataclass(frozen=True)
class Action:
    """One thing the locksmith can do on the job screen: an id (the button), the step it records."""

    id: str
    target: Step


# The job in order (R-2 login, R-7 set out, R-8 on site, R-9 evidence, R-10 completion, then form and seal).
ACTIONS: tuple[Action, ...] = (
    Action("login", S.LOGGED_IN),
    Action("set_out", S.SET_OUT),
    Action("code", S.ARRIVED),
    Action("verify", S.LOCKSMITH_VERIFIED),
    Action("consent", S.CONSENTED),
    Action("customer_photo", S.CUSTOMER_PHOTO),
    Action("id_photo", S.ID_PHOTO),
    Action("customer_fp", S.CUSTOMER_FINGERPRINT),
    Action("start_video", S.VIDEO_RUNNING),
    Action("photo_before", S.LOCK_BEFORE),
    Action("opened", S.OPENED),
    Action("photo_after", S.LOCK_AFTER),
    Action("stop_video", S.VIDEO_STOPPED),
    Action("fee", S.COMPLETED),
    Action("form", S.FORM),
    Action("seal", S.SEALED),
)
BY_ID = {a.id: a for a in ACTIONS}
BY_TARGET = {a.target: a for a in ACTIONS}
BEFORE_ARRIVAL = frozenset({S.ASSIGNED, S.LOGGED_IN, S.SET_OUT})


def label(action_id: str) -> str:
    """The button text of an action."""
    return {
        "set_out": _("Set out for the site"),
        "login": _("Log in by fingerprint"),
        "code": _("Enter the customer's service code"),
        "verify": _("Verify my fingerprint"),
        "consent": _("Customer consent"),
        "customer_photo": _("Take the customer's photo"),
        "id_photo": _("Take the ID card photo"),
        "customer_fp": _("Take the customer's fingerprint"),
        "start_video": _("Start the video"),
        "photo_before": _("Photo of the lock before"),
        "opened": _("The lock is open"),
        "photo_after": _("Photo of the lock after"),
        "stop_video": _("Stop the video"),
        "fee": _("Enter the fee and confirm payment"),
        "form": _("Make the registration form"),
        "seal": _("Seal the evidence"),
    }[action_id]


def next_action(step: Step, logged_in: bool = True) -> str | None:
    """The one big button: what the locksmith should do now, or None when the job is sealed. Login first:
    without a live session nothing else can be done (a lapsed login comes back here mid-job)."""
    if not logged_in and step not in (S.SEALED, S.ABORTED):
        return "login"
    if step == S.CONSENT_REFUSED:
        return "consent"  # the customer may change their mind
    if step == S.ABORTED:
        return "seal"
    for action in ACTIONS:
        if action.target in TRANSITIONS[step]:
            return action.id
    return None


def done_steps(view: Any) -> set[Step]:
    return {s for s, _r, _t in view.history}


def current_job(flow: Any) -> Any:
    """The open job (the first, if several), else the last one (sealed), else None."""
    if flow is None:
        return None
    jobs = flow.jobs()
    if jobs:
        return jobs[0]
    try:
        return flow.job()
    except StepRefused:
        return None


def yuan_to_fen(text: str) -> int:
    """"180" or "180.5" yuan -> 18050 fen; at most two decimals, not negative (money is integer fen)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(_("Not an amount: {text}").format(text=text)) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise ValueError(_("Not an amount: {text}").format(text=text))
    return int((value * 100).to_integral_value())


def fen_text(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def sync_lines(service: Any) -> tuple[bool, int, int]:
    """(online, records waiting, files waiting)."""
    st = service.app.sync.status()
    return bool(st.get("connected")), int(st.get("backlog_records", 0)), int(st.get("backlog_files", 0))


def file_kind_label(kind: str) -> str:
    return {
        "photo.customer": _("Customer photo"),
        "photo.id_card": _("ID card photo"),
        "fingerprint.customer": _("Customer fingerprint"),
        "photo.lock_before": _("Lock photo before"),
        "photo.lock_after": _("Lock photo after"),
        "video.segment": _("Video segment"),
        "form.police_copy": _("Registration form (police copy)"),
    }.get(kind) or _("Other file")


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    size: int
    synced: bool


def evidence(service: Any, order_id: str) -> tuple[list[EvidenceRow], int, int]:
    """The job's files (synced or waiting) and its records: (rows, records, records waiting)."""
    store = service.app.store
    rows = [EvidenceRow(file_kind_label(f.kind), f.size, f.state != "pending") for f in store.files_for_order(order_id)]
    records = store.records_for_order(order_id)
    return rows, len(records), sum(1 for r in records if r.state == "pending")
