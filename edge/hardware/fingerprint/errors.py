"""Typed errors for every confirmation code of the sensor, with a message a person can act on."""

from __future__ import annotations

from protocol.i18n import _


def _messages() -> dict[int, str]:
    # Built on each call so the text follows the language selected at run time.
    return {
        0x01: _("The fingerprint sensor did not receive the command correctly"),
        0x02: _("No finger on the sensor"),
        0x03: _("The sensor could not take an image; clean the sensor and place the finger again"),
        0x06: _("The fingerprint image is too messy; dry the finger and place it again"),
        0x07: _("Too few fingerprint features; place more of the finger flat on the sensor"),
        0x08: _("The fingerprints do not match"),
        0x09: _("No matching fingerprint was found"),
        0x0A: _("The two images are not of the same finger; start the enrolment again"),
        0x0B: _("The fingerprint slot number is outside the sensor's library"),
        0x0C: _("The sensor could not read the template from its library (empty or invalid slot)"),
        0x0D: _("The sensor could not upload the fingerprint template"),
        0x0E: _("The sensor could not receive the data packets"),
        0x0F: _("The sensor could not upload the image"),
        0x10: _("The sensor could not delete the template"),
        0x11: _("The sensor could not clear its fingerprint library"),
        0x13: _("Wrong fingerprint sensor password"),
        0x15: _("There is no valid fingerprint image in the sensor's buffer"),
        0x18: _("The fingerprint sensor's flash memory failed"),
        0x1A: _("Invalid fingerprint sensor register or parameter"),
        0x20: _("The fingerprint sensor address does not match"),
        0x21: _("The fingerprint sensor requires its password first"),
    }


def message_for(code: int) -> str:
    return _messages().get(code) or _("Unknown fingerprint sensor error (code 0x{code:02X})").format(code=code)


class FingerprintError(Exception):
    """A sensor answered with a confirmation code other than OK (or could not be talked to: code -1)."""

    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else message_for(code)
        super().__init__(f"[0x{code & 0xFF:02X}] {self.message}" if code >= 0 else self.message)


class NoFinger(FingerprintError):
    """0x02: nothing on the sensor; the UI asks the person to place the finger."""


class BadImage(FingerprintError):
    """0x03, 0x06, 0x07, 0x15: an image was taken but cannot be used; try again."""


class NoMatch(FingerprintError):
    """0x08, 0x09, or a match below the configured score threshold."""


class EnrollMismatch(FingerprintError):
    """0x0A: the two enrolment images are of different fingers."""


class DuplicateFinger(FingerprintError):
    """Enrolment refused: this finger is already stored in another slot of the sensor library."""


class LibraryError(FingerprintError):
    """0x0B, 0x0C, 0x10, 0x11, 0x18: the sensor's template library."""


class TransferError(FingerprintError):
    """0x01, 0x0D, 0x0E, 0x0F, or a bulk transfer that did not arrive whole."""


class PasswordError(FingerprintError):
    """0x13, 0x21."""


class ConfigurationError(FingerprintError):
    """0x1A, 0x20, or a sensor configuration the driver refuses (e.g. 32-byte packets)."""


class SensorUnavailable(FingerprintError):
    """The sensor does not answer or answers garbage (wiring, port, baud rate)."""


_CLASSES: dict[int, type[FingerprintError]] = {
    0x01: TransferError,
    0x02: NoFinger,
    0x03: BadImage,
    0x06: BadImage,
    0x07: BadImage,
    0x08: NoMatch,
    0x09: NoMatch,
    0x0A: EnrollMismatch,
    0x0B: LibraryError,
    0x0C: LibraryError,
    0x0D: TransferError,
    0x0E: TransferError,
    0x0F: TransferError,
    0x10: LibraryError,
    0x11: LibraryError,
    0x13: PasswordError,
    0x15: BadImage,
    0x18: LibraryError,
    0x1A: ConfigurationError,
    0x20: ConfigurationError,
    0x21: PasswordError,
}


def error_for(code: int) -> FingerprintError:
    """The typed exception for a confirmation code."""
    return _CLASSES.get(code, FingerprintError)(code)


def check(code: int) -> None:
    if code != 0:
        raise error_for(code)
