"""Building the job flow for a provisioned kit directory (`kit.toml` + `job.toml`), for the kit service,
the demo and the step-by-step CLI."""

from __future__ import annotations

from pathlib import Path

from edge.hardware.config import HardwareConfig, from_dict
from edge.job.camera import KitCamera
from edge.job.config import JobConfig, load_job_config
from edge.job.devices import Devices
from edge.job.flow import JobFlow
from edge.job.hardware import open_devices
from edge.store import KitStore


def hardware_config(raw: dict[str, object]) -> HardwareConfig:
    return from_dict(dict(raw))


def make_job_flow(
    store: KitStore,
    kit_dir: Path,
    hardware: HardwareConfig,
    *,
    devices: Devices | None = None,
    config: JobConfig | None = None,
) -> JobFlow:
    """The flow over the kit's store and hardware; the kit service records video in its own process (the
    CLI works through the service, edge/kitlink)."""
    config = config or load_job_config(Path(kit_dir))
    if devices is None:
        camera = KitCamera(hardware.camera)
        devices = open_devices(hardware, camera, fix_wait_s=config.job.fix_wait_s)
        inner_close = devices.close

        def close_all() -> None:
            inner_close()
            camera.close()

        devices.close = close_all
    return JobFlow(store, devices, settings=config.job, locksmiths=config.locksmiths)
