"""A customer with a phone, in real headless Chromium at 390x844: logs in with the SMS code, asks for a
locksmith with ID photos, sees and accepts the locksmith (photo shown), pays through the sandbox provider's
pay page, sees the service code, and rates after the job; once more in English. Screenshots of each page go
to the test's temporary folder, or with LOCKWARDEN_UPDATE_SNAPSHOTS=1 to docs/customer-app/
(docs/customer-app.md shows them), so a test run never changes the checkout."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from hub.ledger.core import balance
from hub.orders.tracking import on_position
from hub.service import wait_until
from tests.hub.world import SITE, resident_id
from tests.images import ID_PHOTO
from tests.web.browser import WEIGHTS, by_id, phone, shot, until
from tests.web.stack import start_stack

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "customer-app"
MOBILE = "13912345678"

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
                                reason="needs Debian's chromium")


def test_a_customer_does_a_whole_job_from_a_phone(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shots = SHOTS if os.environ.get("LOCKWARDEN_UPDATE_SNAPSHOTS") else tmp_path / "shots"
    stack = start_stack(deployment)
    photo = tmp_path / "id.jpg"
    photo.write_bytes(ID_PHOTO)
    driver = phone()
    try:
        base = stack.url
        driver.get(base + "/login")
        shot(driver, shots / "01-login.png")
        by_id(driver, "mobile").send_keys(MOBILE)
        by_id(driver, "send").click()
        code = stack.sms_code(MOBILE)
        until(driver, lambda: by_id(driver, "code"))
        shot(driver, shots / "02-code.png")
        by_id(driver, "code").send_keys(code)
        by_id(driver, "login").click()
        until(driver, lambda: by_id(driver, "new")).click()

        # The request: the browser's location fills the coordinates (granted and set through DevTools).
        driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": base, "permissions": ["geolocation"]})
        driver.execute_cdp_cmd("Emulation.setGeolocationOverride",
                               {"latitude": SITE[0], "longitude": SITE[1], "accuracy": 20})
        by_id(driver, "customer_name").send_keys("张三")
        by_id(driver, "customer_id_number").send_keys(resident_id(501, "19900101"))
        by_id(driver, "customer_id_photo").send_keys(str(photo))
        by_id(driver, "voucher_name").send_keys("李四")
        by_id(driver, "voucher_id_number").send_keys(resident_id(502, "19850101"))
        by_id(driver, "voucher_id_photo").send_keys(str(photo))
        by_id(driver, "site_address").send_keys("北京市东城区东长安街1号")
        by_id(driver, "locate").click()
        until(driver, lambda: by_id(driver, "site_lat").get_attribute("value"))
        shot(driver, shots / "03-request.png")
        by_id(driver, "submit").click()
        until(driver, lambda: by_id(driver, "state"), timeout=60)
        order_id = stack.order_of(f"web-{MOBILE}")
        assert order_id is not None and driver.current_url.endswith(f"/orders/{order_id}")
        shot(driver, shots / "04-finding.png")

        # A locksmith accepts: the customer sees the card with the photo, and accepts.
        stack.accept_offer(order_id)
        until(driver, lambda: by_id(driver, "accept"), refresh=True)
        img = by_id(driver, "photo")
        assert driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 0
        shot(driver, shots / "05-locksmith.png")
        by_id(driver, "accept").click()

        # Pay: the sandbox provider's page; the order forms when its signed notification reaches the hub.
        until(driver, lambda: by_id(driver, "pay"), refresh=True).click()
        until(driver, lambda: "Sandbox Pay" in driver.page_source)
        shot(driver, shots / "06-pay.png")
        driver.find_element(By.TAG_NAME, "button").click()
        until(driver, lambda: "Paid" in driver.page_source)
        driver.get(f"{base}/orders/{order_id}")
        code_el = until(driver, lambda: by_id(driver, "code"), refresh=True)
        service_code = code_el.text
        assert len(service_code) == 6 and service_code.isdigit()
        assert stack.world.state(order_id) == "formed"
        shot(driver, shots / "07-code.png")

        # The locksmith comes, checks the code, works; the customer warned before cancelling, then rates.
        kit = stack.world.kits[stack.lid]
        job = stack.world.job(stack.lid, order_id)
        assert job.set_out()["ok"]
        until(driver, lambda: by_id(driver, "forfeit"), refresh=True)
        # The kit's GNSS report reaches the hub (as hub/kit_records.py hands it over): the customer sees it.
        with stack.hub._lock:
            on_position(stack.hub.conn, stack.hub.clock, kit, SITE[0] + 0.012, SITE[1] + 0.004)
        until(driver, lambda: by_id(driver, "tracking"), refresh=True)
        shot(driver, shots / "08-on-the-way.png")
        # At the door the customer reads the code from the app; the kit proves it to the hub.
        assert job.arrive(code=service_code)["ok"]
        assert job.verify_locksmith()["ok"] and job.identity()["ok"]
        assert job.start()["ok"] and job.complete(15_000)["ok"]
        assert stack.world.state(order_id) == "awaiting_documents"
        until(driver, lambda: by_id(driver, "documents"), refresh=True).click()
        by_id(driver, "holder_name").send_keys("张三")
        by_id(driver, "id_photo").send_keys(str(photo))
        by_id(driver, "doc_photo").send_keys(str(photo))
        shot(driver, shots / "09-documents.png")
        by_id(driver, "send-docs").click()
        until(driver, lambda: by_id(driver, "documents-sent"))
        subs = stack.world.conn.execute("SELECT doc_types_json, submitted_by FROM document_submissions WHERE order_id = ?",
                                        (order_id,)).fetchall()
        assert [(r[0], r[1]) for r in subs] == [('["id_card", "property_deed"]', f"customer:web-{MOBILE}")], subs
        until(driver, lambda: by_id(driver, "rate"), refresh=True)
        shot(driver, shots / "10-rate.png")
        by_id(driver, "star4").click()
        by_id(driver, "rate").click()
        assert wait_until(lambda: stack.world.conn.execute("SELECT rating FROM orders WHERE id = ?",
                                                           (order_id,)).fetchone()[0] == 4, 30)
        until(driver, lambda: by_id(driver, "rated"), refresh=True)
        assert not driver.find_elements(By.ID, "code")  # used at the door: no longer shown
        followup = stack.world.conn.execute("SELECT channel, operator FROM followups WHERE order_id = ?",
                                            (order_id,)).fetchone()
        assert tuple(followup) == ("app", f"customer:web-{MOBILE}")
        assert balance(stack.world.conn, f"customer:web-{MOBILE}") == 5_000  # the prepayment back

        # Once more in English.
        driver.get(base + "/lang/en")
        driver.get(f"{base}/orders")
        assert "Your orders" in driver.page_source
        shot(driver, shots / "11-orders-en.png")
        driver.get(f"{base}/orders/{order_id}")
        assert "Order" in driver.page_source and "Documents" in driver.page_source or "Done" in driver.page_source
        shot(driver, shots / "12-order-en.png")
        print("\npage weights (bytes): " + ", ".join(f"{k} {v}" for k, v in WEIGHTS.items()))
        assert all(0 < v < 200_000 for v in WEIGHTS.values()), WEIGHTS  # a phone on a weak signal
    finally:
        driver.quit()
        stack.stop()
