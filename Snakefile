# framescape: movies in, maps out (see README.md).
#
# Per movie, one rule file per stage, in the order the data flows:
#   frames.smk     link_movie → probe_movie → extract_frames; list_movies → movies.tsv
#   distances.smk  compute_distances, one (N, N) matrix per metric
#   embed.smk      embed, (N, 2) coordinates per method × metric
#   merge.smk      scale → merge_json, results/<movie>.json
# common.smk reads config.yaml (checked against workflow/schemas/) and finds the movies.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/frames.smk"
include: "workflow/rules/distances.smk"
include: "workflow/rules/embed.smk"
include: "workflow/rules/merge.smk"


onstart:
    lock_results()


rule all:
    default_target: True
    input:
        f"{RESULTS}/movies.tsv",
        expand(f"{RESULTS}/{{movie}}.json", movie=MOVIES),
