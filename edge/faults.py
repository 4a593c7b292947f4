"""What the locksmith reads when a device or the kit fails: what happened and what to do, in words.

A sensor's confirmation code ("[0x09]"), an errno or an exception's name is for the record and the log
(the flow records the attempt with `str(exc)`); the screen gets one translated sentence from here. The
kit link sends this text for a failed call, so the UI never sees the code either."""

from __future__ import annotations

from edge.hardware.camera.codecs import NoEncoder
from edge.hardware.camera.sources import CameraUnavailable
from edge.hardware.fingerprint.errors import (
    BadImage,
    DuplicateFinger,
    EnrollMismatch,
    FingerprintError,
    NoFinger,
    NoMatch,
)
from edge.hardware.gnss.reader import GnssUnavailable
from edge.store.errors import StoreError
from protocol.i18n import _


def _again() -> str:
    return _("Try again; if it keeps happening, restart the kit and call your service unit")


def fault_text(exc: BaseException) -> str:
    """One sentence a person can act on, for any exception a kit step or device can raise."""
    if isinstance(exc, NoFinger):
        return _("No finger on the sensor: place the finger flat on the sensor and try again")
    if isinstance(exc, NoMatch):
        return _("The fingerprint was not recognised: place an enrolled finger flat on the sensor and try again")
    if isinstance(exc, (BadImage, EnrollMismatch, DuplicateFinger)):
        return exc.message  # these messages already say what to do with the finger
    if isinstance(exc, FingerprintError):
        return _("The fingerprint sensor is not working. {again}").format(again=_again())
    if isinstance(exc, (CameraUnavailable, NoEncoder)):
        return _("The camera is not working: check its cable. {again}").format(again=_again())
    if isinstance(exc, GnssUnavailable):
        return _("The position receiver (GNSS) is not working: check its cable. {again}").format(again=_again())
    if isinstance(exc, StoreError):
        return str(exc)  # the store's refusals are written for the locksmith already
    if isinstance(exc, OSError):
        return _("A device of the kit does not answer. {again}").format(again=_again())
    return _("The kit could not do this step. {again}").format(again=_again())
