"""Each rule's conda environment provides what its script imports."""

import ast
import re
import sys

import pytest
import yaml

from framescape.testing import REPO

PACKAGE = REPO / "src" / "framescape"

# Import name → conda-forge package name.
PACKAGES = {
    "numpy": "numpy",
    "numba": "numba",
    "sklearn": "scikit-learn",
    "umap": "umap-learn",
    "openTSNE": "opentsne",
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
    "opentimelineio": "opentimelineio",
    "faiss": "faiss-cpu",
}
RULE = re.compile(
    r"^(?:rule|checkpoint) (\w+):\n(.*?)(?=^(?:rule|checkpoint) |^# |\Z)",
    re.MULTILINE | re.DOTALL,
)
DIRECTIVE = re.compile(r'^    (conda|script):\n        "([^"]+)"', re.MULTILINE)


def rules_with_envs():
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for name, body in RULE.findall(smk.read_text()):
            directives = dict(DIRECTIVE.findall(body))
            if "script" in directives:
                yield name, smk.parent, directives


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def source_of(module):
    """The file of the framescape module ``module`` (dotted), or None."""
    path = PACKAGE.joinpath(*module.split(".")[1:]).with_suffix(".py")
    return path if path.is_file() else None


def imported_packages(path, names=(), seen=None):
    """Third-party packages that running ``path`` imports: its module-level code,
    the functions ``names`` of it, and, followed through the framescape package,
    every function these refer to. An import inside a function counts only where
    that function is reached (a job never runs what only Snakemake's own
    process runs when the run ends, such as the index of outcomes)."""
    seen = set() if seen is None else seen
    tree = ast.parse(path.read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, FUNCTIONS)}
    work = []
    if (path, None) not in seen:
        seen.add((path, None))
        work += [node for node in tree.body if not isinstance(node, FUNCTIONS)]
    for name in names:
        if name in functions and (path, name) not in seen:
            seen.add((path, name))
            work.append(functions[name])
    packages = set()
    while work:
        for node in ast.walk(work.pop()):
            if isinstance(node, ast.Name) and node.id in functions:
                if (path, node.id) not in seen:
                    seen.add((path, node.id))
                    work.append(functions[node.id])
                continue
            if isinstance(node, ast.Import):
                targets = [(alias.name, ()) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported = tuple(alias.name for alias in node.names)
                targets = [(node.module, imported)]
                if node.module.split(".")[0] == "framescape":
                    # from framescape.distances import kernels: a module
                    modules = [n for n in imported if source_of(f"{node.module}.{n}")]
                    names = tuple(n for n in imported if n not in modules)
                    targets = [(f"{node.module}.{name}", ()) for name in modules]
                    if names:
                        targets.append((node.module, names))
            else:
                continue
            for module, imported in targets:
                top = module.split(".")[0]
                if top == "framescape":
                    local = source_of(module)
                    assert local, f"{path.name} imports {module}: no such module"
                    packages |= imported_packages(local, imported, seen)
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
    """Each ``script:`` of the rule files belongs to a rule checked above (a rule
    the pattern missed would go unchecked)."""
    scripts = sum(
        smk.read_text().count("\n    script:\n")
        for smk in (REPO / "workflow" / "rules").glob("*.smk")
    )
    assert scripts > 0
    assert len(list(rules_with_envs())) == scripts
