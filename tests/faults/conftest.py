"""The police fixtures (keys, sealer, fake clock, English messages) for the export's full-disk tests."""

from tests.conftest import deployment  # noqa: F401
from tests.police.conftest import clock, english, hub_key, sealer  # noqa: F401
