"""The demo's city: an operator, a unit, three filed locksmiths each carrying a kit with emulated
hardware (fingerprint sensor, GNSS, camera), and customer apps; everything filed over the ops contract."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from stdnum.cn import ric, uscc

from edge.service import KitService, build_kit_service
from hub.ops import handle as local_ops
from hub.provisioning import provision_kit, provision_principal
from hub.registry import store as registry
from hub.service import wait_until
from lockwarden.clients.customer import CustomerApp
from lockwarden.clients.operator import OpsClient
from lockwarden.demo.photos import document_photo, request_photos, sha
from lockwarden.demo.world import World
from protocol.transport.paho_mqtt import LinkSettings

OPERATOR = "陈静"
UNIT = "安心开锁服务有限公司"
SITE = (39.9087, 116.3975)  # 北京市东城区东长安街1号
LOCKSMITHS = {
    # kit: (name, grade, position, fingers)
    "kit-001": ("王建国", "junior", (39.9120, 116.4010)),
    "kit-002": ("李师傅", "senior", (39.9200, 116.4150)),
    "kit-003": ("赵大勇", "special", (39.9400, 116.4400)),
}


def cli_env() -> dict[str, str]:
    """The environment of a `python -m lockwarden ...` child of the demo: this source tree, the demo's language."""
    import os
    from pathlib import Path

    from protocol.i18n import language

    return dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]), LOCKWARDEN_LANG=language())


def resident_id(serial: int, birth: str = "19800101", region: str = "110101") -> str:
    """A valid resident ID number (check digit computed) for made-up people: demo, tests and benches."""
    body = f"{region}{birth}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(serial: int, head: str = "9111010160") -> str:
    """A valid unified social credit code (check character computed) for made-up units."""
    body = f"{head}{serial:07d}"
    return body + uscc.calc_check_digit(body + "0")


def finger_name(kit_id: str) -> str:
    return f"{LOCKSMITHS[kit_id][0]}/right-index"


@dataclass
class City:
    world: World
    ops: OpsClient | None = None
    unit_id: str = ""
    locksmith_of: dict[str, str] = field(default_factory=dict)  # kit -> locksmith id
    services: dict[str, KitService] = field(default_factory=dict)
    customers: dict[str, CustomerApp] = field(default_factory=dict)
    dispatcher: Any = None

    def link(self, username: str, password: str) -> LinkSettings:
        return LinkSettings(host="127.0.0.1", port=self.world.broker.port, client_id=username, username=username,
                            password=password)

    # -- the operator --------------------------------------------------------------------------------
    def open_operator(self) -> OpsClient:
        w = self.world
        assert w.hub is not None
        key, password = provision_principal(w.home, "op-demo", "operator", w.dir / "principals", clock=w.clock)
        with w.hub._lock:  # the first operator is registered on the hub host itself (bootstrap)
            local_ops(w.hub.conn, w.clock, "operator:root", "operator.add", {"id": "op-demo", "name": OPERATOR},
                      txn="bootstrap-op-demo", bootstrap=True)
        w.broker.reload()
        time.sleep(0.3)
        self.ops = OpsClient("op-demo", key, w.home.signing_public(), self.link("op-demo", password),
                             clock=w.clock)
        self.ops.start()
        return self.ops

    def call(self, op: str, args: dict[str, Any]) -> Any:
        assert self.ops is not None
        resp = self.ops.call(op, args)
        if not resp.get("ok"):
            raise RuntimeError(f"{op}: {resp.get('code')} {resp.get('error')} {resp.get('errors')}")
        return resp.get("result")

    # -- filings ---------------------------------------------------------------------------------------
    def file_registry(self) -> None:
        unit = self.call("unit.file", {
            "name": UNIT, "address": "北京市东城区东直门内大街5号", "uscc": credit_code(1),
            "legal_rep_name": "钱志远", "legal_rep_id": resident_id(901), "filing_receipt_no": "京公特备字2026-0117"})
        self.unit_id = unit["id"] if isinstance(unit, dict) else str(unit)
        assert self.ops is not None
        for n, (kit_id, (name, grade, _pos)) in enumerate(LOCKSMITHS.items(), start=1):
            # the filing images go to the hub first, over the operator's own upload topic
            photo = self.ops.upload(document_photo(f"locksmith {n}: ID, certificate, photo"), kind="registry")
            ls = self.call("locksmith.file", {
                "name": name, "gender": "male", "ethnicity": "汉", "resident_id": resident_id(100 + n),
                "id_image_sha256": photo, "cert_no": f"KS-{2026000 + n}", "cert_image_sha256": photo, "grade": grade,
                "photo_sha256": photo, "mobile": f"1391000000{n}", "unit_id": self.unit_id,
                "area": {"lat": SITE[0], "lon": SITE[1], "radius_km": 15.0},
                "scope": {"A": ["open"], "B": ["open", "repair", "replace"], "B+": ["open", "repair"]},
                "equipment": ["单钩", "电动开锁枪"], "filing_receipt_no": f"京公锁备-{n:04d}"})
            lid = ls["id"] if isinstance(ls, dict) else str(ls)
            self.locksmith_of[kit_id] = lid
            self.call("locksmith.link_kit", {"locksmith_id": lid, "kit_id": kit_id})

    # -- kits ------------------------------------------------------------------------------------------
    def start_kits(self, offer_policy: Any) -> None:
        w = self.world
        for n, (kit_id, (name, _grade, pos)) in enumerate(LOCKSMITHS.items(), start=1):
            kit_dir = w.dir / "kits" / kit_id
            hardware: dict[str, object] = {
                "fingerprint": {"backend": "emulator", "emulator_library": str(kit_dir / "fingerprint-library.json"),
                                "finger_wait_polls": 20, "poll_interval_s": 0.01},
                "gnss": {"backend": "emulator", "emulator_lat": pos[0], "emulator_lon": pos[1],
                         "emulator_interval_s": 0.2},
                "camera": {"backend": "pattern", "width": 640, "height": 360, "fps": 15.0, "segment_seconds": 1.0},
            }
            provision_kit(w.home, kit_id, kit_dir, clock=w.clock, hardware=hardware)
            lid = self.locksmith_of[kit_id]
            (kit_dir / "job.toml").write_text(
                # The demo's clock jumps hours and days (follow-up, document deadlines): the login must outlast
                # them, where a real kit's lapses after 15 idle minutes.
                # The customer's data goes an hour after the hub has the evidence (a day by default), so the
                # on-site part shows it gone after its two-hour follow-up jump.
                f'[job]\nfix_wait_s = 2.0\nsession_idle_s = 864000.0\npersonal_retention_s = 3600.0\n\n[[locksmiths]]\nlocksmith_id = "{lid}"\nname = "{name}"\n'
                f'work_no = "KS-{2026000 + n}"\nid_number = "{resident_id(100 + n)}"\n'
                f'unit = "安心开锁服务有限公司"\nfingerprint_slots = [0]\n', encoding="utf-8")
        w.broker.reload()
        time.sleep(0.3)
        for kit_id in LOCKSMITHS:
            svc = build_kit_service(w.dir / "kits" / kit_id, clock=w.clock, broker_port=w.broker.port,
                                    offer_policy=partial(offer_policy, kit_id), position_every_s=5.0)
            self.services[kit_id] = svc
            w.kits[kit_id] = svc.app
            self.enroll(kit_id, svc)
            svc.start()
            self.login(kit_id, svc)

    def enroll(self, kit_id: str, svc: KitService) -> None:
        """The locksmith's finger, enrolled on the kit's own sensor; the template goes to the hub sealed."""
        from edge.hardware.fingerprint.driver import EnrollStep
        from edge.job.hardware import SensorFingerprint

        fp = cast(SensorFingerprint, svc.flow.devices.fingerprint)
        emu = fp.emulator
        assert emu is not None

        def prompt(step: EnrollStep) -> None:
            emu.remove_finger() if step is EnrollStep.REMOVE else emu.place_finger(finger_name(kit_id))

        if 0 not in fp.sensor().used_slots():
            enrolled = fp.sensor().enroll(0, prompt)
            stored = svc.app.store.add_file(kind="fingerprint.locksmith_template", content_type="application/octet-stream",
                                            data=enrolled.template, sensitive=True,
                                            meta={"locksmith_id": self.locksmith_of[kit_id], "finger": "right_index"})
            self.call("locksmith.fingerprint", {"locksmith_id": self.locksmith_of[kit_id], "finger": "right_index",
                                                "template_sha256": stored.plain_sha256, "kit_id": kit_id})
        emu.remove_finger()

    def login(self, kit_id: str, svc: KitService) -> None:
        """Login first: each locksmith logs in on the kit with a finger before the hub offers any job."""
        from edge.job.hardware import SensorFingerprint

        emu = cast(SensorFingerprint, svc.flow.devices.fingerprint).emulator
        assert emu is not None
        emu.place_finger(finger_name(kit_id))
        try:
            svc.flow.login_fingerprint()
        finally:
            emu.remove_finger()

    def kits_online(self) -> bool:
        hub = self.world.hub
        assert hub is not None
        with hub._lock:
            placed = sum(1 for k in registry.kits_overview(hub.conn) if k["online"] and k["lat"] is not None)
            # login first: the hub offers jobs only to locksmiths whose kit reported a login
            logged = sum(1 for kit_id in LOCKSMITHS if registry.logged_in(hub.conn, kit_id))
        return placed == len(LOCKSMITHS) and logged == len(LOCKSMITHS)

    # -- customers -------------------------------------------------------------------------------------
    def customer(self, customer_id: str) -> CustomerApp:
        if customer_id not in self.customers:
            w = self.world
            key, password = provision_principal(w.home, customer_id, "customer", w.dir / "principals", clock=w.clock)
            w.broker.reload()
            time.sleep(0.3)
            app = CustomerApp(customer_id, key, w.home.signing_public(), self.link(customer_id, password),
                              clock=w.clock)
            app.start()
            self.customers[customer_id] = app
        return self.customers[customer_id]

    def stop(self) -> None:
        for c in self.customers.values():
            c.stop()
        if self.ops is not None:
            self.ops.stop()
        for svc in self.services.values():
            svc.stop()
        self.world.kits.clear()


def request_body(customer_no: int, rule: str, *, lock_class: str = "B", officer: bool = False,
                 name: str = "张三") -> dict[str, Any]:
    """A request naming the ID photos of `request_photos(customer_no)`, which its sender uploads first."""
    photos = {k: sha(v) for k, v in request_photos(customer_no, officer=officer).items()}
    idimg = photos["customer"]
    body: dict[str, Any] = {
        "customer_name": name, "customer_mobile": f"1371234{customer_no:04d}",
        "customer_id_number": resident_id(500 + customer_no, "19900101"), "customer_id_image_sha256": idimg,
        "site_address": "北京市东城区东长安街1号", "site_lat": SITE[0], "site_lon": SITE[1], "category": "open",
        "lock_class": lock_class, "rule": rule, "appointment_ms": None,
    }
    if officer:
        body["officer"] = {"name": "民警 孙立", "badge_number": "010234", "id_number": resident_id(700 + customer_no),
                           "id_image_sha256": photos["officer"]}
    else:
        body["witness"] = {"name": "邻居 周敏", "id_number": resident_id(600 + customer_no, "19750101"),
                           "id_image_sha256": photos["witness"]}
    return body


def wait(pred: Any, timeout: float = 30.0) -> bool:
    return wait_until(pred, timeout)

