"""`lockwarden kit route`: the route of the current order from one GNSS fix, read through the real NMEA reader
from the GNSS emulator on a pty (the rig starts it about 33 m north of the site; job.toml's radius is 150 m)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from edge.app import change_kit_settings
from lockwarden.cli import main
from tests.job.conftest import CODE, SITE, order_body
from tests.job.rig import LOCKSMITH_FINGER, KitRig
from tests.job.test_route import offset


def _route(rig: KitRig, capsys: pytest.CaptureFixture[str], *extra: str, lang: str = "en") -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--lang", lang, "kit", "route", "--dir", str(rig.dir), *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def _moved(rig: KitRig, below_lat: float) -> None:
    """The service's receiver keeps its last fix: wait (bounded) for the emulator's next sentence."""
    for _ in range(200):
        fix = rig.service.flow.position()
        if fix is not None and fix.lat < below_lat:
            return
        time.sleep(0.05)
    raise AssertionError("the kit service never saw the move")


def _receive(rig: KitRig, tmp_path: Path, body: dict[str, Any]) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    assert rig.run("receive", str(order)) == 0


def test_route_of_the_current_order(rig: KitRig, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _route(rig, capsys)
    assert code == 5 and "The kit service is not running" in out  # the route comes from the service
    rig.start_service()
    code, out = _route(rig, capsys)
    assert code == 3 and "No job on this kit" in out

    _receive(rig, tmp_path, order_body())
    code, out = _route(rig, capsys)
    assert code == 0
    assert "Site: 北京市东城区东长安街1号" in out
    assert "Distance: 33 m in a straight line" in out  # 0.0003° of latitude
    assert "Direction: ↓ south (180°)" in out  # the site is due south of the kit
    assert "You are at the site (within 150 m): enter the customer's service code" in out

    leg = 1200 / 2 ** 0.5
    rig.gnss.move_to(*offset(SITE, -leg, -leg))  # 1.2 km south-west of the site: drive north-east
    _moved(rig, SITE[0] - 0.005)
    code, out = _route(rig, capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Order 01JGZ0000000000000000000AA" and lines[1].startswith("Site: ")
    assert lines[2:6] == ["Direction: ↗ northeast (45°)", "Distance: 1.2 km in a straight line",
                          "By road: about 1.7 km (estimate)", "Estimated arrival: 4 min"]  # 1680 m at 25 km/h
    assert lines[6].startswith("Position: 39.90") and lines[6].endswith("(9 satellites)")
    assert lines[7:] == ["Arrival counts within 150 m of the site"]

    code, out = _route(rig, capsys, lang="zh_CN")
    assert "方向：↗ 东北（45°）" in out and "直线距离：1.2 公里" in out and "道路距离：约 1.7 公里（估算）" in out

    code, out = _route(rig, capsys, "--json")
    data = json.loads(out)
    assert code == 0 and data["route"]["compass"] == "NE" and data["route"]["arrived"] is False
    assert data["route"]["distance_m"] == pytest.approx(1200, abs=1)
    assert data["route"]["eta_s"] == round(data["route"]["road_distance_m"] / (25 / 3.6))
    assert data["arrival_radius_m"] == 150 and data["position"]["lat"] < SITE[0]

    # The installer's [route] settings in kit.toml: a slower city with more detours.
    change_kit_settings(rig.dir, route={"circuity": 2.0, "speed_kmh": 12.0})
    data = json.loads(_route(rig, capsys, "--json")[1])
    assert data["route"]["road_distance_m"] == pytest.approx(2400, abs=2)
    assert data["route"]["eta_s"] == pytest.approx(720, abs=1)  # 2.4 km at 12 km/h


def test_route_after_arrival_says_so(rig: KitRig, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _receive(rig, tmp_path, order_body())
    rig.fp.place_finger(LOCKSMITH_FINGER)
    assert rig.run("login") == 0
    assert rig.run("arrive", "--code", CODE) == 0
    code, out = _route(rig, capsys)
    assert code == 0 and "Arrival is recorded for this order" in out
    assert "You are at the site" not in out


def test_order_without_site_location(rig: KitRig, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _receive(rig, tmp_path, {k: v for k, v in order_body().items() if k not in ("site_lat", "site_lon")})
    code, out = _route(rig, capsys)
    assert code == 3
    assert "Site: 北京市东城区东长安街1号" in out
    assert "The order has no site location: only the address can be shown" in out
    assert "Distance" not in out
