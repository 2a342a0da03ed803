"""Rule reuse_descriptors: one movie's window descriptors for the reuse stage."""

from framescape.common import run_step
from framescape.reuse.descriptors import descriptors_step

run_step(
    snakemake.log[0],
    descriptors_step,
    source=snakemake.input.source,
    probe=snakemake.input.probe,
    output=snakemake.output[0],
    fps=snakemake.params.fps,
)
