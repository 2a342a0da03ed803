"""hsl's Gram products outside the matrix (:func:`add_products`): the
distances of some frames to others (landmark MDS, the re-ranks) and the
neighbour graph's candidate tiles. Each element is summed in the same order
wherever its two frames sit in the product, and on any number of threads.

Why not the BLAS library's ``rows @ columns.T``: the order in which it sums an
element's products may depend on the element's place in the product and on how
the product is shared out between threads. OpenBLAS's Haswell kernel (CPUs with
AVX2 but not AVX-512) does: the same two frames got distances one float32
rounding apart in two re-rank groups, or on one thread and on two, so a graph
depended on a job's block and on ``--cores``, and so did the landmark MDS. The
matrix keeps BLAS (:mod:`~framescape.distances.gram`): its products are squares
that start on fixed frames, the same BLAS calls whatever the threads.

Here every element is one dot product of the kernel below over the same chunks
of features, so its bits depend on its two frames alone (and on the CPU that
numba compiled for), at 0.8 to 1.05 times OpenBLAS's speed on an AMD EPYC with
AVX2 (docs/performance.md)."""

import numba
import numpy as np

# CHUNK decides the results' bits (where the float32 sums stop); TILE and the
# blocks decide only the speed.
# Rows and columns of a tile: 9 vector sums and 6 streams of features fit the
# 16 vector registers of AVX2; smaller tiles read more for each product.
TILE = 3
# Features summed in float32 at a time, then added to ``out``: a tile's rows
# (8 KB each) stay in the L1 cache while a block's columns go by.
CHUNK = 2048
# A task's frames: its columns' chunks stay in the L2 cache (192 KB) while the
# rows pass them; tasks this small share out over the threads. Whole tiles, so
# that no tile crosses into another task's block and ``upper``'s tiles start on
# the diagonal.
BLOCK_COLUMNS = 24
BLOCK_ROWS = 48
assert BLOCK_COLUMNS % TILE == 0 and BLOCK_ROWS % TILE == 0
# "reassoc" lets LLVM sum each dot product in vector lanes, "contract" fuse each
# multiply and add. One compiled loop sums all nine alike (its vector width and
# unrolling are the loop's); the inputs are made C-contiguous float32 and
# ``upper`` a bool, so every call runs the same compiled loop.
# tests/unit/test_distances_products.py checks it on the CPU it runs on.
FASTMATH = {"reassoc", "contract"}


def add_products(rows, columns, out, upper=False):
    """``out += rows @ columns.T``: float32 products summed :data:`CHUNK`
    features at a time, the chunks' sums added to ``out`` in order; on numba's
    threads, without the GIL.

    Parameters
    ----------
    rows : (R, F) float32
    columns : (C, F) float32
    out : (R, C) float64 or float32
        Added to, in place.
    upper : bool
        The same frames as rows and columns: only the tiles that hold elements
        on or above the diagonal (about half the work); the others keep what
        ``out`` held, and so may some elements below the diagonal.
    """
    rows = np.ascontiguousarray(rows, np.float32)
    columns = np.ascontiguousarray(columns, np.float32)
    if rows.ndim != 2 or columns.ndim != 2 or rows.shape[1] != columns.shape[1]:
        raise ValueError(
            f"rows {rows.shape} and columns {columns.shape} must be 2-d arrays "
            "of as many features"
        )
    if out.shape != (len(rows), len(columns)) or out.dtype not in (
        np.float32,
        np.float64,
    ):
        raise ValueError(
            f"out must be a {len(rows)} × {len(columns)} float32 or float64 "
            f"array, not {out.shape} {out.dtype}"
        )
    sum_products(rows, columns, out, bool(upper))


@numba.njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def tile_sums(r0, r1, r2, c0, c1, c2):
    """The nine float32 dot products of three rows' and three columns' chunks
    of features, row by row."""
    s00 = s01 = s02 = s10 = s11 = s12 = s20 = s21 = s22 = np.float32(0.0)
    for k in range(r0.shape[0]):
        s00 += r0[k] * c0[k]
        s01 += r0[k] * c1[k]
        s02 += r0[k] * c2[k]
        s10 += r1[k] * c0[k]
        s11 += r1[k] * c1[k]
        s12 += r1[k] * c2[k]
        s20 += r2[k] * c0[k]
        s21 += r2[k] * c1[k]
        s22 += r2[k] * c2[k]
    return (s00, s01, s02, s10, s11, s12, s20, s21, s22)


@numba.njit(cache=True, parallel=True, nogil=True, fastmath=FASTMATH)
def sum_products(rows, columns, out, upper):
    """:func:`add_products`' kernel. A tile at the edge repeats its last row or
    column (the same loop, its extra sums dropped), so that an element there is
    summed as everywhere."""
    n_rows, n_columns, n_features = rows.shape[0], columns.shape[0], rows.shape[1]
    row_blocks = (n_rows + BLOCK_ROWS - 1) // BLOCK_ROWS
    column_blocks = (n_columns + BLOCK_COLUMNS - 1) // BLOCK_COLUMNS
    for task in numba.prange(row_blocks * column_blocks):
        # Row blocks from both ends in turn: each thread's share of the tasks
        # (a run of them) holds as many short rows of ``upper`` as long ones.
        turn = task // column_blocks
        row_block = turn // 2 if turn % 2 == 0 else row_blocks - 1 - turn // 2
        first_row = row_block * BLOCK_ROWS
        first_column = (task % column_blocks) * BLOCK_COLUMNS
        last_row = min(first_row + BLOCK_ROWS, n_rows)
        last_column = min(first_column + BLOCK_COLUMNS, n_columns)
        if upper and last_column <= first_row:
            continue
        for start in range(0, n_features, CHUNK):
            stop = min(start + CHUNK, n_features)
            for i in range(first_row, last_row, TILE):
                r0 = rows[i, start:stop]
                r1 = rows[min(i + 1, n_rows - 1), start:stop]
                r2 = rows[min(i + 2, n_rows - 1), start:stop]
                for j in range(first_column, last_column, TILE):
                    if upper and j + TILE <= i:
                        continue
                    sums = tile_sums(
                        r0,
                        r1,
                        r2,
                        columns[j, start:stop],
                        columns[min(j + 1, n_columns - 1), start:stop],
                        columns[min(j + 2, n_columns - 1), start:stop],
                    )
                    for a in range(min(TILE, n_rows - i)):
                        for b in range(min(TILE, n_columns - j)):
                            out[i + a, j + b] += sums[TILE * a + b]
