"""Rule shot_features: one decode of a movie at its own rate → its frames' features."""

from pathlib import Path

from framescape.common import run_step
from framescape.shots.decode import features_step

run_step(
    snakemake.log[0],
    features_step,
    source=snakemake.input.source,
    probe_json=snakemake.input.probe,
    folder=Path(snakemake.output.times).parent,
    file_name=snakemake.params.file,
    threads=snakemake.threads,
)
