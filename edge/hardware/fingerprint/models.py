"""Sensor models the emulator can be: what differs between R30x / ZFM / AS608 / R503 modules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SensorModel:
    name: str
    capacity: int  # templates in the library
    template_size: int  # bytes of one characteristics file (UpChar / DownChar)
    packet_size_code: int = 2  # 0..3 = 32/64/128/256-byte data packets
    baud_n: int = 6  # baud = 9600 * N
    system_id: int = 0x0009
    security_level: int = 3  # 1..5
    has_led: bool = False  # R503 ring LED (Aura)


MODELS: dict[str, SensorModel] = {
    "r307": SensorModel("r307", capacity=1000, template_size=512),
    "zfm20": SensorModel("zfm20", capacity=162, template_size=512),
    "as608": SensorModel("as608", capacity=300, template_size=512),
    "r503": SensorModel("r503", capacity=200, template_size=1536, has_led=True),
}


def model(name: str) -> SensorModel:
    try:
        return MODELS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown sensor model {name!r}; one of {', '.join(MODELS)}") from None
