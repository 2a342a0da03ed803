# framescape: movies in, maps out (see README.md and docs/).
#
# Before any rule, in workflow/rules/:
#   common.smk     reads config.yaml (checked against workflow/schemas/) and
#                  finds the movies: the only file that reads the config
#   inputs.smk     input functions: which files each job reads, and which path
#                  a movie takes (dense matrices, or the neighbour graph beyond
#                  dense_max_frames frames)
#   run.smk        the run's lifecycle: the results folder's lock; movies.tsv
#                  and the index with each movie's outcome when the run ends
#   resources.smk  only resources: threads, memory and time of every job
# Then one rule file per stage, in the order the data flows:
#   frames.smk     link_movie → probe_movie → extract_frames → count_frames;
#                  list_movies → movies.tsv
#   distances.smk  compute_distances, one (N, N) matrix per metric (more than
#                  tile_frames frames: compute_distance_tile); nearest_frames
#   graph.smk      movies of more than dense_max_frames frames: graph_candidates →
#                  graph_rerank → neighbour_graph, each frame's nearest frames
#                  per metric
#   index.smk      a folder map of more than collection.index_frames frames:
#                  index_build → index_search (blocks of frames) → gray's
#                  index_join → index_refine (blocks) → index_graph, the same
#                  graph through an index, near-linear time
#   embed.smk      embed, (N, 2) coordinates per method × metric
#   merge.smk      scale → merge_json, results/<movie>.json
#   collection.smk the folder map: collection_frames per movie → collection_join,
#                  then the graph, embed and scale rules for the id "collection"
#                  → collection_json: results/collection.json
#   reuse.smk      where footage repeats: reuse_descriptors per movie → reuse
#                  → results/reuse.tsv (past reuse.index_windows windows,
#                  reuse_index → reuse_search (blocks of windows) first, whose
#                  pairs reuse joins); reuse_script → results/reuse.js
#   shots.smk      where each shot begins: shot_features per movie (its own frame
#                  rate) → shot_list, results/<movie>/shots.tsv → shot_exports
#                  (EDL, OTIO, WebVTT); shot_table → results/shots.tsv
#   pages.smk      plot_maps, plot_distances → results/<movie>/plots/*.png;
#                  copy_viewer_assets → make_viewer, results/<movie>.html;
#                  collection_page, results/collection.html; make_index
# Each rule's step is one function of the framescape package (src/framescape/,
# one subpackage per rule file), called by its entry script in scripts/.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/inputs.smk"
include: "workflow/rules/run.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/frames.smk"
include: "workflow/rules/distances.smk"
include: "workflow/rules/graph.smk"
include: "workflow/rules/index.smk"
include: "workflow/rules/embed.smk"
include: "workflow/rules/merge.smk"
include: "workflow/rules/collection.smk"
include: "workflow/rules/reuse.smk"
include: "workflow/rules/shots.smk"
include: "workflow/rules/pages.smk"


report: "workflow/report/workflow.rst"


rule all:
    default_target: True
    input:
        f"{RESULTS}/movies.tsv",
        expand(f"{RESULTS}/{{movie}}.json", movie=MOVIES),
        expand(f"{RESULTS}/{{movie}}.html", movie=MOVIES),
        f"{RESULTS}/index.html",
        expand(f"{RESULTS}/{{movie}}/plots/maps.png", movie=MOVIES),
        expand(
            f"{RESULTS}/{{movie}}/plots/distances_{{metric}}.png",
            movie=MOVIES,
            metric=METRICS,
        ),
        collection_targets(),
        reuse_targets(),
        shot_targets(),
        retried_folder_jobs(),
