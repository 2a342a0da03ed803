"""The step-code digest: a step reruns when what it computes changes, and only then."""

import functools
import shutil

import pytest

from framescape.run import digest

# What a module computes depends on its bytes only: the same bytes are read once
# for all the tests (each digest walks the syntax tree of every module it uses).
COMPUTED_CODE = functools.cache(digest.computed_code)


@pytest.fixture(autouse=True)
def computed_code_once(monkeypatch):
    monkeypatch.setattr(digest, "computed_code", COMPUTED_CODE)


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A copy of the package's sources to edit."""
    copy = tmp_path / "framescape"
    shutil.copytree(digest.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(digest, "PACKAGE", copy)
    return copy


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_closure_follows_imports_through_the_package():
    closure = digest.module_closure("distances.jobs")
    assert {"distances.jobs", "distances.matrices", "distances.kernels"} <= closure
    assert "distances.tiles" in closure
    assert not any(name.startswith("pages.") for name in closure)
    assert not any(
        name.startswith("distances")
        for name in digest.module_closure("merge.coordinates")
    )
    assert "pages.pictures" in digest.module_closure("pages.viewer")


def test_sizing_modules_are_left_out_of_every_closure():
    closure = digest.module_closure("distances.jobs")
    assert "distances.parameters" in closure  # the blocks it computes in
    assert "distances.resources" not in closure
    graph = digest.module_closure("graph.jobs")
    assert "graph.parameters" in graph and "graph.resources" not in graph
    assert "run.guard" not in digest.module_closure("frames.extract")
    for step in ("collection.frames", "collection.join"):
        closure = digest.module_closure(step)
        assert "collection.parameters" in closure  # its blocks
        assert "collection.resources" not in closure


def test_closure_skips_imports_inside_functions(package):
    """An import inside a function (code only Snakemake's own process runs,
    say) is not followed: the frames' step does not take in the pages."""
    before = digest.code_digest("frames.extract")
    edit(
        package / "frames" / "extract.py",
        "\ndef ",
        "\ndef pages_only():\n    from framescape.pages import viewer\n\n    "
        "return viewer\n\n\ndef ",
    )
    closure = digest.module_closure("frames.extract")
    assert "run.movies" in closure
    assert not any(name.startswith(("pages.", "reuse.")) for name in closure)
    assert digest.code_digest("frames.extract") != before  # the new function
    edit(
        package / "pages" / "viewer.py", "def ", "def unused():\n    return 1\n\n\ndef "
    )
    assert digest.module_closure("frames.extract") == closure
    assert "reuse.stretches" not in digest.module_closure("reuse.descriptors")
    assert "reuse.descriptors" not in digest.module_closure("reuse.jobs")


def test_a_change_to_what_is_computed_reruns_every_step_that_uses_it(package):
    before = {
        name: digest.code_digest(name)
        for name in ("distances.jobs", "merge.coordinates")
    }
    edit(package / "distances" / "kernels.py", "HALF_SQRT3 = ", "HALF_SQRT3 = 1.0 * ")
    assert digest.code_digest("distances.jobs") != before["distances.jobs"]
    assert digest.code_digest("merge.coordinates") == before["merge.coordinates"]


STEPS = ("distances.jobs", "graph.jobs", "embed.jobs", "frames.extract")


@pytest.fixture(scope="module")
def unedited_digests():
    """The steps' digests of the package as it is (computed once)."""
    return [digest.code_digest(step) for step in STEPS]


@pytest.mark.parametrize(
    "path, old, new",
    [
        # a docstring, a comment, the layout, a log line
        ("distances/kernels.py", '"""', '"""Reworded. '),
        (
            "distances/matrices.py",
            "\nSAD_BAND = 512",
            "\n# a comment\nSAD_BAND = (\n    512\n)",
        ),
        ("common.py", "def ", "def  "),
        ("graph/jobs.py", "log.info(", "log.info('reworded'); log.debug("),
        # estimates of time and memory, the memory guard
        (
            "distances/resources.py",
            '"embed_umap": (450 * MB,',
            '"embed_umap": (500 * MB,',
        ),
        ("graph/resources.py", "GRAPH_EDGE_BYTES = 120", "GRAPH_EDGE_BYTES = 160"),
        ("resources.py", "MIN_RUNTIME = ", "MIN_RUNTIME = 2 * "),
        ("graph/jobs.py", "log.log(", "log.log(logging.INFO, 'reworded'); log.log("),
        ("run/guard.py", "def ", "def unused():\n    return 1\n\n\ndef "),
        # the records of the jobs at work, which every step writes
        ("run/jobs.py", "def ", "def unused():\n    return 1\n\n\ndef "),
        # progress reports: the module, its imports, the blocks that call it
        ("run/progress.py", "EVERY = 10.0", "EVERY = 5.0"),
        (
            "embed/neighbours.py",
            "        with umap_progress(model):\n            return",
            "        return",
        ),
        (
            "embed/neighbours.py",
            "umap_progress, watching",
            "Watch, umap_progress, watching",
        ),
        # the huge pages asked for the BLAS library's buffer: the module, its
        # import, a statement that only calls it
        ("run/hugepages.py", "LEAST_BUFFER = ", "LEAST_BUFFER = 2 * "),
        ("common.py", "        huge_blas_buffers()\n", ""),
        (
            "common.py",
            "from framescape.run.hugepages import huge_blas_buffers\n",
            "from framescape.run.hugepages import SETTING, huge_blas_buffers\n",
        ),
    ],
)
def test_what_cannot_change_a_result_reruns_nothing(
    unedited_digests, package, path, old, new
):
    edit(package / path, old, new)
    assert [digest.code_digest(step) for step in STEPS] == unedited_digests


def test_a_parameter_of_the_graph_reruns_the_graph_and_not_the_matrices(package):
    graph, matrices = (
        digest.code_digest("graph.jobs"),
        digest.code_digest("distances.jobs"),
    )
    edit(
        package / "graph" / "parameters.py",
        "RECALL_TARGET = 0.995",
        "RECALL_TARGET = 0.99",
    )
    assert digest.code_digest("graph.jobs") != graph
    assert digest.code_digest("distances.jobs") == matrices


@pytest.mark.parametrize(
    "path, old, new, step",
    [
        # The blocks set the order of float32 sums: the last bits move.
        (
            "distances/parameters.py",
            "HSL_BLOCK = 4096",
            "HSL_BLOCK = 1024",
            "distances.jobs",
        ),
        ("graph/parameters.py", "RERANK_ROWS = 256", "RERANK_ROWS = 128", "graph.jobs"),
    ],
)
def test_a_block_a_step_computes_in_reruns_it(package, path, old, new, step):
    before = digest.code_digest(step)
    edit(package / path, old, new)
    assert digest.code_digest(step) != before


def test_folders_count_for_the_digest(package):
    with_assets = digest.code_digest("pages.toolkit", "pages/assets")
    code_only = digest.code_digest("pages.toolkit")
    script = package / "pages" / "assets" / "framescape.js"
    script.write_text(script.read_text() + "\n// an edit\n")
    assert digest.code_digest("pages.toolkit", "pages/assets") != with_assets
    assert digest.code_digest("pages.toolkit") == code_only


@pytest.mark.parametrize(
    "new",
    [
        # a block that changes how the work runs (the warnings it hides)
        "        with umap_progress(model), warnings.catch_warnings():",
        # an argument that computes (here, sorts the data in place)
        "        with umap_progress(model.fit(data.sort())):",
        # a name bound for the block
        "        with umap_progress(model) as data:",
    ],
)
def test_a_with_line_that_does_more_than_report_still_counts(package, new):
    """Only ``with`` lines that just report progress drop out."""
    before = digest.code_digest("embed.jobs")
    edit(package / "embed/neighbours.py", "        with umap_progress(model):", new)
    assert digest.code_digest("embed.jobs") != before


def test_a_call_asking_for_huge_pages_under_another_name_reruns_nothing(
    unedited_digests, package
):
    edit(package / "common.py", "import huge_blas_buffers\n", "import huge_blas_buffers as ask\n")
    edit(package / "common.py", "        huge_blas_buffers()\n", "        ask()\n")
    assert [digest.code_digest(step) for step in STEPS] == unedited_digests


@pytest.mark.parametrize(
    "new",
    [
        # an argument could compute something
        "        huge_blas_buffers(log_file)\n",
        # another function of the module: only huge_blas_buffers drops out
        "        huge_page_setting()\n",
    ],
)
def test_other_calls_of_the_huge_pages_module_still_count(package, new):
    before = digest.code_digest("distances.jobs")
    edit(
        package / "common.py",
        "import huge_blas_buffers\n",
        "import huge_blas_buffers, huge_page_setting\n",
    )
    edit(package / "common.py", "        huge_blas_buffers()\n", new)
    assert digest.code_digest("distances.jobs") != before
