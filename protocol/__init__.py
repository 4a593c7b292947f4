"""The MQTT contract shared by the kit (`edge`) and the hub (`hub`).

Topics, message types, the signed envelope and media chunking are defined here once; the
docs in `docs/mqtt.md` are rendered from these definitions. The package also holds the two
things every message depends on: the injected clock and the gettext catalogue.
"""

PROTOCOL_VERSION = 1
TOPIC_ROOT = "lw/v1"
