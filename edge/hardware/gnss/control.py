"""Driving a running GNSS emulator from outside its process, one command per line (edge/hardware/control.py):

    goto 39.9087 116.3975     # the receiver is now there (the kit drives to the site)
    lose-fix                  # in a garage: no fix until `fix`
    fix                       # a good fix again
    status                    # where it is and whether it has a fix
"""

from __future__ import annotations

import math
from typing import Any

from protocol.i18n import _


def usage() -> str:
    return _("Commands: goto LAT LON, lose-fix, fix, status, help")


def run_command(emu: Any, line: str) -> str:
    """Apply one command line to `emu` (a GnssEmulator); the reply is for a person."""
    parts = line.split()
    if not parts:
        return ""
    cmd, args = parts[0].lower(), parts[1:]
    if cmd in ("goto", "move"):
        try:
            lat, lon = (float(a) for a in args)
        except ValueError:
            return _("Give the position in degrees: goto LAT LON")
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            return _("Latitude is -90..90 and longitude -180..180 degrees")
        emu.move_to(lat, lon)
        return _("Receiver at {lat:.5f}, {lon:.5f}").format(lat=lat, lon=lon)
    if cmd == "lose-fix":
        emu.lose_fix()
        return _("Fix lost")
    if cmd == "fix":
        emu.set_fix()
        return _("Fix regained")
    if cmd == "status":
        fix = _("fix") if emu.fix_quality > 0 else _("no fix")
        return _("Receiver at {lat:.5f}, {lon:.5f}; {fix}").format(lat=emu.lat, lon=emu.lon, fix=fix)
    if cmd == "help":
        return usage()
    return _("Unknown command {command}. {usage}").format(command=cmd, usage=usage())
