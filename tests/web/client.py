"""The attack tests' HTTP client (lockwarden/demo/web_client.py) and logging in through the SMS code."""

from __future__ import annotations

from typing import Any

from lockwarden.demo.web_client import Client

__all__ = ["Client", "login"]


def login(client: Client, stack: Any, mobile: str) -> None:
    client.get("/login")
    status, _t, h = client.post("/login", {"mobile": mobile})
    assert status == 303 and h["location"].startswith("/login/code"), (status, _t)
    code = stack.sms_code(mobile)
    client.get(h["location"])
    status, text, h = client.post("/login/code", {"mobile": mobile, "code": code})
    assert status == 303 and h["location"] == "/orders", (status, text)
    client.get("/orders")
