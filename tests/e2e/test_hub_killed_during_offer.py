"""Kill the hub (SIGKILL) while an offer is live and restart it after the offer's deadline passed: the
durable timer fires at once on restart, the next locksmith gets the offer over MQTT, and dispatch goes on."""

from __future__ import annotations

import time
from pathlib import Path

from edge.service import build_kit_service
from hub.db import open_hub_db
from hub.ops import handle
from hub.provisioning import provision_principal
from lockwarden.clients.customer import CustomerApp
from lockwarden.demo.city import SITE, credit_code, request_body, resident_id
from lockwarden.demo.photos import document_photo, request_photos
from protocol.transport.paho_mqtt import LinkSettings
from tests.spine.helpers import kill, poll, spawn, terminate

OP = "operator:op-1"


def _file_city(hub_db: Path) -> dict[str, str]:
    """Two locksmiths near the site with their kits; -> kit id: locksmith id."""
    locksmith_of: dict[str, str] = {}
    conn = open_hub_db(hub_db)
    from hub.documents.scans import store_scan
    from hub.ingest.mediastore import MediaStore
    from protocol.clock import SystemClock

    clock = SystemClock()

    def ops(op: str, args: dict) -> dict:  # type: ignore[type-arg]
        r = handle(conn, clock, OP, op, args)
        assert r["ok"], r
        return r["result"]  # type: ignore[no-any-return]

    handle(conn, clock, "operator:root", "operator.add", {"id": "op-1", "name": "Op"}, bootstrap=True)
    ops("settings.set", {"key": "offer_ttl_s", "value": "3"})
    ops("settings.set", {"key": "code_scrypt_n", "value": "1024"})
    unit = ops("unit.file", {"name": "安心开锁", "address": "北京", "uscc": credit_code(5), "legal_rep_name": "钱",
                             "legal_rep_id": resident_id(905), "filing_receipt_no": "R-1"})
    unit_id = unit["id"] if isinstance(unit, dict) else unit
    # filing images, scanned on the hub host (`lockwarden ops --db ... --photo` stores them the same way)
    photo = store_scan(conn, MediaStore(hub_db.parent / "media"), clock, document_photo("filing"), sender="op-1",
                       order_id=None, kind="registry")
    for n, kit in enumerate(("kit-a", "kit-b"), start=1):
        ls = ops("locksmith.file", {
            "name": f"锁匠{n}", "gender": "male", "ethnicity": "汉", "resident_id": resident_id(200 + n),
            "id_image_sha256": photo, "cert_no": f"C{n}", "cert_image_sha256": photo, "grade": "senior",
            "photo_sha256": photo, "mobile": "13800138000", "unit_id": unit_id,
            "area": {"lat": SITE[0], "lon": SITE[1], "radius_km": 20.0}, "scope": {"B": ["open"]},
            "filing_receipt_no": f"F{n}"})
        ops("locksmith.link_kit", {"locksmith_id": ls["id"] if isinstance(ls, dict) else ls, "kit_id": kit})
        locksmith_of[kit] = ls["id"] if isinstance(ls, dict) else ls
    conn.close()
    return locksmith_of


def test_offer_deadline_survives_a_hub_kill(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = deployment.home
    locksmith_of = _file_city(home.dir / "hub.db")
    key, password = provision_principal(home, "cu-1", "customer", tmp_path / "cu")
    deployment.broker.reload()
    offers: dict[str, list[str]] = {"kit-a": [], "kit-b": []}
    kits = {}
    for n, kit in enumerate(("kit-a", "kit-b")):
        svc = build_kit_service(deployment.kits[kit], offer_policy=lambda o, k=kit: offers[k].append(o.order_id))
        svc.app.store.add_record("gnss.position", {"lat": SITE[0] + 0.001 * (n + 1), "lon": SITE[1]})
        # Login first: the locksmith logged in on the kit (a kit with a sensor records this at login).
        svc.app.store.add_record("session.login", {"kit_id": kit, "locksmith_id": locksmith_of[kit],
                                                   "method": "fingerprint"})
        svc.start()
        kits[kit] = svc
    hub = spawn("hub.service", home.dir)
    customer = CustomerApp("cu-1", key, home.signing_public(),
                           LinkSettings(host="127.0.0.1", port=deployment.port, client_id="cu-1", username="cu-1",
                                        password=password))
    try:
        customer.start()
        db = None
        assert poll(lambda: (home.dir / "hub.db").exists(), 10)
        db = open_hub_db(home.dir / "hub.db")
        assert poll(lambda: db.execute("SELECT COUNT(*) FROM kit_presence WHERE online=1 AND lat IS NOT NULL")
                    .fetchone()[0] == 2, 30)
        for photo in request_photos(1).values():
            customer.upload_id_photo(photo)
        order_id = customer.request(request_body(1, "eta")).body.order_id  # type: ignore[attr-defined]
        assert poll(lambda: offers["kit-a"] == [order_id], 30), offers  # the nearer kit, unanswered
        kill(hub)  # power cut at the hub while the offer is live
        time.sleep(4)  # the 3-second offer runs out while the hub is down
        assert db.execute("SELECT state FROM offers WHERE order_id=? AND kit_id='kit-a'", (order_id,)).fetchone()[0] == "open"
        hub = spawn("hub.service", home.dir)
        assert poll(lambda: offers["kit-b"] == [order_id], 30), offers  # expired at once on restart; next one
        states = dict(db.execute("SELECT kit_id, state FROM offers WHERE order_id=?", (order_id,)).fetchall())
        assert states == {"kit-a": "expired", "kit-b": "open"}
    finally:
        customer.stop()
        for svc in kits.values():
            svc.stop()
        terminate(hub)
