"""Building the job flow for a provisioned kit directory (`kit.toml` + `job.toml`), for the kit service,
the demo and the step-by-step CLI."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from edge.hardware.config import HardwareConfig, from_dict
from edge.job.camera import KitCamera
from edge.job.config import JobConfig, load_job_config
from edge.job.detached import DetachedCamera
from edge.job.devices import Camera, Devices
from edge.job.flow import JobFlow
from edge.job.hardware import open_devices
from edge.store import KitStore


def hardware_config(raw: dict[str, object]) -> HardwareConfig:
    return from_dict(dict(raw))


def recorder_argv(kit_dir: Path) -> Callable[[str], list[str]]:
    def argv(order_id: str) -> list[str]:
        return [sys.executable, "-m", "lockwarden", "kit", "job", "record-video", "--dir", str(kit_dir),
                "--order", order_id]

    return argv


def make_job_flow(
    store: KitStore,
    kit_dir: Path,
    hardware: HardwareConfig,
    *,
    detached_video: bool = False,
    devices: Devices | None = None,
    config: JobConfig | None = None,
) -> JobFlow:
    """The flow over the kit's store and hardware. The kit service records video in-process
    (`detached_video=False`); the CLI, whose commands are short processes, in a recorder process."""
    config = config or load_job_config(Path(kit_dir))
    if devices is None:
        camera: Camera
        if detached_video:
            stills = KitCamera(hardware.camera)
            camera = DetachedCamera(lambda: stills, recorder_argv(Path(kit_dir)))
        else:
            camera = KitCamera(hardware.camera)
        devices = open_devices(hardware, camera, fix_wait_s=config.job.fix_wait_s)
        inner_close = devices.close

        def close_all() -> None:
            inner_close()
            close_camera = getattr(camera, "close", None)
            if close_camera is not None:
                close_camera()
            if detached_video:
                stills.close()

        devices.close = close_all
    return JobFlow(store, devices, settings=config.job, locksmiths=config.locksmiths)
