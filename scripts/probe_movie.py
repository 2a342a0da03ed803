"""Rule probe_movie: what ffmpeg says of one movie file (probe.json)."""

from framescape.common import run_step
from framescape.frames.probe import probe_step

run_step(
    snakemake.log[0],
    probe_step,
    source=snakemake.input.source,
    output=snakemake.output[0],
    file_name=snakemake.params.file,
)
