"""Each rule's conda environment provides what its script imports."""

import ast
import re
import sys

import pytest
import yaml

from conftest import REPO

PACKAGE = REPO / "src" / "framescape"

# Import name → conda-forge package name.
PACKAGES = {
    "numpy": "numpy",
    "numba": "numba",
    "sklearn": "scikit-learn",
    "umap": "umap-learn",
    "imageio": "imageio",
    "imageio_ffmpeg": "imageio-ffmpeg",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "jsonschema": "jsonschema",
    "scipy": "scipy",
    "threadpoolctl": "threadpoolctl",
    "llvmlite": "llvmlite",
    "matplotlib": "matplotlib-base",
    "bokeh": "bokeh",
    "ffmpeg": "ffmpeg-python",
    "jinja2": "jinja2",
}
RULE = re.compile(
    r"^(?:rule|checkpoint) (\w+):\n(.*?)(?=^(?:rule|checkpoint) |^# |\Z)", re.MULTILINE | re.DOTALL
)
DIRECTIVE = re.compile(r'^    (conda|script):\n        "([^"]+)"', re.MULTILINE)


def rules_with_envs():
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for name, body in RULE.findall(smk.read_text()):
            directives = dict(DIRECTIVE.findall(body))
            if "script" in directives:
                yield name, smk.parent, directives


def imported_packages(script, seen=None):
    """Third-party packages imported by ``script`` and by the framescape modules
    it uses, followed through the package."""
    seen = set() if seen is None else seen
    packages = set()
    for node in ast.walk(ast.parse(script.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "framescape":
                names = [f"framescape.{alias.name}" for alias in node.names]
        for name in names:
            top = name.split(".")[0]
            if top == "framescape":
                local = PACKAGE / f"{name.split('.')[1]}.py"
                assert local.is_file(), f"{script.name} imports {name}: no such module"
                if local not in seen:
                    seen.add(local)
                    packages |= imported_packages(local, seen)
            elif top not in sys.stdlib_module_names:
                packages.add(top)
    return packages


@pytest.mark.parametrize("rule, folder, directives", list(rules_with_envs()))
def test_env_has_what_the_script_imports(rule, folder, directives):
    assert "conda" in directives, f"rule {rule} has a script but no conda env"
    env = yaml.safe_load((folder / directives["conda"]).read_text())
    provided = {
        re.split(r"[=<>\s]", dep)[0]
        for dep in env["dependencies"]
        if isinstance(dep, str)
    }
    assert "python" in provided
    needed = imported_packages((folder / directives["script"]).resolve())
    missing = {PACKAGES[name] for name in needed} - provided
    assert not missing, f"rule {rule}: {directives['conda']} lacks {sorted(missing)}"


def test_every_script_rule_was_found():
    assert {rule for rule, _, _ in rules_with_envs()} == {
        "probe_movie",
        "extract_frames",
        "list_movies",
        "compute_distance_tile",
        "compute_distances",
        "embed",
        "scale",
        "merge_json",
        "plot_maps",
        "plot_distances",
        "nearest_frames",
        "copy_viewer_assets",
        "make_viewer",
        "make_index",
    }
