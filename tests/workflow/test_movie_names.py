"""Movie names that once collided, planned by the workflow itself."""

from pathlib import PurePosixPath

from framescape.run.movies import movie_ids
from framescape.testing import DOTTED, FOLDER_NAMED, snakemake, write_config


def test_dry_run_of_colliding_names_plans_distinct_outputs(tmp_path):
    """The workflow itself: Snakemake plans every movie (no ChildIOException),
    and no planned output lies inside another (a file that is also a folder)."""
    folder = tmp_path / "movies"
    folder.mkdir()
    for name in DOTTED + FOLDER_NAMED:
        (folder / name).write_bytes(b"x")
    write_config(tmp_path)
    # --summary plans the whole run as a dry run does (and fails as it would).
    summary = snakemake(tmp_path, "--summary", timeout=300).stdout.splitlines()
    outputs = [line.split("\t")[0] for line in summary[1:] if line.strip()]
    assert len(outputs) == len(set(outputs))
    ids = movie_ids(DOTTED + FOLDER_NAMED)
    for movie in ids.values():
        assert f"results/{movie}.json" in outputs and f"results/{movie}.html" in outputs
    planned = {PurePosixPath(path) for path in outputs}
    for path in planned:
        assert not planned & set(path.parents), f"{path} is inside another output"
