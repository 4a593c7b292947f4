"""The MQTT contract shared by the kit (`edge`) and the hub (`hub`).

Topics, message types, the signed envelope and media chunking are defined here once; the
docs in `docs/mqtt.md` are rendered from these definitions. The package also holds the two
things every message depends on: the injected clock and the gettext catalogue.
"""

PROTOCOL_VERSION = 1  # the envelope's `v`: its fields and signed bytes (unchanged since contract 1)
# The contract's revision, as docs/mqtt.md states it. 2: media chunks travel as binary frames
# (protocol/frame.py); a contract-1 sender's base64 `media.chunk` is still accepted through contract 2, so kits
# in the field drain their evidence while they are updated, and is refused from contract 3 on.
CONTRACT_VERSION = 2
TOPIC_ROOT = "lw/v1"
