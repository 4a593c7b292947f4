"""The on-site job on the kit (R-8, R-9, R-10): the step table, the flow, the evidence bundle and the form."""

from edge.job.devices import (
    Camera,
    Devices,
    FingerMatch,
    FingerprintReader,
    Fix,
    Photo,
    PositionSource,
    Segment,
)
from edge.job.flow import JobFlow, JobView
from edge.job.steps import TRANSITIONS, Step, StepRefused

__all__ = [
    "TRANSITIONS", "Camera", "Devices", "FingerMatch", "FingerprintReader", "Fix", "JobFlow", "JobView", "Photo",
    "PositionSource", "Segment", "Step", "StepRefused",
]
