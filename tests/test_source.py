"""The step-code digest that reruns a rule when its code changes."""

import shutil

import pytest

from framescape import source


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A copy of the package's sources to edit."""
    copy = tmp_path / "framescape"
    shutil.copytree(source.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(source, "PACKAGE", copy)
    return copy


def test_closure_follows_imports_through_the_package():
    assert source.module_closure("distances") >= {"distances", "kernels", "tiles"}
    assert "viewer" not in source.module_closure("distances")
    assert "distances" not in source.module_closure("merge")
    assert "pictures" in source.module_closure("viewer")


def test_closure_skips_imports_inside_functions():
    """movies.write_outcomes imports the pages' code when the run ends; the
    frames' step never runs it: editing the pages or the reuse stage reruns
    no frames, and the reuse stage's matching no movie's descriptors."""
    frames = source.module_closure("frames")
    assert "movies" in frames
    assert not frames & {"viewer", "reuse_view", "reuse", "reuse_descriptors"}
    assert "reuse" not in source.module_closure("reuse_descriptors")
    assert "reuse_descriptors" not in source.module_closure("reuse")


def test_an_edit_changes_the_digest_of_every_module_that_uses_it(package):
    before = {name: source.code_digest(name) for name in ("distances", "merge")}
    kernels = package / "kernels.py"
    kernels.write_text(kernels.read_text() + "\n# an edit\n")
    assert source.code_digest("distances") != before["distances"]
    assert source.code_digest("merge") == before["merge"]


def test_folders_count_for_the_digest(package):
    with_assets = source.code_digest("viewer", "viewer_assets")
    code_only = source.code_digest("viewer")
    script = package / "viewer_assets" / "framescape.js"
    script.write_text(script.read_text() + "\n// an edit\n")
    assert source.code_digest("viewer", "viewer_assets") != with_assets
    assert source.code_digest("viewer") == code_only
