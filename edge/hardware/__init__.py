"""The kit's hardware: fingerprint sensor, camera and GNSS receiver, each behind the real driver stack,
each with an emulator or generated source that plugs in behind the same factory (`edge.hardware.factory`)."""
