"""Rule copy_viewer_assets: BokehJS and the viewer's script into results/_viewer/."""

from framescape.common import run_step
from framescape.pages.toolkit import assets_step

run_step(snakemake.log[0], assets_step, folder=snakemake.output.folder)
