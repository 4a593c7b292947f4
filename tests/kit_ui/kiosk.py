"""Driving the served kit UI in Debian's Chromium (selenium + /usr/bin/chromedriver; nothing downloaded):
where a button is on the page is computed by a twin of the same app at the same cell size (the layout is
fixed: buttons keep their places), and a tap is a real touch event sent over the DevTools protocol."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.screen import Screen

from lockwarden.kit_ui import make_kit_ui

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
PANEL = (800, 480)


def chromium() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    # The panel's size exactly (a headless window's size includes no browser chrome this way), with touch.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": PANEL[0], "height": PANEL[1],
                                                                   "deviceScaleFactor": 1, "mobile": False})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
    return driver


class Kiosk:
    def __init__(self, driver: Any, server_log: Path, service: Any) -> None:
        self.driver = driver
        self.server_log = server_log
        self.service = service
        self.cols = self.rows = 0
        self.cell = (0.0, 0.0)
        self.origin = (0.0, 0.0)

    def wait_started(self, timeout_s: float = 120) -> None:
        """Until the app's first bytes arrived and the server logged the terminal's size."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            body = self.driver.find_element("tag name", "body").get_attribute("class") or ""
            urls = self.driver.execute_script("return (window.lockwardenSockets || []).join(' ');")
            found = re.findall(r"width=(\d+)&height=(\d+)", urls)
            if "-first-byte" in body and found:
                self.cols, self.rows = int(found[-1][0]), int(found[-1][1])
                x, y, w, h = self.driver.execute_script(
                    "const r=document.querySelector('.xterm-screen').getBoundingClientRect();"
                    "return [r.left, r.top, r.width, r.height];")
                self.origin, self.cell = (x, y), (w / self.cols, h / self.rows)
                return
            time.sleep(0.3)
        raise AssertionError("the served kit UI did not start")

    def where(self, screen: Callable[[], Screen[Any]], widget_id: str) -> tuple[float, float]:
        """The page coordinates of the middle of `widget_id` on `screen`, from a twin of the app."""
        return self.places(screen, [widget_id])[widget_id]

    def places(self, screen: Callable[[], Screen[Any]], widget_ids: list[str]) -> dict[str, tuple[float, float]]:
        """`where` for several widgets of one screen at once (one twin: a keyboard's keys)."""
        regions: dict[str, Any] = {}

        async def twin() -> None:
            app = make_kit_ui(self.service)
            app.shown_offers = set(self.service.offers.offers)  # no offer pops up over the twin
            async with app.run_test(size=(self.cols, self.rows)) as pilot:
                app.push_screen(screen())
                for _n in range(20):
                    await pilot.pause(0.05)
                regions.update({w: app.screen.query_one(f"#{w}").region for w in widget_ids})

        thread = threading.Thread(target=lambda: asyncio.run(twin()))
        thread.start()
        thread.join(timeout=60)
        return {w: (self.origin[0] + (r.x + r.width / 2) * self.cell[0],
                    self.origin[1] + (r.y + r.height / 2) * self.cell[1]) for w, r in regions.items()}

    def tap(self, point: tuple[float, float]) -> None:
        x, y = point
        send = self.driver.execute_cdp_cmd
        send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def click(self, point: tuple[float, float]) -> None:
        x, y = point
        send = self.driver.execute_cdp_cmd
        send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        send("Input.dispatchMouseEvent", {"type": "mousePressed", "x": x, "y": y, "button": "left", "clickCount": 1})
        send("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": x, "y": y, "button": "left", "clickCount": 1})

    def shot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))


def wait(cond: Callable[[], bool], timeout_s: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"not reached: {what}")
