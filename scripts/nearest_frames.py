"""Rule nearest_frames: each frame's nearest frames, for the viewer."""

from framescape.common import run_step
from framescape.distances.jobs import nearest_step

run_step(
    snakemake.log[0],
    nearest_step,
    source=snakemake.input[0],
    output=snakemake.output[0],
    k=snakemake.params.k,
)
