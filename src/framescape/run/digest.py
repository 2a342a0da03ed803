"""A digest of the code a rule's step computes with, so that a change to what it
computes reruns that rule, and nothing else does.

Snakemake reruns a ``script:`` rule when its entry script changes; the work is
done in this package. Each rule passes, as a parameter, the digest of its step's
module and of every framescape module that one imports at module level: a change
there changes the parameter, and Snakemake reruns the rule and what follows.

What a step computes is its code without what cannot change a result:

- docstrings, comments and the layout of the source (the digest is taken over
  the syntax tree, not the text);
- log lines (a statement that only calls ``log.<level>(...)`` or ``log.log(...)``);
- the modules that size jobs and guard memory (every stage's ``resources``
  module and :mod:`framescape.run.guard`): estimates change what a scheduler is
  asked for, never what a job writes. Whatever a step computes with, block
  sizes included, lives in its stage's ``parameters`` module instead;
- the records of the jobs at work (:mod:`framescape.run.jobs`): who writes into
  a results folder and what each job used, never what it writes;
- progress reports (:mod:`framescape.run.progress`): the module, its imports, and
  a ``with`` line that calls it, whose block counts as if it stood alone;
- the huge pages asked for the BLAS library's buffer
  (:mod:`framescape.run.hugepages`): the module, its imports, and a statement
  that only calls its ``huge_blas_buffers``, with no arguments.

Read from the source files, without importing them (planning a run stays light).
"""

import ast
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
LOG_LEVELS = {"log", "debug", "info", "warning", "error", "exception", "critical"}
PROGRESS = "run.progress"
HUGE_PAGES = "run.hugepages"


def outside_digest(name):
    """Whether the module ``name`` (dotted, inside framescape) never changes what
    a job writes: it only sizes jobs, or records them."""
    return name.rsplit(".", 1)[-1] == "resources" or name in {
        "run.guard",
        "run.jobs",
        PROGRESS,
        HUGE_PAGES,
    }


def module_path(name):
    """The source file of the framescape module ``name``, or None for a package
    or a name that is not a module."""
    path = PACKAGE.joinpath(*name.split(".")).with_suffix(".py")
    return path if path.is_file() else None


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
    """Dotted names of the framescape modules that the module at ``path``
    imports at module level. An import inside a function is not followed."""
    names = set()
    for node in module_level(ast.parse(path.read_bytes())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "framescape":
                continue
            base = ".".join(parts[1:])
            if base:
                names.add(base)
            # from framescape.distances import kernels: a module, not a name
            names.update(
                f"{base}.{alias.name}".lstrip(".") for alias in node.names
            )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "framescape" and len(parts) > 1:
                    names.add(".".join(parts[1:]))
    return {name for name in names if module_path(name)}


def module_closure(name):
    """``name`` and every framescape module it imports, directly or not, less
    the modules that never change what a job writes."""
    found, pending = set(), [name]
    while pending:
        current = pending.pop()
        if current in found or outside_digest(current):
            continue
        found.add(current)
        pending.extend(package_imports(module_path(current)))
    return found


def is_docstring(node):
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def is_log_line(node):
    """A statement that only logs: ``log.info(...)`` and the other levels."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    function = node.value.func
    return (
        isinstance(function, ast.Attribute)
        and function.attr in LOG_LEVELS
        and isinstance(function.value, ast.Name)
        and function.value.id == "log"
    )


def imports_from(node, module):
    """``from framescape.<module> import …``."""
    return isinstance(node, ast.ImportFrom) and node.module == f"framescape.{module}"


def is_progress_import(node):
    """``from framescape.run.progress import …``."""
    return imports_from(node, PROGRESS)


def imported_names(tree, module, only=None):
    """The names ``tree`` imports from ``framescape.<module>`` (of ``only``,
    if given), as they are bound."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if imports_from(node, module)
        for alias in node.names
        if only is None or alias.name == only
    }


def is_huge_pages_call(node, names):
    """A statement that only calls ``huge_blas_buffers`` (``names``: what
    ``tree`` imports it as), with no arguments."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id in names
        and not node.value.args
        and not node.value.keywords
    )


def is_progress_item(item, names):
    """A ``with`` item that only reports progress: it calls one of ``names``
    with arguments that call nothing (a label, a model), and binds no name
    (which could hide a value the block computes with)."""
    call = item.context_expr
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id in names
        and item.optional_vars is None
        and not any(
            isinstance(node, ast.Call)
            for argument in (*call.args, *call.keywords)
            for node in ast.walk(argument)
        )
    )


def is_progress_block(node, names):
    """A ``with`` whose every item only reports progress."""
    return isinstance(node, (ast.With, ast.AsyncWith)) and all(
        is_progress_item(item, names) for item in node.items
    )


def without_progress(body, names):
    """``body`` with each progress block replaced by its statements."""
    statements = []
    for statement in body:
        if is_progress_block(statement, names):
            statements.extend(without_progress(statement.body, names))
        elif not is_progress_import(statement):
            statements.append(statement)
    return statements


def computed_code(source):
    """The syntax tree of ``source`` as text, without docstrings, log lines,
    progress reports and the calls asking for huge pages (comments and layout
    are not in the tree)."""
    tree = ast.parse(source)
    names = imported_names(tree, PROGRESS)
    huge_calls = imported_names(tree, HUGE_PAGES, only="huge_blas_buffers")
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        kept = [
            statement
            for index, statement in enumerate(without_progress(body, names))
            if not (index == 0 and is_docstring(statement))
            and not is_log_line(statement)
            and not imports_from(statement, HUGE_PAGES)
            and not is_huge_pages_call(statement, huge_calls)
        ]
        # A body left empty still needs a statement to be valid Python.
        node.body = kept or [ast.Pass()]
    return ast.dump(tree)


def code_digest(module, *folders):
    """16 hex digits of SHA-256 over what the step module ``module`` (dotted,
    inside framescape, e.g. ``"distances.jobs"``) and the framescape modules it
    uses compute, and over the files in ``folders`` (inside the package: the
    pages' templates and assets, byte for byte)."""
    digest = hashlib.sha256()
    for name in sorted(module_closure(module)):
        digest.update(name.encode())
        digest.update(computed_code(module_path(name).read_bytes()).encode())
    for folder in folders:
        for path in sorted((PACKAGE / folder).iterdir()):
            if path.is_file():
                digest.update(str(path.relative_to(PACKAGE)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
