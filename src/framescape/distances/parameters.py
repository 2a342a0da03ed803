"""The blocks the distance steps compute in: light (no numba), as Snakemake's
own process sizes jobs from them too. They are parameters, not estimates: the
blocks set the order in which float32 products are summed, so another size moves
the last bits of the hsl distances, and tiles must start on multiples of
:data:`GRAM_TILE` (``tile_frames`` is a multiple of 512)."""

from framescape.common import MB

# Pixels per block of hsl features (distances/gram.py): a block's float32
# features of all frames are held at once, of two blocks at a time (one block's
# products run beside the next one's features); blocks this small share out
# evenly over the threads, and their products are as fast as larger ones'.
HSL_BLOCK = 4096
HSL_BLOCKS_HELD = 2
# At most this many bytes of them, for long movies.
HSL_FEATURE_BYTES = 256 * MB
# Frames turned into luma at a time, rows of the Gram matrix multiplied at a time.
FRAME_BLOCK = 256
GRAM_TILE = 512


def hsl_block_pixels(n_frames, n_pixels):
    """Pixels per hsl feature block: at most :data:`HSL_BLOCK` (float32 sums
    stay well within 1e-4), fewer for long movies so that the features of all
    ``n_frames`` frames in the :data:`HSL_BLOCKS_HELD` blocks held at once stay
    under :data:`HSL_FEATURE_BYTES`."""
    fitting = HSL_FEATURE_BYTES // (HSL_BLOCKS_HELD * max(n_frames, 1) * 4 * 4)
    return int(max(64, min(HSL_BLOCK, n_pixels, fitting)))
