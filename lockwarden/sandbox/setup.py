"""Building the sandbox city once: the hub folder, the accounts, the kits with emulated hardware, the filings
(over the ops contract, as an operator files them) and each locksmith's finger enrolled on the kit's sensor."""

from __future__ import annotations

import getpass
import time
from typing import Any

import msgspec

from hub.broker.process import free_port
from hub.home import HubHome, init_hub, write_secret
from hub.provisioning import provision_kit, provision_principal
from lockwarden.demo.city import LOCKSMITHS, SITE, credit_code, resident_id
from lockwarden.demo.photos import document_photo
from lockwarden.sandbox.layout import KIT_IDS, OPERATOR, Layout, State, finger
from protocol.settings import dump_settings

UNIT_NAME = "安心开锁服务有限公司"


def prepare(layout: Layout, kits: int) -> State:
    """Folders, keys, settings and broker accounts, before any process starts (so no broker reload is needed)."""
    layout.dir.mkdir(parents=True, exist_ok=True)
    state = State(broker_port=free_port(), web_port=free_port(), pay_port=free_port(), kits=list(KIT_IDS[:kits]))
    home = init_hub(layout.hub, broker_port=state.broker_port)
    settings = home.settings()
    # Mosquitto runs as the person running the sandbox (the shipped default drops to `mosquitto`, which could
    # not read this folder's files when started by root).
    settings = msgspec.structs.replace(
        settings, broker=msgspec.structs.replace(settings.broker, run_as=getpass.getuser()), payments=msgspec.structs.replace(settings.payments, webhook_port=state.pay_port),
        notify=msgspec.structs.replace(settings.notify, public_url=f"http://localhost:{state.web_port}"))
    write_secret(home.settings_file, dump_settings(settings))
    provision_principal(home, OPERATOR, "operator", layout.principals)
    provision_principal(home, "police", "police", layout.station)
    provision_principal(home, "police-desk", "police", layout.station)
    from lockwarden.customer_web.gateway import ensure_account

    ensure_account(home)
    # Browsers treat http://localhost as a secure origin, so the Secure session cookie works without TLS here.
    layout.web_toml.write_text(f'host = "127.0.0.1"\nport = {state.web_port}\n', encoding="utf-8")
    for kit_id in state.kits:
        _, _grade, pos = LOCKSMITHS[kit_id]
        kit_dir = layout.kit(kit_id)
        provision_kit(home, kit_id, kit_dir, hardware={
            "fingerprint": {"backend": "emulator", "emulator_library": str(kit_dir / "fingerprint-library.json"),
                            "emulator_control": str(layout.finger_socket(kit_id)), "finger_wait_polls": 100,
                            "poll_interval_s": 0.1},
            "gnss": {"backend": "emulator", "emulator_lat": pos[0], "emulator_lon": pos[1],
                     "emulator_interval_s": 1.0, "emulator_control": str(layout.gnss_socket(kit_id))},
            "camera": {"backend": "pattern", "width": 320, "height": 180, "fps": 5.0, "segment_seconds": 2.0},
        })
    _bootstrap_operator(home)
    layout.save(state)
    return state


def _bootstrap_operator(home: HubHome) -> None:
    """The first operator is registered on the hub host itself, before the hub runs."""
    from hub.db import open_hub_db
    from hub.ops import handle
    from protocol.clock import SystemClock

    conn = open_hub_db(home.db_path())
    try:
        handle(conn, SystemClock(), "operator:root", "operator.add", {"id": OPERATOR, "name": "值班员 陈"},
               txn=f"bootstrap-{OPERATOR}", bootstrap=True)
    finally:
        conn.close()


def file_registry(layout: Layout, state: State, ops: Any) -> None:
    """The unit and one locksmith per kit, filed and linked through the hub's ops contract; each kit's job.toml."""

    def call(op: str, args: dict[str, Any]) -> Any:
        resp = ops.call(op, args)
        if not resp.get("ok"):
            raise RuntimeError(f"{op}: {resp.get('code')} {resp.get('error')} {resp.get('errors')}")
        return resp.get("result")

    unit = call("unit.file", {"name": UNIT_NAME, "address": "北京市东城区东直门内大街5号", "uscc": credit_code(1),
                              "legal_rep_name": "钱志远", "legal_rep_id": resident_id(901),
                              "filing_receipt_no": "京公特备字2026-0117"})
    unit_id = unit["id"] if isinstance(unit, dict) else str(unit)
    for n, kit_id in enumerate(state.kits, start=1):
        name, grade, _pos = LOCKSMITHS[kit_id]
        photo = ops.upload(document_photo(f"locksmith {n}: ID, certificate, photo"), kind="registry")
        ls = call("locksmith.file", {
            "name": name, "gender": "male", "ethnicity": "汉", "resident_id": resident_id(100 + n),
            "id_image_sha256": photo, "cert_no": f"KS-{2026000 + n}", "cert_image_sha256": photo, "grade": grade,
            "photo_sha256": photo, "mobile": f"1391000000{n}", "unit_id": unit_id,
            "area": {"lat": SITE[0], "lon": SITE[1], "radius_km": 15.0},
            "scope": {"A": ["open"], "B": ["open", "repair", "replace"], "B+": ["open", "repair"]},
            "equipment": ["单钩", "电动开锁枪"], "filing_receipt_no": f"京公锁备-{n:04d}"})
        lid = ls["id"] if isinstance(ls, dict) else str(ls)
        call("locksmith.link_kit", {"locksmith_id": lid, "kit_id": kit_id})
        state.locksmiths[kit_id] = lid
        (layout.kit(kit_id) / "job.toml").write_text(
            f'[job]\nfix_wait_s = 3.0\n\n[[locksmiths]]\nlocksmith_id = "{lid}"\nname = "{name}"\n'
            f'work_no = "KS-{2026000 + n}"\nid_number = "{resident_id(100 + n)}"\nunit = "{UNIT_NAME}"\n'
            f'fingerprint_slots = [0]\n', encoding="utf-8")
        enroll(layout, kit_id, lid)
    layout.save(state)


def enroll(layout: Layout, kit_id: str, locksmith_id: str) -> None:
    """The locksmith's right index finger on the kit's own (emulated) sensor, before the kit service holds it;
    the template waits sealed in the kit store and reaches the hub when the service syncs."""
    from edge.app import make_kit
    from edge.enroll import enroll_fingers, plan
    from edge.hardware.factory import make_fingerprint
    from edge.hardware.fingerprint.driver import EnrollStep
    from edge.job.config import load_job_config
    from edge.job.kitdir import hardware_config

    kit_dir = layout.kit(kit_id)
    app = make_kit(kit_dir, connect=False)
    try:
        config = load_job_config(kit_dir)
        slots = plan(config.locksmith(locksmith_id), locksmith_id, config.locksmiths, ["right_index"])
        fp = msgspec.structs.replace(hardware_config(app.settings.hardware).fingerprint, emulator_control=None,
                                     poll_interval_s=0.01)
        sensor = make_fingerprint(fp)
        try:
            emu = sensor.emulator

            def prompt(_f: Any, step: EnrollStep) -> None:
                emu.remove_finger() if step is EnrollStep.REMOVE else emu.place_finger(finger(kit_id))

            enroll_fingers(sensor, app.store, locksmith_id, slots, prompt=prompt)
            emu.remove_finger()
            time.sleep(0.1)  # the library file is written by the emulator's thread
        finally:
            sensor.close()
    finally:
        app.store.close()
