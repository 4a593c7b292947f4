"""The locksmith's Textual app on the kit's touchscreen (`lockwarden kit-ui`).

A thin adapter over the kit service (`edge.service.KitService`: its OfferInbox and JobFlow): every decision
(which step may come next, what is recorded, what is signed) stays in the domain code, which never imports
textual. `make_kit_ui(service)` is the one factory for the CLI and the tests.
"""

from __future__ import annotations

from typing import Any


def make_kit_ui(service: Any) -> Any:
    """The Textual app over a built `KitService` (started or not: the app never starts or stops it)."""
    from lockwarden.kit_ui.app import KitUI

    return KitUI(service)
