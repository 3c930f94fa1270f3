"""deploy/local/infra.py's FerretDB patches: real unified diffs applied with git, refused when they no longer
apply, and part of the build stamp (tests/integration/test_mongo_server.py checks what they fix)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from deploy.local import infra

ORIGINAL = "package demo\n\nfunc limit() int {\n\treturn 1\n}\n"
FIX = """Makes the limit 2 (why: a header like the real patches').

diff --git a/pkg/demo.go b/pkg/demo.go
--- a/pkg/demo.go
+++ b/pkg/demo.go
@@ -3,3 +3,3 @@
 func limit() int {
-\treturn 1
+\treturn 2
 }
diff --git a/pkg/added.go b/pkg/added.go
new file mode 100644
--- /dev/null
+++ b/pkg/added.go
@@ -0,0 +1 @@
+package demo
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A module copy inside an enclosing git repository, as the cache sits inside this repository."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    module = tmp_path / "build" / "module"
    (module / "pkg").mkdir(parents=True)
    (module / "pkg" / "demo.go").write_text(ORIGINAL)
    return module


def test_a_patch_applies_to_the_copy_even_inside_another_repository(tree: Path, tmp_path: Path) -> None:
    patch = tmp_path / "0001-fix.patch"
    patch.write_text(FIX)
    infra.apply_patches(tree, [patch])
    assert "return 2" in (tree / "pkg" / "demo.go").read_text()
    assert (tree / "pkg" / "added.go").read_text() == "package demo\n"


def test_a_patch_that_no_longer_applies_stops_the_build_unwritten(tree: Path, tmp_path: Path) -> None:
    (tree / "pkg" / "demo.go").write_text(ORIGINAL.replace("return 1", "return 7"))
    patch = tmp_path / "0001-fix.patch"
    patch.write_text(FIX)
    with pytest.raises(infra.InfraError, match=r"patch 0001-fix\.patch does not apply"):
        infra.apply_patches(tree, [patch])
    assert "return 7" in (tree / "pkg" / "demo.go").read_text()
    assert not (tree / "pkg" / "added.go").exists()


def test_every_ferretdb_patch_says_why_and_is_a_git_diff() -> None:
    patches = infra.ferretdb_patches()
    assert [p.name[:4] for p in patches] == [f"{n:04d}" for n in range(1, len(patches) + 1)]
    for patch in patches:
        header, _, body = patch.read_text().partition("\ndiff --git a/")
        assert "FerretDB v1.24.2" in header and "Why:" in header, patch.name
        assert body and "\n@@ " in body, patch.name
    assert not list(infra.FERRETDB_SRC.glob("*.go.in")), "added Go files live inside the patches"


def test_the_build_stamp_changes_with_any_patch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "patches"
    shutil.copytree(infra.FERRETDB_PATCHES_DIR, copy)
    monkeypatch.setattr(infra, "FERRETDB_PATCHES_DIR", copy)
    keys = {infra._ferretdb_key()}
    first = sorted(copy.glob("*.patch"))[0]
    first.write_text(first.read_text().replace("_id", "_ID", 1))
    keys.add(infra._ferretdb_key())
    first.rename(copy / "0009-renamed.patch")
    keys.add(infra._ferretdb_key())
    (copy / "0010-new.patch").write_text(FIX)
    keys.add(infra._ferretdb_key())
    assert len(keys) == 4
