"""Rule shot_exports: a movie's shots.tsv → its OTIO timeline, EDL and WebVTT chapters."""

from framescape.common import run_step
from framescape.shots.exports import exports_step

run_step(
    snakemake.log[0],
    exports_step,
    shots_tsv=snakemake.input.shots,
    times_npy=snakemake.input.times,
    probe_json=snakemake.input.probe,
    movie_path=snakemake.params.movie,
    outputs={key: snakemake.output[key] for key in ("otio", "edl", "vtt")},
)
