"""A stand-in for OpsClient with canned answers. Left only for test_offline.py's follow-up form test (see the
note there on why the real hub cannot give its answers); everything else runs on the real hub."""

from __future__ import annotations

from typing import Any

ORDER = {"id": "01JGZ0000000000000000000AA", "customer_id": "tel-13712340001", "state": "awaiting_payment",
         "rule": "eta", "locksmith_id": "ls-1", "site_address": "北京市东城区东长安街1号", "updated_ms": 1767225600000}


class FakeClient:
    def __init__(self) -> None:
        self.seen: list[Any] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.stopped = False

    def call(self, op: str, args: dict[str, Any], *, txn: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
        self.calls.append((op, args))
        result: Any = {}
        if op == "order.list":
            result = [ORDER]
        elif op == "order.show":
            result = {**ORDER, "prepayment_fen": 5000, "deposit_fen": 20000, "escrow_balance": 0,
                      "transitions": [], "offers": [], "holds": []}
        elif op == "followup.record" and args.get("rating") == 9:
            return {"ok": False, "code": "invalid", "error": "invalid input",
                    "errors": [{"field": "rating", "message": "1 to 5"}]}
        return {"ok": True, "result": result}

    def upload(self, data: bytes, *, kind: str, order_id: str | None = None, timeout: float = 30.0) -> str:
        import hashlib

        self.calls.append(("upload", {"kind": kind, "size": len(data)}))
        return hashlib.sha256(data).hexdigest()

    def events_since(self, mark: int) -> tuple[list[Any], int]:
        return self.seen[mark:], len(self.seen)

    def ops(self, name: str) -> list[dict[str, Any]]:
        return [args for op, args in self.calls if op == name]

    def stop(self) -> None:
        self.stopped = True
