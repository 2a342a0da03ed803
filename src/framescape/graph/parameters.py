"""Numbers the neighbour graph computes with, which its jobs' estimates read too
(:mod:`framescape.graph.resources`): how much each metric reduces a frame, how
many candidates a frame keeps and re-ranks, the recall sample and its target,
and which metric takes the second pass. Plain Python, no numba: Snakemake's own
process reads them."""




# Candidates (framescape.graph). Pixels per block side of the reduced
# frames: gray keeps 1/16 of the pixels (80×60 of 320×240) as bytes, hsl 1/64
# (40×30) as 4 float32 features (benchmarks/candidates.py).
REDUCE_FACTOR = {"gray": 4, "hsl": 8}
# Small frames (the folder map's 40×30) are reduced less: the factor halves
# until a frame keeps this many blocks. At 40×30 hsl's 8 left 15 blocks, whose
# candidates held 0.974 of the true 91 nearest of 10,000 real frames with 600
# candidates; 2 (300 blocks) held 0.995 with 242 (benchmarks/collection.py).
MIN_REDUCED_BLOCKS = 300
# Candidates re-ranked per frame at least, and whether the second reduced pass
# makes the graph exact. gray's bound is tight: with 300 candidates 97 % of
# frames are certified and the second pass costs a fifth of the first. hsl's is
# loose on noisy frames (2 % certified with 200, and its second pass costs more
# than the first), so hsl keeps the first pass: recall 0.996 of the true 100
# nearest on 9,125 generated frames (benchmarks/candidates.py), but 0.9825 on
# 10,000 frames panning over real footage (benchmarks/graph.py), where 300
# gave 0.9946. So the candidate pass keeps up to MORE_CANDIDATES times as many,
# and a sample decides how many each frame re-ranks: RECALL_SAMPLE frames spread
# over the movie are compared with every frame at full size, and the fewest
# candidates that hold RECALL_TARGET of their true nearest are re-ranked
# (framescape.graph.sample.candidates_needed).
CANDIDATES = {"gray": 300, "hsl": 200}
MORE_CANDIDATES = 3
RECALL_SAMPLE = 64
RECALL_TARGET = 0.995
COMPLETE = {"gray": True, "hsl": False}
# The second pass compares its doubtful frames with every frame again and
# re-ranks as many more candidates: it runs only while they are at most this
# share of the movie: footage of near-repeats all through it (ffmpeg's testsrc2)
# leaves every frame doubtful, and the second pass would then take longer than
# the first (docs/performance.md, "The neighbour graph").
SECOND_PASS_MAX_SHARE = 0.25


def candidate_count(metric, k, n_frames):
    """Candidates each frame re-ranks at least: :data:`CANDIDATES`, at least
    twice the ``k`` neighbours, at most every other frame."""
    return max(0, min(max(CANDIDATES[metric], 2 * k), n_frames - 1))


def candidate_limit(metric, k, n_frames):
    """Candidates the candidate pass keeps for each frame, of which the sample
    chooses how many are re-ranked: :data:`MORE_CANDIDATES` times
    :func:`candidate_count`, at most every other frame."""
    most = MORE_CANDIDATES * candidate_count(metric, k, n_frames)
    return max(0, min(most, n_frames - 1))


def reduce_factor(metric, width, height):
    """Pixels per block side of a frame's reduced copy: :data:`REDUCE_FACTOR`,
    halved while the frame would keep fewer than :data:`MIN_REDUCED_BLOCKS`."""
    factor = REDUCE_FACTOR[metric]
    while factor > 1 and (width // factor) * (height // factor) < MIN_REDUCED_BLOCKS:
        factor //= 2
    return factor


# Frames per side of a tile of reduced pairs.
CANDIDATE_TILE = 4096
# Frames re-ranked together at most (framescape.graph.rerank.group_rows: frames
# whose candidates overlap, whose full-size features are computed once for
# all). It sets memory and time only: each distance is its two frames' alone
# (framescape.distances.products).
RERANK_ROWS = 256
