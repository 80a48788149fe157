"""Evidence records of files a gate read (gates/io/safe.py: evidence_for)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from gates.io import safe


def test_evidence_names_the_file_read_where_it_is(tmp_path: Path) -> None:
    """Through a link, the record names the target, relative to the resolved root; the digest
    and size are of the bytes read."""
    real_root = tmp_path / "real"
    (real_root / "lib").mkdir(parents=True)
    (real_root / "lib" / "a.js").write_bytes(b"console.log(1)")
    (real_root / "b.js").symlink_to(real_root / "lib" / "a.js")
    linked_root = tmp_path / "linked"
    linked_root.symlink_to(real_root, target_is_directory=True)
    item = safe.evidence_for(linked_root / "b.js", linked_root)
    assert item.path == "lib/a.js"
    assert item.sha256 == hashlib.sha256(b"console.log(1)").hexdigest() and item.size == 14
    given = safe.evidence_for(linked_root / "b.js", linked_root, resolved_root=real_root)
    assert given == item


def test_an_open_file_that_is_no_path_is_resolved_another_way() -> None:
    """What /proc says of a pipe is no path: the caller falls back to ``Path.resolve``."""
    read, write = os.pipe()
    try:
        assert safe._opened_path(read) is None
    finally:
        os.close(read)
        os.close(write)


def test_a_file_unlinked_while_open_is_resolved_another_way(tmp_path: Path) -> None:
    path = tmp_path / "gone.js"
    path.write_text("x")
    with path.open("rb") as fh:
        assert safe._opened_path(fh.fileno()) == path.resolve()
        path.unlink()
        assert safe._opened_path(fh.fileno()) is None
