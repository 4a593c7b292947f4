"""What a person reads for each closed value: one table per enum, English msgids translated through
gettext (Simplified Chinese by default). The console, the demo and the docs take their words from here;
tests/test_labels.py fails when a value of any of these enums has no label, or a label no translation.

`N_` marks a msgid without translating it (the tables are built at import, before a language is set);
`label(TABLE, value)` translates at the moment of reading. A value missing from its table reads as itself
rather than failing, so an old console still shows a newer hub's values."""

from __future__ import annotations

from typing import Any

from protocol.i18n import _


def N_(msgid: str) -> str:  # noqa: N802  (the gettext convention for "translate later")
    return msgid


ORDER_STATES = {
    "new": N_("new"), "scheduled": N_("scheduled"), "dispatching": N_("dispatching"),
    "unassigned": N_("unassigned"), "awaiting_customer": N_("awaiting customer"),
    "awaiting_payment": N_("awaiting payment"), "formed": N_("formed"), "en_route": N_("en route"),
    "on_site": N_("on site"), "verified": N_("verified on site"), "in_progress": N_("in progress"),
    "completed": N_("completed"), "awaiting_documents": N_("awaiting documents"),
    "documents_verified": N_("documents verified"), "case_opened": N_("case opened"), "disputed": N_("disputed"),
    "cancelled": N_("cancelled"), "abandoned": N_("abandoned"), "closed_by_police": N_("closed by the police"),
}

# The order machine's events (hub/orders/states.py TRANSITIONS), as the transitions list reads them.
ORDER_EVENTS = {
    "submit": N_("request submitted"), "schedule": N_("scheduled for later"), "dispatch_due": N_("dispatch due"),
    "locksmith_accepted": N_("locksmith accepted"), "exhausted": N_("nobody left to offer"),
    "redispatch": N_("sent back to dispatch"), "customer_accepted": N_("customer accepted"),
    "customer_rejected": N_("customer rejected"), "confirm_timeout": N_("customer did not decide in time"),
    "payment_frozen": N_("payment frozen in escrow"), "payment_timeout": N_("not paid in time"),
    "set_out": N_("locksmith set out"), "arrived": N_("locksmith arrived"), "verified": N_("verified on site"),
    "job_started": N_("job started"), "job_done": N_("job done"), "fee_confirmed": N_("fee confirmed"),
    "documents_verified": N_("documents verified"), "documents_overdue": N_("documents overdue"),
    "cancel": N_("cancelled"), "abandon": N_("abandoned"), "dispute": N_("disputed"),
    "locksmith_withdrew": N_("locksmith withdrew"), "abandon_no_show": N_("abandoned: the locksmith did not come"), "police_decided": N_("the police decided"),
}

# Kinds of the hub's operator events (`ops.event`); order.<state> and offer.<state> read as their state.
EVENT_KINDS = {
    "order.requested": N_("request received"), "offer.sent": N_("offer sent"),
    "order.assigned": N_("assigned by the operator"), "evidence.complete": N_("evidence complete"),
    "evidence.problem": N_("evidence problem"), "kit_record_refused": N_("kit step refused"),
    "documents.overdue": N_("documents overdue"), "followup.due": N_("follow-up due"),
    "order.kit_aborted": N_("job aborted on the kit"), "ledger.refunded": N_("refund paid"),
    "police.decision": N_("police decision"), "police.decision_refused": N_("police decision refused"),
    "notify.code_undeliverable": N_("service code could not be delivered"),
    "order.arrival_missed": N_("locksmith missed the arrival deadline"), "order.code_resent": N_("service code resent"),
    "order.withdrawn": N_("locksmith withdrawn"), "payment.late": N_("payment arrived late"),
    "payment.notification_refused": N_("payment notification refused"),
    "notify.failed": N_("text message could not be delivered"),
    "notify.code_late": N_("service code slow to reach the SMS provider"),
}

# Who stopped a job the kit reports aborted (protocol/jobrecords.py Aborted.by).
ABORTED_BY = {"locksmith": N_("stopped by the locksmith"), "customer": N_("stopped by the customer"),
              "hub": N_("stopped by the hub")}

# The steps of a job on the kit (edge/job/steps.py Step): where it is, and where an aborted job stopped.
KIT_STEPS = {
    "assigned": N_("order received"), "logged_in": N_("locksmith logged in"), "set_out": N_("set out for the site"),
    "arrived": N_("arrival and service code check"), "locksmith_verified": N_("locksmith fingerprint verification"),
    "consent_refused": N_("customer declined biometric capture"),
    "consented": N_("customer consent to biometric capture"), "customer_photo": N_("customer photo"),
    "id_photo": N_("ID card photo"), "customer_fingerprint": N_("customer fingerprint"),
    "video_running": N_("video recording started"), "lock_before": N_("lock photo before opening"),
    "opened": N_("lock opened"), "lock_after": N_("lock photo after opening"),
    "video_stopped": N_("video recording stopped"), "completed": N_("fee and payment confirmation"),
    "form": N_("unlock registration form"), "aborted": N_("job aborted"), "sealed": N_("evidence bundle sealed"),
}

# What the hub's check of a kit's evidence bundle found (hub/evidence/check.py Status).
EVIDENCE_STATUSES = {"complete": N_("evidence complete"), "incomplete": N_("evidence incomplete"),
                     "mismatch": N_("evidence does not match what the kit listed"),
                     "invalid": N_("evidence bundle invalid")}

# What a text message was sent for (hub/notify `purpose`).
NOTIFY_PURPOSES = {"service_code": N_("the service code"), "code_resend": N_("the resent service code"),
                   "arrival_late": N_("the late-arrival notice"), "followup": N_("the follow-up call")}

OFFER_STATES = {
    "open": N_("offer open"), "accepted": N_("offer accepted"), "refused": N_("offer refused"),
    "expired": N_("offer expired"), "withdrawn": N_("offer withdrawn"), "rejected": N_("rejected by the customer"),
}

GRADES = {"junior": N_("junior locksmith"), "intermediate": N_("intermediate locksmith"),
          "senior": N_("senior locksmith"), "special": N_("special-grade locksmith")}

RULES = {"eta": N_("earliest arrival"), "quality": N_("best service quality"), "grade": N_("highest grade")}

HOLD_PURPOSES = {"prepayment": N_("prepayment"), "deposit": N_("deposit")}

HOLD_STATES = {"active": N_("held in escrow"), "frozen_police": N_("frozen for the police"),
               "released": N_("released"), "paid": N_("paid out")}

WARNING_LEVELS = {"red": N_("red"), "yellow": N_("yellow"), "blue": N_("blue"), "none": N_("none")}

# A text message's way out (hub/notify): the operator's list of messages sent.
NOTIFY_STATES = {"pending": N_("waiting to be sent"), "sending": N_("being sent"), "sent": N_("sent"),
                 "failed": N_("failed")}

# Payment providers by their plugin name (hub/ledger/payments.py, hub/payments/, the demo's sandbox_pay).
PAYMENT_PROVIDERS = {"manual": N_("cash at the counter"), "sandbox": N_("the sandbox payment provider"),
                     "sandbox_pay": N_("the app's sandbox payments"), "wechatpay": N_("WeChat Pay")}

# Why the hub refused a message (protocol/errors.py Reason), in a few words; protocol/reasons.py says more.
REFUSALS = {
    "oversized": N_("too large"), "malformed": N_("not a well-formed message"),
    "unsupported_version": N_("unsupported protocol version"), "unknown_sender": N_("unknown sender"),
    "revoked": N_("the sender's key was revoked"), "bad_signature": N_("the signature does not verify"),
    "wrong_sender_for_topic": N_("sent under another sender's topic"),
    "wrong_type_for_topic": N_("a message type not allowed on this topic"), "unknown_type": N_("unknown message type"),
    "retired_type": N_("a retired message type"), "bad_schema": N_("fields that do not match the message type"),
    "replay": N_("a replayed message"), "bad_chunk": N_("a bad file chunk"), "bad_file": N_("a bad file"),
    "unknown_topic": N_("unknown topic"), "processing_fault": N_("the hub failed to process it"),
    "not_utf8": N_("not UTF-8 text"), "too_deep": N_("nested too deep"), "duplicate_key": N_("a key given twice"),
    "non_finite_number": N_("a number that is not finite"), "integer_out_of_range": N_("an integer out of range"),
    "bad_id": N_("not a valid id"), "rate_limited": N_("too many messages too fast"),
    "upload_limit": N_("too many unfinished uploads"),
}

TIMER_KINDS = {
    "offer.expire": N_("offer expiry"), "order.dispatch_due": N_("scheduled dispatch"),
    "order.confirm_timeout": N_("customer decision deadline"), "order.payment_timeout": N_("payment deadline"),
    "documents.deadline": N_("document deadline"), "followup.due": N_("follow-up due"),
    "order.retry_unassigned": N_("retry of an unassigned order"), "order.arrival_due": N_("arrival deadline"),
}

# What a record of the police export is about (hub police_feed.emit kinds and the kits' job records,
# protocol/jobrecords.py); `order.<state>` records read as the state (police_kind).
POLICE_RECORD_KINDS = {
    "unit.filed": N_("unit filed"), "unit.updated": N_("unit filing changed"), "unit.status": N_("unit status"),
    "locksmith.filed": N_("locksmith filed"), "locksmith.updated": N_("locksmith filing changed"),
    "locksmith.status": N_("locksmith status"), "locksmith.kit": N_("kit linked to a locksmith"),
    "locksmith.fingerprint": N_("locksmith fingerprint enrolled"),
    "order.requested": N_("request for a locksmith"), "order.formed": N_("order formed"),
    "order.verified": N_("identities verified on site"), "order.completed": N_("order completed"),
    "order.disputed": N_("order disputed"), "order.rated": N_("customer's rating"),
    "risk.warning": N_("risk warning"), "evidence.bundle": N_("evidence sealed"),
    "documents.submitted": N_("documents handed in"), "documents.verified": N_("documents verified"),
    "documents.rejected": N_("documents rejected"), "documents.overdue": N_("documents overdue"),
    "followup.overdue": N_("follow-up overdue"), "followup.recorded": N_("follow-up recorded"),
    "police.decision": N_("police decision"),
    "job.assigned": N_("job on the kit"), "job.logged_in": N_("locksmith logged in on the kit"),
    "job.set_out": N_("locksmith set out"), "job.arrived": N_("arrived, service code checked"),
    "job.code_rejected": N_("wrong service code"), "job.locksmith_verified": N_("locksmith's fingerprint verified"),
    "job.locksmith_rejected": N_("locksmith's fingerprint not matched"),
    "job.consent_refused": N_("customer refused consent"), "job.consent": N_("customer consented"),
    "job.customer_photo": N_("customer's photo"), "job.id_photo": N_("ID card photo"),
    "job.customer_fingerprint": N_("customer's fingerprint"), "job.video_started": N_("video started"),
    "job.video_resumed": N_("video resumed"), "job.lock_photo_before": N_("lock photo before"),
    "job.opened": N_("lock opened"), "job.lock_photo_after": N_("lock photo after"),
    "job.video_stopped": N_("video stopped"), "job.completed": N_("fee and payment confirmed"),
    "job.registration_form": N_("registration form"), "job.aborted": N_("job aborted on the kit"),
    "job.evidence_bundle": N_("evidence sealed on the kit"),
}

# Dispatch settings (hub/dispatch/settings.py): the words and the unit they are shown in. `scale` turns the
# stored value into that unit.
SETTINGS: dict[str, tuple[str, str, float]] = {
    "offer_ttl_s": (N_("Time a locksmith has to accept an offer"), N_("seconds"), 1),
    "confirm_ttl_s": (N_("Time the customer has to decide"), N_("minutes"), 1 / 60),
    "payment_ttl_s": (N_("Time the customer has to pay"), N_("minutes"), 1 / 60),
    "documents_ttl_s": (N_("Time to hand in documents"), N_("days"), 1 / 86_400),
    "followup_s": (N_("Follow-up call after completion"), N_("hours"), 1 / 3_600),
    "appointment_lead_s": (N_("Dispatch before an appointment"), N_("minutes"), 1 / 60),
    "circuity": (N_("Road distance over straight distance"), N_("ratio"), 1),
    "speed_kmh": (N_("Assumed travel speed"), N_("km/h"), 1),
    "shortlist": (N_("Candidates ranked per offer"), N_("locksmiths"), 1),
    "prepayment_fen": (N_("Prepayment"), N_("yuan"), 1 / 100),
    "deposit_fen": (N_("Deposit"), N_("yuan"), 1 / 100),
    "code_scrypt_n": (N_("Service code hashing cost (scrypt N)"), N_("iterations"), 1),
    "retry_unassigned_s": (N_("Retry an unassigned order after"), N_("minutes"), 1 / 60),
    "retry_unassigned_max": (N_("Retries of an unassigned order"), N_("times"), 1),
    "arrival_grace_s": (N_("Grace after the promised arrival time"), N_("minutes"), 1 / 60),
    "start_requires_upload": (N_("Job may start only after evidence is uploaded"), N_("1 yes, 0 no"), 1),
}

# Why the hub warns about a person (hub/risk/model.py scores by these codes). Texts, not labels: {value} is
# the feature's value, {threshold} the rule's threshold; shown in the reader's language by `risk_reason`.
RISK_REASONS: dict[str, str] = {
    "documents_overdue": N_("documents not verified within 3 days of the order"),
    "documents_mismatch": N_("the documents do not match the customer"),
    "documents_rejected": N_("{value} document submission(s) rejected"),
    "many_addresses": N_("{value} different addresses requested by the same person recently"),
    "night_without_officer": N_("{value} night request(s) without an on-duty officer"),
    "car_without_licence": N_("{value} car lock job(s) without a vehicle licence"),
    "complaints": N_("{value} complaint(s) or dispute(s)"),
    "low_rating": N_("mean rating {value:.1f} is below {threshold:.1f}"),
    "abandoned_jobs": N_("{value} job(s) withdrawn or abandoned"),
    "incomplete_jobs": N_("{value} job(s) started but not completed"),
    "missing_evidence": N_("{value} completed job(s) without video or before/after photos"),
    "arrival_far": N_("{value} arrival(s) recorded far from the site"),
}

TABLES: dict[str, dict[str, str]] = {
    "order_states": ORDER_STATES, "order_events": ORDER_EVENTS, "event_kinds": EVENT_KINDS,
    "offer_states": OFFER_STATES, "grades": GRADES, "rules": RULES, "hold_purposes": HOLD_PURPOSES,
    "hold_states": HOLD_STATES, "warning_levels": WARNING_LEVELS, "timer_kinds": TIMER_KINDS,
    "notify_states": NOTIFY_STATES, "payment_providers": PAYMENT_PROVIDERS,
    "refusals": REFUSALS, "police_record_kinds": POLICE_RECORD_KINDS, "aborted_by": ABORTED_BY,
    "kit_steps": KIT_STEPS, "evidence_statuses": EVIDENCE_STATUSES, "notify_purposes": NOTIFY_PURPOSES,
}


def label(table: dict[str, str], value: Any) -> str:
    """The value in the reader's language; an unknown value as itself."""
    text = str(value if value is not None else "")
    msgid = table.get(text)
    return _(msgid) if msgid else text


def event_kind(kind: str) -> str:
    """An ops event kind in words: its own label, else order.<state> / offer.<state> by the state's."""
    if kind in EVENT_KINDS:
        return label(EVENT_KINDS, kind)
    head, _dot, tail = kind.partition(".")
    if head == "order" and tail in ORDER_STATES:
        return _("order {state}").format(state=label(ORDER_STATES, tail))
    if head == "offer" and tail in OFFER_STATES:
        return label(OFFER_STATES, tail)
    return kind


def police_kind(kind: str) -> str:
    """A police export record's kind in words; `order.<state>` by the state's label."""
    if kind in POLICE_RECORD_KINDS:
        return label(POLICE_RECORD_KINDS, kind)
    head, _dot, tail = kind.partition(".")
    if head == "order" and tail in ORDER_STATES:
        return _("order {state}").format(state=label(ORDER_STATES, tail))
    return kind


def setting(key: str, value: Any) -> tuple[str, str]:
    """(what the setting is, its value in its unit) for one dispatch setting."""
    spec = SETTINGS.get(key)
    if spec is None:
        return key, str(value)
    words, unit, scale = spec
    try:
        shown = float(value) * scale
    except (TypeError, ValueError):
        return _(words), str(value)
    number = f"{shown:.2f}".rstrip("0").rstrip(".") if shown != int(shown) else str(int(shown))
    return _(words), f"{number} {_(unit)}"


def risk_reason(reason: Any) -> str:
    """One reason of a risk warning in the reader's language, from its code and value (the hub stores the
    text in its own language at scoring time); a reason needing the rule's threshold, or of an unknown
    code, as the text the hub stored."""
    if not isinstance(reason, dict):
        return str(reason)
    msgid = RISK_REASONS.get(str(reason.get("code")))
    value = reason.get("value")
    if msgid and "{threshold" not in msgid and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _(msgid).format(value=int(value) if float(value).is_integer() else value)
    return str(reason.get("text") or reason.get("reason") or reason.get("message") or reason.get("code") or "")


def yuan(fen: Any) -> str:
    """Money as a person reads it: integer fen as yuan with two decimals ('¥12.50'); '' for no amount."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100}.{abs(fen) % 100:02d}"
