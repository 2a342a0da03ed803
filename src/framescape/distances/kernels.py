"""Numba kernels of the distances: gray's exact sums of absolute differences (with
``psadbw`` where the CPU has it, a portable loop elsewhere), BT.601 luma and
hsl's per-pixel features. Apart from I/O so that they can be tested and
benchmarked alone: arrays in, arrays out; no knowledge of files."""


import math

import numba
import numpy as np
from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

# Accumulate absolute differences in int32 for SIMD width, but flush to int64
# before 2**31 could be reached: 2**23 pixels × 255 < 2**31.
INT32_SPAN = 1 << 23


@numba.njit(cache=True, nogil=True)
def sum_abs_diff_int32(a, b):
    """Sum of |a - b| over uint8 vectors of at most :data:`INT32_SPAN` elements.

    The int32 casts keep the accumulator 32 bits wide (numba would widen it to
    int64), which doubles the SIMD lanes.
    """
    total = np.int32(0)
    for k in range(a.shape[0]):
        total = np.int32(total + np.int32(abs(np.int32(a[k]) - np.int32(b[k]))))
    return total


@numba.njit(cache=True, nogil=True)
def sum_abs_diff(a, b):
    """Exact sum of |a - b| over two equal-length uint8 vectors, as int64."""
    total = np.int64(0)
    for start in range(0, a.shape[0], INT32_SPAN):
        total += sum_abs_diff_int32(
            a[start : start + INT32_SPAN], b[start : start + INT32_SPAN]
        )
    return total


@numba.njit(cache=True, nogil=True)
def sad_row(rows, columns, sad, i, upper):
    """Fill row ``i`` of ``sad``: every column, or those right of the diagonal."""
    for j in range(i + 1 if upper else 0, columns.shape[0]):
        sad[i, j] = sum_abs_diff(rows[i], columns[j])


@numba.njit(cache=True, parallel=True)
def sad_tile_portable(rows, columns, upper):
    """Sums of absolute differences between every row of ``rows`` and every row
    of ``columns``, in plain loops that any CPU runs (the compiler vectorises the
    int32 accumulation).

    Parameters
    ----------
    rows : (R, P) uint8, C-contiguous
    columns : (C, P) uint8, C-contiguous
    upper : bool
        ``rows`` and ``columns`` are the same frames: fill only ``j > i``.

    Returns
    -------
    (R, C) int64; zeros where not filled.
    """
    n = rows.shape[0]
    sad = np.zeros((n, columns.shape[0]), np.int64)
    # In the upper case row i has n-1-i pairs: doing row i together with row
    # n-1-i gives every parallel task the same amount of work.
    for i in numba.prange((n + 1) // 2):
        sad_row(rows, columns, sad, i, upper)
        if n - 1 - i != i:
            sad_row(rows, columns, sad, n - 1 - i, upper)
    return sad


def host_psadbw():
    """The widest ``psadbw`` this CPU has: ``(LLVM intrinsic, bytes)`` or ``None``.

    ``psadbw`` sums the absolute differences of 8 byte pairs into one 64-bit
    lane, 64 pairs an instruction with AVX-512BW. Numba never emits it for the
    loop above, so :func:`sad_simd` calls it directly.
    """
    features = binding.get_host_cpu_features()
    if features.get("avx512bw"):
        return "llvm.x86.avx512.psad.bw.512", 64
    if features.get("avx2"):
        return "llvm.x86.avx2.psad.bw", 32
    return None


PSADBW = host_psadbw()
SIMD_BYTES = PSADBW[1] if PSADBW else 64


@intrinsic
def sad_simd(typingctx, a, b, start, stop):
    """``Σ |a[k] − b[k]|`` for ``k`` in ``[start, stop)``, with ``psadbw``.

    ``a`` and ``b`` are 1-D C-contiguous uint8 arrays; ``stop − start`` must be a
    multiple of :data:`SIMD_BYTES`. Only call it when :data:`PSADBW` is set.
    """
    name, width = PSADBW or ("llvm.x86.avx512.psad.bw.512", 64)
    bytes_type = ir.VectorType(ir.IntType(8), width)
    sums_type = ir.VectorType(ir.IntType(64), width // 8)

    def codegen(context, builder, signature, args):
        rows = [
            context.make_array(signature.args[index])(context, builder, args[index])
            for index in (0, 1)
        ]
        psadbw = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(sums_type, [bytes_type, bytes_type]), name
        )
        sums = cgutils.alloca_once_value(builder, ir.Constant(sums_type, None))
        step = ir.Constant(args[2].type, width)
        with cgutils.for_range_slice(builder, args[2], args[3], step) as (k, _):
            a_bytes, b_bytes = (
                builder.load(
                    builder.bitcast(
                        builder.gep(row.data, [k]), bytes_type.as_pointer()
                    ),
                    align=1,
                    typ=bytes_type,
                )
                for row in rows
            )
            step_sums = builder.call(psadbw, [a_bytes, b_bytes])
            builder.store(builder.add(builder.load(sums), step_sums), sums)
        lanes = builder.load(sums)
        total = builder.extract_element(lanes, ir.Constant(ir.IntType(32), 0))
        for lane in range(1, width // 8):
            total = builder.add(
                total, builder.extract_element(lanes, ir.Constant(ir.IntType(32), lane))
            )
        return total

    return types.int64(a, b, types.intp, types.intp), codegen


# Register blocking: QUAD_ROWS rows against QUAD_COLUMNS columns at once, one
# psadbw accumulator each, so that every vector loaded serves several pairs (with
# AVX-512, 8 loads for 16 psadbw, where one pair at a time needs 2 loads each and
# is limited by the caches' bandwidth, not by psadbw). AVX2 has 16 vector
# registers instead of 32: 2 x 4 accumulators leave room for the loaded rows.
QUAD_ROWS = 4 if SIMD_BYTES == 64 else 2
QUAD_COLUMNS = 4


@intrinsic
def sad_simd_quad(typingctx, rows, columns, i, j, start, stop):
    """``Σ |rows[i + a, k] − columns[j + b, k]|`` for ``k`` in ``[start, stop)``,
    for every ``a < QUAD_ROWS`` and ``b < QUAD_COLUMNS``, with ``psadbw``.

    ``rows`` and ``columns`` are 2-D uint8 arrays with C-contiguous rows; the
    rows ``i … i + QUAD_ROWS − 1`` and columns ``j … j + QUAD_COLUMNS − 1`` must
    exist; ``stop − start`` must be a multiple of :data:`SIMD_BYTES`. Returns
    the ``QUAD_ROWS × QUAD_COLUMNS`` int64 sums row by row, as a tuple. Only
    call it when :data:`PSADBW` is set.
    """
    name, width = PSADBW or ("llvm.x86.avx512.psad.bw.512", 64)
    lanes = width // 8
    bytes_type = ir.VectorType(ir.IntType(8), width)
    sums_type = ir.VectorType(ir.IntType(64), lanes)

    def codegen(context, builder, signature, args):
        psadbw = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(sums_type, [bytes_type, bytes_type]), name
        )
        reduce_add = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.IntType(64), [sums_type]),
            f"llvm.vector.reduce.add.v{lanes}i64",
        )
        # The first byte of each of the quad's rows, then of its columns.
        firsts = []
        for index, count in ((0, QUAD_ROWS), (1, QUAD_COLUMNS)):
            array = context.make_array(signature.args[index])(
                context, builder, args[index]
            )
            stride = cgutils.unpack_tuple(builder, array.strides, 2)[0]
            first = args[2 + index]
            firsts.append(
                [
                    builder.gep(
                        array.data,
                        [builder.mul(builder.add(first, first.type(q)), stride)],
                    )
                    for q in range(count)
                ]
            )
        sums = [
            [
                cgutils.alloca_once_value(builder, ir.Constant(sums_type, None))
                for _ in range(QUAD_COLUMNS)
            ]
            for _ in range(QUAD_ROWS)
        ]
        step = ir.Constant(args[4].type, width)
        with cgutils.for_range_slice(builder, args[4], args[5], step) as (k, _):

            def load(first):
                pointer = builder.bitcast(
                    builder.gep(first, [k]), bytes_type.as_pointer()
                )
                return builder.load(pointer, align=1, typ=bytes_type)

            row_bytes = [load(first) for first in firsts[0]]
            for b, first in enumerate(firsts[1]):
                column_bytes = load(first)
                for a in range(QUAD_ROWS):
                    step_sums = builder.call(psadbw, [row_bytes[a], column_bytes])
                    total = builder.add(builder.load(sums[a][b]), step_sums)
                    builder.store(total, sums[a][b])
        values = [
            builder.call(reduce_add, [builder.load(pair)])
            for quad_row in sums
            for pair in quad_row
        ]
        return context.make_tuple(builder, signature.return_type, values)

    return (
        types.UniTuple(types.int64, QUAD_ROWS * QUAD_COLUMNS)(
            rows, columns, types.intp, types.intp, types.intp, types.intp
        ),
        codegen,
    )


# Pairs are compared a block of SAD_BLOCK × SAD_BLOCK frames at a time, and
# within a block a tile of SAD_TILE pixels at a time: the block's rows of one
# tile and its columns (SAD_BLOCK × SAD_TILE bytes each, 512 KB) stay in a
# core's L2 cache (commonly 1 to 2 MB), and a quad's rows (QUAD_ROWS × SAD_TILE
# bytes, 16 KB) in its L1 data cache (32 to 48 KB) while the block's columns
# stream past them. Memory is read about N / SAD_BLOCK times over instead of N
# times. (Tiles over pixels alone, rows streamed for every pair, ran about five
# times slower at 5,000 frames once N × SAD_TILE outgrew the L3 cache:
# docs/performance.md, "Distance kernels".)
SAD_BLOCK = 128
SAD_TILE = 4096


@numba.njit(cache=True, nogil=True)
def sad_block(rows, columns, sad, row_start, column_start, upper):
    """Add every pair of a block of ``rows`` and a block of ``columns`` to
    ``sad`` (only ``j > i`` when ``upper``): whole quads with
    :func:`sad_simd_quad`, the block's last few rows or columns pair by pair."""
    p = rows.shape[1]
    row_stop = min(row_start + SAD_BLOCK, rows.shape[0])
    column_stop = min(column_start + SAD_BLOCK, columns.shape[0])
    for start in range(0, p, SAD_TILE):
        stop = min(start + SAD_TILE, p)
        for i in range(row_start, row_stop, QUAD_ROWS):
            for j in range(column_start, column_stop, QUAD_COLUMNS):
                if upper and j + QUAD_COLUMNS - 1 <= i:
                    continue  # the whole quad lies on or left of the diagonal
                if i + QUAD_ROWS <= row_stop and j + QUAD_COLUMNS <= column_stop:
                    sums = sad_simd_quad(rows, columns, i, j, start, stop)
                    for a in range(QUAD_ROWS):
                        for b in range(QUAD_COLUMNS):
                            if not upper or j + b > i + a:
                                sad[i + a, j + b] += sums[a * QUAD_COLUMNS + b]
                    continue
                for row in range(i, min(i + QUAD_ROWS, row_stop)):
                    first = max(j, row + 1) if upper else j
                    for column in range(first, min(j + QUAD_COLUMNS, column_stop)):
                        sad[row, column] += sad_simd(
                            rows[row], columns[column], start, stop
                        )


@numba.njit(cache=True, parallel=True)
def sad_tile_simd(rows, columns, upper):
    """:func:`sad_tile_portable` with ``psadbw``, blocked over frames and pixels
    and register-blocked over quads of pairs (:func:`sad_block`).

    ``rows`` and ``columns`` must have a width that is a multiple of
    :data:`SIMD_BYTES` (pad with zeros: they add nothing).
    """
    sad = np.zeros((rows.shape[0], columns.shape[0]), np.int64)
    row_blocks = (rows.shape[0] + SAD_BLOCK - 1) // SAD_BLOCK
    column_blocks = (columns.shape[0] + SAD_BLOCK - 1) // SAD_BLOCK
    pairs = row_blocks * (row_blocks + 1) // 2 if upper else row_blocks * column_blocks
    for pair in numba.prange(pairs):
        if upper:
            row_block, column_block = upper_block_pair(pair, row_blocks)
        else:
            row_block, column_block = divmod(pair, column_blocks)
        sad_block(
            rows, columns, sad, row_block * SAD_BLOCK, column_block * SAD_BLOCK, upper
        )
    return sad


@numba.njit(cache=True)
def upper_block_pair(pair, blocks):
    """The ``pair``-th ``(row block, column block)``, column ≥ row, row by row."""
    row_block = 0
    while pair >= blocks - row_block:
        pair -= blocks - row_block
        row_block += 1
    return row_block, row_block + pair


@numba.njit(cache=True, parallel=True)
def mirror_upper(matrix):
    """Copy the upper triangle of a square ``matrix`` onto its lower one, in place."""
    n = matrix.shape[0]
    for i in numba.prange(n):
        for j in range(i):
            matrix[i, j] = matrix[j, i]
    return matrix


@numba.njit(cache=True, parallel=True)
def transposed(matrix, block=64):
    """A C-ordered copy of ``matrix.T``, ``block × block`` elements at a time
    on every core (numpy's copy of a transposed view runs on one core and
    strides through memory: several times slower on a tile of candidates)."""
    rows, columns = matrix.shape
    out = np.empty((columns, rows), matrix.dtype)
    for start in numba.prange(-(-columns // block)):
        j0 = start * block
        j1 = min(j0 + block, columns)
        for i0 in range(0, rows, block):
            i1 = min(i0 + block, rows)
            for j in range(j0, j1):
                for i in range(i0, i1):
                    out[j, i] = matrix[i, j]
    return out


def aligned_zeros(rows, width, alignment=64):
    """``(rows, width) uint8`` zeros starting on an ``alignment``-byte boundary
    (numpy's large arrays start 16 bytes past one): with ``width`` a multiple
    of it, every row is aligned and no load spans two cache lines (about 12 %
    faster SAD tiles, benchmarks/roofline.py)."""
    buffer = np.zeros(rows * width + alignment, np.uint8)
    offset = -buffer.ctypes.data % alignment
    return buffer[offset : offset + rows * width].reshape(rows, width)


def padded_rows(luma, multiple):
    """``luma`` with zero columns appended up to a multiple of ``multiple``,
    its rows aligned (:func:`aligned_zeros`)."""
    n, p = luma.shape
    width = -(-p // multiple) * multiple
    if width == p and luma.flags.c_contiguous and luma.ctypes.data % 64 == 0:
        return luma
    padded = aligned_zeros(n, width)
    padded[:, :p] = luma
    return padded


def sad_tile(rows, columns, upper=False):
    """Exact sums of absolute differences between the rows of ``(R, P) uint8``
    ``rows`` and of ``(C, P) uint8`` ``columns``: ``(R, C) int64``. With
    ``upper``, ``rows`` is ``columns`` and only ``j > i`` is filled (the rest 0).
    Uses ``psadbw`` where the CPU has it."""
    if PSADBW is None:
        rows = np.ascontiguousarray(rows)
        return sad_tile_portable(
            rows, rows if upper else np.ascontiguousarray(columns), upper
        )
    rows = padded_rows(rows, SIMD_BYTES)
    return sad_tile_simd(
        rows, rows if upper else padded_rows(columns, SIMD_BYTES), upper
    )


def pairwise_sad(luma):
    """Sums of absolute differences between all rows of ``(N, P) uint8`` ``luma``:
    ``(N, N) int64``, exact, symmetric, zero diagonal."""
    return mirror_upper(sad_tile(luma, luma, upper=True))


@numba.njit(cache=True, parallel=True)
def bt601_luma(rgb):
    """ITU-R BT.601 luma of ``(N, P, 3) uint8`` RGB as ``(N, P) uint8``.

    Fixed-point weights 19595, 38470, 7471 (/65536) with rounding: exactly what
    Pillow's ``convert("L")`` gives.
    """
    n, p = rgb.shape[0], rgb.shape[1]
    luma = np.empty((n, p), np.uint8)
    for i in numba.prange(n):
        for k in range(p):
            r = np.int32(rgb[i, k, 0])
            g = np.int32(rgb[i, k, 1])
            b = np.int32(rgb[i, k, 2])
            luma[i, k] = np.uint8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
    return luma


HALF_SQRT3 = np.float32(np.sqrt(3.0) / 2.0)
ONE = np.float32(1.0)
# The largest sum of a pixel's largest and smallest channel, and its half (the
# L = ½ line); float32, see hls_pixel.
SUM_TOP = np.float32(510.0)
HALF_SUM = np.float32(255.0)
THIRD_PI = np.float32(np.pi / 3.0)
# Taylor coefficients of cos and sin to x¹⁰ and x¹¹: for |x| ≤ π/3 the error is
# below 1e-8, under float32's own rounding.
COS_TERMS = tuple(np.float32((-1) ** k / math.factorial(2 * k)) for k in range(6))
SIN_TERMS = tuple(np.float32((-1) ** k / math.factorial(2 * k + 1)) for k in range(6))


@numba.njit(cache=True, nogil=True, inline="always")
def polynomial(x2, terms):
    """``Σ terms[k] · x2**k`` by Horner's rule (six terms)."""
    return terms[0] + x2 * (
        terms[1] + x2 * (terms[2] + x2 * (terms[3] + x2 * (terms[4] + x2 * terms[5])))
    )


@numba.njit(cache=True, nogil=True, inline="always")
def hls_pixel(r, g, b):
    """φ = (S, L, ½cos 2πH, ½sin 2πH) of one pixel's channels (0–255), whole
    numbers held as float32.

    H, L, S are Python's ``colorsys.rgb_to_hls`` of R, G, B in [0, 1], so that
    ``‖φ_a − φ_b‖² = (S_a−S_b)² + (L_a−L_b)² + sin²(π(H_a−H_b))``. They come from
    the whole-number channels: L = (max+min)/510; S = (max−min)/(max+min), or
    /(510−max−min) above L = ½; 2πH = 0, 2π/3 or 4π/3 (by the largest channel)
    plus π/3·t, t = (difference of the other two)/(max−min) in [−1, 1], so cos
    and sin need only a short series. No branch is left, so that a loop over
    pixels vectorises. float32 throughout (the features are stored so): within
    1e-7 of colorsys.

    The sums and differences of channels are whole numbers below 2²⁴, exact in
    float32, so float32 channels give the same bits as integer ones; integers
    would not stay in float32 lanes (numba widens int32 arithmetic to int64,
    and AVX2 has no vector int64-to-float conversion; the figures are in
    docs/performance.md, "the features in float32 lanes").
    """
    maxc = max(r, max(g, b))
    minc = min(r, min(g, b))
    total = maxc + minc
    spread = maxc - minc
    below_half = total if total <= HALF_SUM else SUM_TOP - total
    # Greys (spread 0) take the red branch with t = 0: H = 0, as colorsys.
    red, green = r == maxc, g == maxc
    base_cos = np.float32(1.0) if red else np.float32(-0.5)
    base_sin = np.float32(0.0) if red else (HALF_SQRT3 if green else -HALF_SQRT3)
    difference = (g - b) if red else ((b - r) if green else (r - g))
    x = difference * THIRD_PI / max(spread, ONE)
    x2 = x * x
    cos = polynomial(x2, COS_TERMS)
    sin = x * polynomial(x2, SIN_TERMS)
    return (
        spread / max(below_half, ONE),
        total / SUM_TOP,
        np.float32(0.5) * (base_cos * cos - base_sin * sin),
        np.float32(0.5) * (base_sin * cos + base_cos * sin),
    )


@numba.njit(cache=True, nogil=True)
def hls_frame(rgb, features, channels):
    """One frame's features: ``(P, 3) uint8`` pixels into ``(4P,) float32``
    planes ``[S_1 … S_P, L_1 … L_P, ½cos…, ½sin…]``; ``channels`` is ``(3, P)
    float32`` scratch.

    The channels are taken apart first: a loop over interleaved bytes does not
    vectorise, the one over three planes does (about 2.7× faster).
    """
    p = rgb.shape[0]
    for k in range(p):
        channels[0, k] = rgb[k, 0]
        channels[1, k] = rgb[k, 1]
        channels[2, k] = rgb[k, 2]
    for k in range(p):
        s, light, half_cos, half_sin = hls_pixel(
            channels[0, k], channels[1, k], channels[2, k]
        )
        features[k] = s
        features[p + k] = light
        features[2 * p + k] = half_cos
        features[3 * p + k] = half_sin


@numba.njit(cache=True, parallel=True)
def hls_features(rgb, features):
    """Per-pixel HSL features φ (:func:`hls_pixel`) of ``(N, P, 3) uint8`` ``rgb``
    into ``(N, 4P) float32`` ``features``, in place, a frame a thread at a time:
    each row four planes ``[S_1 … S_P, L_1 … L_P, ½cos…, ½sin…]`` (the order of
    the features does not change a Gram matrix)."""
    n, p = rgb.shape[0], rgb.shape[1]
    for i in numba.prange(n):
        hls_frame(rgb[i], features[i], np.empty((3, p), np.float32))


@numba.njit(cache=True, nogil=True)
def hls_features_serial(rgb, features):
    """:func:`hls_features` on the calling thread alone, without the GIL: for
    threads of the caller's own that share the cores by other means."""
    channels = np.empty((3, rgb.shape[1]), np.float32)
    for i in range(rgb.shape[0]):
        hls_frame(rgb[i], features[i], channels)
