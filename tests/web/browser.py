"""Debian's Chromium through Selenium and Debian's chromedriver (nothing downloaded), at a phone's viewport."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=390,844", "--force-device-scale-factor=1")


def phone(lang: str = "zh-CN") -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for f in FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--lang={lang}")
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(60)
    viewport(driver, 844)
    return driver


def viewport(driver: Any, height: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": height, "deviceScaleFactor": 1, "mobile": True})


def until(driver: Any, find: Callable[[], Any], timeout: float = 40, refresh: bool = False) -> Any:
    """Poll for something on the page; with refresh, reload between tries (the app is server-rendered)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = find()
            if got:
                return got
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise TimeoutError("not on the page")
        time.sleep(0.5)
        if refresh:
            driver.refresh()


WEIGHTS: dict[str, int] = {}


def weight(driver: Any) -> int:
    """Bytes the page took over the wire: the document and everything it loaded (the locksmith's photo)."""
    return int(driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0];"
        "return (n ? n.encodedBodySize : 0) + performance.getEntriesByType('resource')"
        ".reduce((s, r) => s + (r.encodedBodySize || 0), 0);"))


def shot(driver: Any, path: Path) -> None:
    """A full-page screenshot at the phone's width (and the page's weight, for the docs)."""
    WEIGHTS[path.stem] = weight(driver)
    height = driver.execute_script("return Math.max(document.documentElement.scrollHeight, 844)")
    viewport(driver, min(int(height), 3000))
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    viewport(driver, 844)


def by_id(driver: Any, ident: str) -> Any:
    return driver.find_element(By.ID, ident)
