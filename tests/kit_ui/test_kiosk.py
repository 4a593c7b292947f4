"""The kiosk path in a real headless Chromium at the panel's 800x480: `lockwarden kit-ui --serve`
(textual-serve, our offline page) attached to the running kit service; the locksmith logs in by finger,
accepts an offer and walks the whole job by tapping (touch events over the DevTools protocol), to a sealed
bundle. Screenshots go to the test's temporary folder, or with LOCKWARDEN_UPDATE_SNAPSHOTS=1 to
docs/images/kit-ui/ (docs/kit-ui.md shows them), so a test run never changes the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from edge.job.steps import Step
from hub.broker.process import free_port
from lockwarden.kit_ui.confirm import ConfirmScreen
from lockwarden.kit_ui.home import HomeScreen
from lockwarden.kit_ui.idnumber import IdNumberScreen
from lockwarden.kit_ui.job import JobScreen
from lockwarden.kit_ui.keyboard import KeyboardScreen
from lockwarden.kit_ui.keypad import KeypadScreen
from lockwarden.kit_ui.login import LocksmithChooserScreen, LoginMethodScreen
from lockwarden.kit_ui.offer import OfferScreen
from protocol.i18n import set_language
from protocol.messages.job import JobOffer, JobOrder
from tests.conftest import Deployment
from tests.job.conftest import CODE, CUSTOMER_ID, ORDER_ID, SITE, order_body
from tests.job.rig import CUSTOMER_FINGER, LOCKSMITH_FINGER
from tests.kit_ui.conftest import PASSWORD, SECOND, UiKit, add_hardware, add_second_locksmith, make_ui_kit
from tests.kit_ui.kiosk import Kiosk, chromium, wait
from tests.kit_ui.test_link import running_kit  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[2]
DOC_SHOTS = ROOT / "docs" / "images" / "kit-ui"
FONT_SIZE = 14  # the kiosk's: 3-row keys are about 11 mm on the 7-inch 800x480 panel (docs/kit-ui.md)

pytestmark = pytest.mark.skipif(not shutil.which("chromium") or not shutil.which("chromedriver"),
                                reason="Debian's chromium and chromium-driver (make test installs them)")


def _serve(kit: UiKit, tmp_path: Path, lang: str) -> Iterator[Kiosk]:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "lockwarden.cli", "--lang", lang, "kit-ui", "--serve",
                                   "--dir", str(kit.dir), "--port", str(port)], stdout=out, stderr=out, env=env)
    driver = chromium()
    try:
        wait(lambda: b"Serving" in log.read_bytes() or server.poll() is not None, 60, "textual-serve up")
        driver.get(f"http://127.0.0.1:{port}/?fontsize={FONT_SIZE}")
        k = Kiosk(driver, log, kit.service)
        k.wait_started()
        yield k
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def kiosk(running_kit: UiKit, tmp_path: Path) -> Iterator[Kiosk]:  # noqa: F811
    yield from _serve(running_kit, tmp_path, "en")


@pytest.fixture
def shared_running_kit(deployment: Deployment, english: None) -> Iterator[UiKit]:
    """A kit two locksmiths share, the second with a password only, its service running."""
    kit_dir = add_second_locksmith(add_hardware(deployment.add_kit("kit-0042")))
    for kit in make_ui_kit(kit_dir, None, broker_port=deployment.port):
        kit.service.start()
        yield kit


@pytest.fixture
def kiosk_zh(shared_running_kit: UiKit, tmp_path: Path) -> Iterator[Kiosk]:
    set_language("zh_CN")  # the twin lays out the same Chinese labels (`english` restores it afterwards)
    yield from _serve(shared_running_kit, tmp_path, "zh_CN")


def test_chinese_kiosk_logs_in_by_password_and_accepts_an_offer_by_touch(shared_running_kit: UiKit,
                                                                        kiosk_zh: Kiosk, tmp_path: Path) -> None:
    """The default language on the panel, Chinese drawn by Chromium with the system's CJK fonts; on a shared
    kit the second locksmith taps their name, Password, and types it on the on-screen keyboard."""
    kit, k = shared_running_kit, kiosk_zh
    service: Any = kit.service
    shots = DOC_SHOTS if os.environ.get("LOCKWARDEN_UPDATE_SNAPSHOTS") else tmp_path / "shots"
    profiles = list(service.flow.locksmiths.values())
    k.tap(k.where(HomeScreen, "login-other"))
    wait(lambda: _pause(1.0), 5)
    k.shot(shots / "login-chooser-zh.png")
    k.tap(k.where(lambda: LocksmithChooserScreen(profiles), "who-1"))
    wait(lambda: _pause(1.0), 5)
    k.shot(shots / "login-method-zh.png")
    k.tap(k.where(lambda: LoginMethodScreen(profiles[1]), "method-password"))
    wait(lambda: _pause(1.0), 5)
    keys = k.places(lambda: KeyboardScreen("x"), [f"kb-{c}" for c in set(PASSWORD.lower())] + ["kb-caps", "kb-ok"])
    caps = False
    for ch in PASSWORD:
        if ch.isalpha() and ch.isupper() != caps:
            k.tap(keys["kb-caps"])
            caps = not caps
            wait(lambda: _pause(0.3), 2)
        k.tap(keys[f"kb-{ch.lower()}"])
        wait(lambda: _pause(0.3), 2)
    wait(lambda: _pause(0.5), 2)
    k.shot(shots / "keyboard-zh.png")
    k.tap(keys["kb-ok"])
    wait(lambda: getattr(service.flow.session(), "locksmith_id", None) == SECOND, 60, "password login")
    assert service.flow.session().method == "password"
    wait(lambda: _pause(1.0), 5)
    k.shot(shots / "home-zh.png")
    offer = JobOffer(offer_id="of-zh", order_id=ORDER_ID, expires_at=service.app.store.clock.now_ms() + 60_000,
                     lock_class="B", category="open", site_address="北京市东城区东长安街1号", site_lat=SITE[0],
                     site_lon=SITE[1], eta_s=600)
    service.offers.downlink_handlers()["job.offer"](None, offer)
    accept = k.where(lambda: OfferScreen("of-zh"), "accept")
    wait(lambda: _pause(1.5), 5)
    k.shot(shots / "offer-zh.png")
    k.tap(accept)
    wait(lambda: service.offers.offers["of-zh"].state == "accepted", 60, "accepted")


def _step(kit: UiKit) -> Step:
    return kit.service.flow.job(ORDER_ID).step  # type: ignore[no-any-return]


def test_offer_accepted_and_job_walked_by_touch(running_kit: UiKit, kiosk: Kiosk,  # noqa: F811
                                                tmp_path: Path) -> None:
    kit, k = running_kit, kiosk
    shots = DOC_SHOTS if os.environ.get("LOCKWARDEN_UPDATE_SNAPSHOTS") else tmp_path / "shots"
    service: Any = kit.service
    assert (k.cols, k.rows) >= (90, 24), (k.cols, k.rows)
    k.shot(shots / "home-logged-out.png")

    k.tap(k.where(HomeScreen, "login-fp"))  # login first
    wait(lambda: k.server_log.exists() and service.flow.session() is not None or _finger(kit, LOCKSMITH_FINGER),
         60, "login")
    kit.emu.remove_finger()

    offer = JobOffer(offer_id="of-kiosk", order_id=ORDER_ID, expires_at=service.app.store.clock.now_ms() + 60_000,
                     lock_class="B", category="open", site_address="北京市东城区东长安街1号", site_lat=SITE[0],
                     site_lon=SITE[1], eta_s=600)
    service.offers.downlink_handlers()["job.offer"](None, offer)
    accept = k.where(lambda: OfferScreen("of-kiosk"), "accept")
    wait(lambda: _pause(1.5), 5)  # the offer pops up in the browser's session
    k.shot(shots / "offer.png")
    k.tap(accept)
    wait(lambda: service.offers.offers["of-kiosk"].state == "accepted", 60, "accepted")
    order = msgspec.convert({f: v for f, v in order_body().items() if f in JobOrder.__struct_fields__}, JobOrder)
    service.flow.downlink_handlers()["job.order"](None, order)  # the hub's order (the login step follows)
    wait(lambda: _step(kit) == Step.LOGGED_IN, 30, "order")
    k.tap(k.where(lambda: OfferScreen("of-kiosk"), "back"))
    wait(lambda: _pause(1.0), 5)
    k.tap(k.where(HomeScreen, "go-job"))
    wait(lambda: _pause(1.5), 5)
    k.shot(shots / "job.png")

    def next_button() -> None:
        k.tap(k.where(lambda: JobScreen(ORDER_ID), "next"))

    next_button()  # set out
    wait(lambda: _step(kit) == Step.SET_OUT, 60, "set out")
    wait(lambda: _pause(1.0), 5)
    next_button()  # the service code, on the keypad
    wait(lambda: _pause(1.0), 5)
    k.shot(shots / "keypad.png")
    for ch in CODE:
        k.tap(k.where(lambda: KeypadScreen("x"), f"key-{ch}"))
        wait(lambda: _pause(0.3), 2)
    k.tap(k.where(lambda: KeypadScreen("x"), "key-ok"))
    wait(lambda: _step(kit) == Step.ARRIVED, 60, "arrived")

    wait(lambda: _pause(1.0), 5)
    next_button()  # verify my fingerprint
    wait(lambda: _finger(kit, LOCKSMITH_FINGER) or _step(kit) == Step.LOCKSMITH_VERIFIED, 60, "verified")
    wait(lambda: _step(kit) == Step.LOCKSMITH_VERIFIED, 60, "verified")
    kit.emu.remove_finger()

    from edge.job.flow import consent_statement
    from protocol.i18n import _

    wait(lambda: _pause(1.0), 5)
    next_button()  # consent
    wait(lambda: _pause(1.0), 5)
    k.shot(shots / "consent.png")
    k.tap(k.where(lambda: ConfirmScreen(_("Customer consent"), consent_statement(), _("Agree"), _("Refuse"),
                                        _("Back")), "confirm-yes"))
    wait(lambda: _step(kit) == Step.CONSENTED, 60, "consented")
    wait(lambda: _pause(1.0), 5)
    next_button()  # the customer's photo
    wait(lambda: _step(kit) == Step.CUSTOMER_PHOTO, 60, "photo")
    wait(lambda: _pause(1.0), 5)
    next_button()  # the ID number (the order's, confirmed), then the ID card photo
    wait(lambda: _pause(1.0), 5)
    k.tap(k.where(lambda: IdNumberScreen(CUSTOMER_ID), "id-same"))
    wait(lambda: _step(kit) == Step.ID_PHOTO, 60, "id photo")
    wait(lambda: _pause(1.0), 5)
    next_button()  # the customer's fingerprint
    wait(lambda: _finger(kit, CUSTOMER_FINGER) or _step(kit) == Step.CUSTOMER_FINGERPRINT, 60, "customer finger")
    wait(lambda: _step(kit) == Step.CUSTOMER_FINGERPRINT, 60, "customer finger")
    kit.emu.remove_finger()
    for step in (Step.VIDEO_RUNNING, Step.LOCK_BEFORE, Step.OPENED, Step.LOCK_AFTER, Step.VIDEO_STOPPED):
        wait(lambda: _pause(1.0), 5)
        if step == Step.LOCK_BEFORE:
            wait(lambda: any(f.kind == "video.segment" for f in service.app.store.files_for_order(ORDER_ID)), 60)
            k.shot(shots / "video-running.png")
        next_button()
        wait(lambda s=step: _step(kit) == s, 60, step.value)
    wait(lambda: _pause(1.0), 5)
    next_button()  # the fee, on the keypad
    wait(lambda: _pause(1.0), 5)
    for ch in "180":
        k.tap(k.where(lambda: KeypadScreen("x", decimal=True), f"key-{ch}"))
        wait(lambda: _pause(0.3), 2)
    k.tap(k.where(lambda: KeypadScreen("x", decimal=True), "key-ok"))
    wait(lambda: _pause(1.0), 5)
    k.tap(k.where(lambda: ConfirmScreen(_("Payment"), _("Fee {fee}: has the customer paid?").format(fee="¥180.00"),
                                        _("Payment received"), None, _("Back")), "confirm-yes"))
    wait(lambda: _step(kit) == Step.COMPLETED, 60, "completed")
    for step in (Step.FORM, Step.SEALED):
        wait(lambda: _pause(1.0), 5)
        next_button()
        wait(lambda s=step: _step(kit) == s, 60, step.value)
    wait(lambda: _pause(1.0), 5)
    k.shot(shots / "sealed.png")
    assert service.flow.job(ORDER_ID).info["fee_fen"] == 18000


def _finger(kit: UiKit, finger: str) -> bool:
    """Place the finger once the service waits for one (the prompt is on the screen)."""
    kit.emu.place_finger(finger)
    return False


def _pause(seconds: float) -> bool:
    import time

    time.sleep(seconds)
    return True
