"""Sealed evidence is re-sealed for the police: only the police key opens the copy, the hub's own key
does not, and a copy moved to another file id does not open (the id is bound as associated data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.evidence.police_copy import open_police_copy, reseal_for_police
from hub.ingest.mediastore import MediaStore
from protocol.keys import SealingKey
from protocol.sealed import SealError, open_sealed, seal


def test_police_copy_opens_only_with_the_police_key(tmp_path: Path) -> None:
    hub, police = SealingKey.generate(), SealingKey.generate()
    photo = b"\xff\xd8 id card photo"
    store = MediaStore(tmp_path / "media")
    sealed = seal(photo, hub.private.public_key(), aad=b"F1")
    sha = store.put(sealed)
    copy_sha = reseal_for_police(store, {"sha256": sha, "file_id": "F1"}, hub.private, police.private.public_key())
    copy = store.read(copy_sha)
    assert photo not in copy
    assert open_police_copy(copy, "F1", police.private) == photo
    with pytest.raises(SealError):
        open_police_copy(copy, "F2", police.private)
    with pytest.raises(SealError):
        open_sealed(copy, hub.private, aad=b"F1")
