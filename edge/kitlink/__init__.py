"""The kit link: how the locksmith's UI (`lockwarden kit-ui`) talks to the one kit service of a kit.

The kit service (`lockwarden kit run`) owns the store, the sync with the hub (the kit's only MQTT session)
and the hardware (the only process that opens a serial port). It serves this link on a unix socket in the
kit directory; the UI attaches with `KitLinkClient`, which looks like the in-process `KitService` to the
screens, so the UI never builds a second service.

Wire (edge/kitlink/wire.py): one JSON object per line. A `call` names a method of the allow-list
(edge/kitlink/methods.py) with its arguments and is answered by one `reply`; a `subscribe` turns the
connection into an event stream (`event` lines: offers or job changed), so the UI redraws at once.
"""
