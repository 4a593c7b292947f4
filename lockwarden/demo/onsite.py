"""Demo part 3: the on-site job (R-8 to R-10) on the kits' emulated hardware, completion and settlement,
documents releasing the deposit (R-11), and an abandonment after set-out paying the locksmith (R-7)."""

from __future__ import annotations

import time
from typing import Any, cast

from edge.job.purge import held, purge_due, summary
from edge.job.walkthrough import Cue, walk_job
from hub.evidence import store as evidence
from hub.orders import store as order_store
from hub.registry.errors import NotFound
from lockwarden.demo.city import LOCKSMITHS, City, finger_name, wait
from lockwarden.demo.dispatch import Plan
from lockwarden.demo.photos import document_photo
from lockwarden.demo.story import words_list, yuan
from protocol.i18n import _
from protocol.labels import HOLD_PURPOSES, HOLD_STATES, ORDER_STATES, label


def order_state(city: City, order_id: str) -> str:
    hub = city.world.hub
    assert hub is not None
    with hub._lock:
        try:
            return order_store.state_of(hub.conn, order_id)
        except NotFound:
            return "?"


def state_words(city: City, order_id: str) -> str:
    """The order's state as a person reads it."""
    return label(ORDER_STATES, order_state(city, order_id))


def _bundle(city: City, order_id: str) -> str:
    hub = city.world.hub
    assert hub is not None
    with hub._lock:
        status = evidence.status_of(hub.conn, order_id)
    return status or "none"


def holds(city: City, order_id: str) -> str:
    show = city.call("order.show", {"order_id": order_id})
    return words_list(f"{label(HOLD_PURPOSES, h['purpose'])} {yuan(h['amount'])} {label(HOLD_STATES, h['state'])}"
                     for h in show["holds"])


def set_out(city: City, kit_id: str, order_id: str) -> None:
    """The locksmith logs in (if not yet) and sets out: no job step without a logged-in locksmith."""
    from edge.job.hardware import SensorFingerprint

    svc = city.services[kit_id]
    flow = svc.flow
    assert wait(lambda: any(j.order_id == order_id for j in flow.jobs()), 30), "order never reached kit"
    session = flow.session()
    if session is None or session.locksmith_id != flow.job(order_id).order.locksmith_id:
        emu = cast(SensorFingerprint, flow.devices.fingerprint).emulator
        emu.place_finger(finger_name(kit_id))
        try:
            flow.login_fingerprint()
        finally:
            emu.remove_finger()
    svc.set_out(order_id)


def job(city: City, kit_id: str, order_id: str, code: str, customer_finger: str, fee_fen: int, say: Any) -> bool:
    svc = city.services[kit_id]
    flow = svc.flow
    assert wait(lambda: flow.jobs() and any(j.order_id == order_id for j in flow.jobs()), 30), "order never reached kit"
    from edge.job.hardware import SensorFingerprint

    emu = cast(SensorFingerprint, flow.devices.fingerprint).emulator
    assert emu is not None
    set_out(city, kit_id, order_id)
    wait(lambda: order_state(city, order_id) == "en_route", 20)
    say.scene(_("{name} does the job of {order}").format(name=LOCKSMITHS[kit_id][0], order=say.orders(order_id)))
    say(_("  {name} sets out; at the site the customer reads out the service code, the locksmith's finger is "
          "checked, the customer consents, is photographed with the ID card and gives a fingerprint; the video "
          "runs; photos of the lock before and after").format(name=LOCKSMITHS[kit_id][0]))

    def cue(c: Cue) -> None:
        if c is Cue.CUSTOMER_FINGER:
            emu.place_finger(customer_finger)
        elif c is Cue.LOCKSMITH_FINGER:
            emu.place_finger(finger_name(kit_id))
        elif c in (Cue.VIDEO_RUNNING, Cue.LOCK_OPENING):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(
                    f.kind == "video.segment" for f in svc.app.store.files_for_order(order_id)):
                time.sleep(0.1)

    manifest = walk_job(flow, order_id, code, fee_fen, cue=cue)
    emu.remove_finger()
    say(_("  job done, the customer confirms the fee of {fee}; the kit seals the evidence: {r} records, {f} files "
          "({v} video segments)").format(fee=yuan(fee_fen), r=len(manifest.records), f=len(manifest.files),
                                         v=len(manifest.video)))
    synced = wait(lambda: svc.app.store.backlog() == (0, 0), 90)
    complete = wait(lambda: _bundle(city, order_id) == "complete", 30)
    settled = wait(lambda: order_state(city, order_id) == "awaiting_documents", 30)
    say(_("  the hub has every part of the evidence, verified: {ok}; the order is {state}; escrow: {holds}").format(
        ok=_("yes") if complete else _("NO"), state=state_words(city, order_id), holds=holds(city, order_id)))
    return synced and complete and settled


def _personal_line(city: City, kit_id: str) -> str:
    flow = city.services[kit_id].flow
    return summary(held(flow))


def _tasks(city: City) -> list[dict[str, Any]]:
    got = city.call("followup.list", {})
    return list(got.get("tasks", got) if isinstance(got, dict) else got)


def run(city: City, say: Any, orders: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    grade_order, grade_code, _s = orders["grade"]
    eta_order, eta_code, _s2 = orders["eta"]
    ok = job(city, "kit-001", grade_order, grade_code, "王芳/right-thumb", 15000, say)
    say(_("  {name}'s kit (`lockwarden kit status`): {line}").format(name=LOCKSMITHS["kit-001"][0],
                                                                     line=_personal_line(city, "kit-001")))
    ok = job(city, "kit-003", eta_order, eta_code, "张三/right-thumb", 20000, say) and ok

    # documents for the first order, verified by the operator: the deposit goes back.
    # The customer's app uploads the photos over MQTT; the hub checks they are whole images of their order.
    say.scene(_("Documents, the deposit and the follow-up call (R-11, R-13)"))
    app = city.customer("cu-wang")
    sent = app.submit_documents(grade_order, [document_photo(text) for text in
                                              ("居民身份证 王芳", "不动产权证书 京(2019)东城区不动产权第0012345号")],
                                ["id_card", "property_deed"], holder_name="王芳")
    say(_("  {customer} uploads an ID card and a property deed from the app for {order}: {result}").format(
        customer="王芳", order=say.number(grade_order), result=_("accepted") if sent.body.ok else sent.body.errors))  # type: ignore[attr-defined]
    city.call("documents.verify", {"submission_id": sent.body.ref})  # type: ignore[attr-defined]
    released = wait(lambda: order_state(city, grade_order) == "documents_verified", 20)
    say(_("  the operator checks them against the request and verifies them: the order is {state}; escrow: {holds}")
        .format(state=state_words(city, grade_order), holds=holds(city, grade_order)))
    ok = ok and released

    # the follow-up within 24 hours; the rating feeds dispatch rule 2.
    city.world.clock.advance(2 * 3600 * 1000)
    wait(lambda: any(t.get("order_id") == grade_order for t in _tasks(city)), 20)
    city.call("followup.contact", {"order_id": grade_order, "channel": "sms"})
    city.call("followup.record", {"order_id": grade_order, "channel": "voice", "outcome": "reached", "rating": 5,
                                  "note": "师傅很准时"})
    card = city.call("locksmith.show", {"id": city.locksmith_of["kit-001"]})
    milli = card.get("quality")  # milli-stars, the Bayesian mean dispatch rule 2 sorts by
    say(_("  two hours later the operator calls the customer back: reached, 5 stars; {name} now rates {r} stars "
          "for dispatch rule 2").format(name=LOCKSMITHS["kit-001"][0], r=f"{milli / 1000:.1f}" if isinstance(milli, int) else "?"))
    # The kit service shreds due orders' keys on its own every half minute; the demo does not wait for it.
    flow = city.services["kit-001"].flow
    purge_due(flow)
    shredded = all(h.order_id != grade_order for h in held(flow))
    say(_("  {name}'s kit past the retention (one hour here): the key of {order} is shredded: {yes}; "
          "`lockwarden kit status`: {line} (offers that came since)").format(
        name=LOCKSMITHS["kit-001"][0], order=say.number(grade_order), yes=_("yes") if shredded else _("NO"),
        line=_personal_line(city, "kit-001")))
    ok = ok and shredded

    # the customer abandons after the locksmith set out: the prepayment compensates the locksmith.
    say.scene(_("A customer gives up after the locksmith set out: the prepayment pays the locksmith (R-7)"))
    ab_order, _code, state = city.dispatcher.run_order("cu-sun", 4, "eta", Plan({"kit-001": True, "kit-002": True,
                                                                                 "kit-003": True}, [True]), name="孙丽")
    kit = city.call("order.show", {"order_id": ab_order})["kit_id"]
    set_out(city, kit, ab_order)
    wait(lambda: order_state(city, ab_order) == "en_route", 20)
    city.customer("cu-sun").send("customer.abandon", {"order_id": ab_order, "reason": "自己找到钥匙了"})
    abandoned = wait(lambda: order_state(city, ab_order) == "abandoned", 20)
    say(_("  {customer} abandons the order after {name} set out: the order is {state}; escrow: {holds}").format(
        customer="孙丽", name=_locksmith_of_kit(kit), state=state_words(city, ab_order), holds=holds(city, ab_order)))
    return ok and abandoned, {"completed": [grade_order, eta_order], "abandoned": ab_order}


def _locksmith_of_kit(kit_id: str) -> str:
    return LOCKSMITHS[kit_id][0] if kit_id in LOCKSMITHS else kit_id
