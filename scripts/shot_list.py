"""Rule shot_list: a movie's frame features → results/<movie>/shots.tsv."""

from pathlib import Path

from framescape.common import run_step
from framescape.shots.find import shots_step

run_step(
    snakemake.log[0],
    shots_step,
    features_folder=Path(snakemake.input.times).parent,
    probe_json=snakemake.input.probe,
    output=snakemake.output[0],
    settings=snakemake.params.settings,
    group_distance=snakemake.params.group_distance,
)
