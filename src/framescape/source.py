"""A digest of the step code a rule runs, so that editing it reruns that rule.

Snakemake reruns a ``script:`` rule when the entry script changes; the code that
does the work lives in this package. Each rule passes the digest of its step's
module, and of every framescape module that one imports, as a parameter: an edit
there changes the parameter, and Snakemake reruns the rule and what follows.
Read from the source files, without importing them (planning a run stays light).
"""

import ast
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def module_level(tree):
    """The nodes of ``tree`` outside function bodies."""
    pending = list(ast.iter_child_nodes(tree))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        yield node
        pending.extend(ast.iter_child_nodes(node))


def package_imports(path):
    """Names of the framescape modules that the module at ``path`` imports at
    module level. An import inside a function is not followed: a job's step
    never runs ``movies.write_outcomes``, which the main Snakemake process runs
    and which imports the pages' code, so editing the pages reruns no frames."""
    names = set()
    for node in module_level(ast.parse(path.read_bytes())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "framescape":
                continue
            if len(parts) > 1:
                names.add(parts[1])
            else:  # from framescape import kernels
                names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "framescape" and len(parts) > 1:
                    names.add(parts[1])
    return {name for name in names if (PACKAGE / f"{name}.py").is_file()}


def module_closure(name):
    """``name`` and every framescape module it imports, directly or not."""
    found, pending = set(), [name]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.add(current)
        pending.extend(package_imports(PACKAGE / f"{current}.py"))
    return found


def code_digest(module, *folders):
    """16 hex digits of SHA-256 over the source of ``module`` (a framescape
    module name, e.g. ``"distances"``), of the framescape modules it uses, and of
    the files in ``folders`` (inside the package: templates, the viewer's script).
    """
    digest = hashlib.sha256()
    files = [PACKAGE / f"{name}.py" for name in sorted(module_closure(module))]
    for folder in folders:
        files += sorted(path for path in (PACKAGE / folder).iterdir() if path.is_file())
    for path in files:
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
