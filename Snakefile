# framescape: movies in, maps out. See README.md; the pipeline is in design notes
# of each rule file, in the order the data flows.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/frames.smk"
include: "workflow/rules/distances.smk"
include: "workflow/rules/embed.smk"
include: "workflow/rules/merge.smk"


rule all:
    default_target: True
    input:
        f"{RESULTS}/movies.tsv",
        expand(f"{RESULTS}/{{movie}}.json", movie=MOVIES),
