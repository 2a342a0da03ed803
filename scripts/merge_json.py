"""Rule merge_json: a movie's maps and frame table → results/<movie>.json."""

from framescape.common import run_step
from framescape.merge.coordinates import merge_step

run_step(
    snakemake.log[0],
    merge_step,
    frames_tsv=snakemake.input.frames_tsv,
    scaled_npys=list(snakemake.input.scaled),
    output=snakemake.output[0],
    movie=snakemake.wildcards.movie,
    names=snakemake.params.names,
)
