"""gray and hsl distances against a slow float64 reference written straight from
the definitions in docs/metrics.md (Pillow for luma, colorsys for H, L, S)."""

import colorsys

import numpy as np
import pytest
from PIL import Image

from framescape.common import FramescapeError
from framescape.distances import kernels, matrices, parameters
from framescape.distances import nearest as distances_nearest
from framescape.distances.matrices import gray_distances, hsl_distances, pixel_mask
from framescape.distances.nearest import nearest_frames
from framescape.distances.tiles import tile_count, tile_pairs, tile_range


def reference_gray(frames, mask=None):
    luma = np.stack([np.asarray(Image.fromarray(f).convert("L")) for f in frames])
    luma = luma.astype(np.float64)
    luma = luma[:, mask] if mask is not None else luma.reshape(len(frames), -1)
    n = len(frames)
    return np.array(
        [[np.abs(luma[i] - luma[j]).mean() for j in range(n)] for i in range(n)]
    )


def reference_hsl(frames, mask=None):
    pixels = frames[:, mask] if mask is not None else frames.reshape(len(frames), -1, 3)
    hls = np.array(
        [
            [colorsys.rgb_to_hls(*(p / 255.0)) for p in frame]
            for frame in pixels.astype(float)
        ]
    )
    n = len(frames)
    result = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            h_a, l_a, s_a = hls[i].T
            h_b, l_b, s_b = hls[j].T
            terms = (
                (s_a - s_b) ** 2 + (l_a - l_b) ** 2 + np.sin(np.pi * (h_a - h_b)) ** 2
            )
            result[i, j] = terms.mean()
    return result


def check_matrix(matrix, n):
    assert matrix.dtype == np.float32
    assert matrix.shape == (n, n)
    assert np.array_equal(matrix, matrix.T)
    assert not np.diag(matrix).any()


@pytest.fixture(scope="module")
def random_frames():
    frames = np.random.default_rng(7).integers(0, 256, (9, 13, 11, 3), dtype=np.uint8)
    frames[4] = frames[2]  # a repeated frame
    return frames


def saturated_frames():
    """Pure and mixed saturated colours, greys, black and white, and reds on either
    side of the hue wrap-around (H ≈ 0.99 and H ≈ 0.01)."""
    colours = np.array(
        [
            [255, 0, 0],
            [0, 255, 0],
            [0, 0, 255],
            [255, 255, 0],
            [0, 255, 255],
            [255, 0, 255],
            [0, 0, 0],
            [255, 255, 255],
            [128, 128, 128],
            [255, 0, 10],
            [255, 10, 0],
            [1, 0, 0],
        ],
        np.uint8,
    )
    return np.stack([np.full((4, 5, 3), colour, np.uint8) for colour in colours])


@pytest.mark.parametrize("metric", [gray_distances, hsl_distances])
def test_random_frames_match_reference(metric, random_frames):
    reference = {gray_distances: reference_gray, hsl_distances: reference_hsl}[metric]
    result = metric(random_frames)
    check_matrix(result, len(random_frames))
    np.testing.assert_allclose(result, reference(random_frames), atol=1e-4, rtol=0)
    assert result[2, 4] == 0


def test_gray_is_exact_up_to_float32(random_frames):
    expected = reference_gray(random_frames).astype(np.float32)
    assert np.array_equal(gray_distances(random_frames), expected)


def test_gray_never_wraps_uint8():
    black = np.zeros((1, 4, 4, 3), np.uint8)
    white = np.full((1, 4, 4, 3), 255, np.uint8)
    result = gray_distances(np.concatenate([black, white]))
    assert result[0, 1] == 255.0  # np.abs on uint8 would give 1


def test_saturated_colours_and_hue_wraparound():
    frames = saturated_frames()
    result = hsl_distances(frames)
    check_matrix(result, len(frames))
    np.testing.assert_allclose(result, reference_hsl(frames), atol=1e-4, rtol=0)
    red, green, blue = 0, 1, 2
    # Opposite-ish hues: red vs cyan differ by half a turn: sin²(π/2) = 1.
    assert result[red, 4] == pytest.approx(1.0, abs=1e-6)
    # Reds either side of H = 0 are close, not almost a full turn apart.
    assert result[9, 10] < 0.01
    assert result[red, green] == pytest.approx(result[red, blue], abs=1e-6)
    np.testing.assert_allclose(
        gray_distances(frames), reference_gray(frames), atol=1e-4
    )


def test_real_frames_match_reference(bikes_frames):
    frames = bikes_frames[::4]
    for metric, reference in (
        (gray_distances, reference_gray),
        (hsl_distances, reference_hsl),
    ):
        result = metric(frames)
        check_matrix(result, len(frames))
        np.testing.assert_allclose(result, reference(frames), atol=1e-4, rtol=0)
        assert result.max() > 1e-3


def test_mask_leaves_pixels_out(random_frames):
    mask = pixel_mask(random_frames.shape[1:3], [[2, 3, 4, 5], [10, 0, 10, 2]])
    assert mask.sum() == 13 * 11 - 4 * 5 - 3 * 2
    for metric, reference in (
        (gray_distances, reference_gray),
        (hsl_distances, reference_hsl),
    ):
        result = metric(random_frames, mask)
        np.testing.assert_allclose(
            result, reference(random_frames, mask), atol=1e-4, rtol=0
        )
    # Pixels under the mask no longer count.
    changed = random_frames.copy()
    changed[:, 2:6, 3:8] = 0
    np.testing.assert_array_equal(
        gray_distances(changed, mask), gray_distances(random_frames, mask)
    )
    assert not np.array_equal(gray_distances(changed), gray_distances(random_frames))


def test_identical_frames_are_zero():
    frames = np.repeat(
        np.random.default_rng(1).integers(0, 256, (1, 6, 6, 3), np.uint8), 5, 0
    )
    for metric in (gray_distances, hsl_distances):
        result = metric(frames)
        check_matrix(result, 5)
        assert not result.any()


def test_single_frame():
    frame = np.zeros((1, 3, 3, 3), np.uint8)
    assert gray_distances(frame).shape == (1, 1)
    assert hsl_distances(frame).shape == (1, 1)


def integer_hls_features(rgb):
    """The features of docs/metrics.md's hsl from whole-number channels, as
    numpy float32 arithmetic: ``(4, P)`` rows S, L, ½cos 2πH, ½sin 2πH."""
    f32 = np.float32
    r, g, b = rgb.astype(np.int64).T
    maxc, minc = np.maximum(r, np.maximum(g, b)), np.minimum(r, np.minimum(g, b))
    total, spread = maxc + minc, maxc - minc
    below_half = np.where(total <= 255, total, 510 - total)
    red, green = r == maxc, g == maxc
    base_cos = np.where(red, f32(1.0), f32(-0.5))
    base_sin = np.where(
        red, f32(0.0), np.where(green, kernels.HALF_SQRT3, -kernels.HALF_SQRT3)
    )
    difference = np.where(red, g - b, np.where(green, b - r, r - g))
    x = difference.astype(f32) * kernels.THIRD_PI / np.maximum(spread, 1).astype(f32)
    x2 = x * x

    def series(terms):
        value = terms[-1]
        for term in terms[-2::-1]:
            value = term + x2 * value
        return value

    cos, sin = series(kernels.COS_TERMS), x * series(kernels.SIN_TERMS)
    return np.stack(
        [
            spread.astype(f32) / np.maximum(below_half, 1).astype(f32),
            total.astype(f32) / f32(510.0),
            f32(0.5) * (base_cos * cos - base_sin * sin),
            f32(0.5) * (base_sin * cos + base_cos * sin),
        ]
    )


def test_hls_features_equal_the_integer_formula_to_the_bit():
    """Every 7th of the 2²⁴ colours: the kernel's float32 channel arithmetic
    gives the bits of the same formula on whole numbers, and stays within
    1e-6 of colorsys on a sample."""
    colours = np.arange(0, 1 << 24, 7, dtype=np.uint32)
    rgb = np.stack([colours >> 16, (colours >> 8) & 255, colours & 255], axis=1)
    rgb = rgb.astype(np.uint8)
    features = matrices.hsl_features(rgb[None])[0].reshape(4, -1)
    expected = integer_hls_features(rgb)
    assert np.array_equal(features.view(np.uint32), expected.view(np.uint32))
    for index in range(0, len(rgb), 9973):
        h, light, saturation = colorsys.rgb_to_hls(*(rgb[index] / 255.0))
        phi = [saturation, light, np.cos(2 * np.pi * h) / 2, np.sin(2 * np.pi * h) / 2]
        assert np.allclose(features[:, index], phi, rtol=0, atol=1e-6)


def test_hsl_large_frames_stay_within_float64_tolerance(bikes_frames):
    """Frames larger than one Gram block (HSL_BLOCK pixels): float32 blocks,
    float64 sums."""
    frames = np.repeat(np.repeat(bikes_frames[:6], 2, axis=1), 2, axis=2)  # 160×120
    result = hsl_distances(frames)
    np.testing.assert_allclose(result, reference_hsl(frames), atol=1e-4, rtol=0)


def test_mask_outside_the_frame_is_refused():
    with pytest.raises(FramescapeError, match="outside"):
        pixel_mask((24, 32), [[30, 0, 5, 5]])
    with pytest.raises(FramescapeError, match="no pixel"):
        pixel_mask((24, 32), [[0, 0, 24, 32]])


@pytest.mark.parametrize("n, p", [(1, 1), (2, 63), (5, 64), (7, 65), (4, 5000)])
def test_sad_kernels_agree_with_numpy(n, p):
    rng = np.random.default_rng(n * p)
    luma = rng.integers(0, 256, (n, p), dtype=np.uint8)
    luma[0, : p // 2] = 255
    if n > 1:
        luma[1, : p // 2] = 0  # the largest differences
    expected = np.abs(luma[:, None].astype(np.int64) - luma[None]).sum(axis=-1)
    upper = np.triu(expected, 1)
    assert np.array_equal(kernels.sad_tile_portable(luma, luma, True), upper)
    assert np.array_equal(kernels.pairwise_sad(luma), expected)
    # A rectangle: the first rows against all others.
    head = max(1, n // 2)
    rows = np.ascontiguousarray(luma[:head])
    columns = np.ascontiguousarray(luma[head:])
    portable = kernels.sad_tile_portable(rows, columns, False)
    assert np.array_equal(portable, expected[:head, head:])
    assert np.array_equal(kernels.sad_tile(rows, columns), expected[:head, head:])
    if kernels.PSADBW is None:
        pytest.skip("this CPU has no psadbw (AVX2 or AVX-512BW): portable path only")
    padded = kernels.padded_rows(luma, kernels.SIMD_BYTES)
    assert np.array_equal(kernels.sad_tile_simd(padded, padded, True), upper)


def test_sad_quads_blocks_and_edges_match_scipy():
    """Rows and columns that are not whole quads or blocks, pixels over several
    SAD tiles and a short last one, the largest differences: the blocked kernel
    gives scipy's exact sums, and in the upper case zeros on and left of the
    diagonal."""
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(11)
    p = 2 * kernels.SAD_TILE + 3 * kernels.SIMD_BYTES
    rows = rng.integers(0, 256, (kernels.SAD_BLOCK + 7, p), dtype=np.uint8)
    columns = rng.integers(0, 256, (kernels.QUAD_COLUMNS * 5 + 2, p), dtype=np.uint8)
    rows[3], columns[5] = 255, 0
    rows[4] = rows[9]  # a repeated frame: an exact zero off the diagonal
    expected = cdist(rows.astype(np.float64), columns.astype(np.float64), "cityblock")
    assert np.array_equal(kernels.sad_tile(rows, columns), expected)
    assert np.array_equal(kernels.sad_tile(columns, rows), expected.T)
    square = cdist(rows.astype(np.float64), rows.astype(np.float64), "cityblock")
    upper = kernels.sad_tile(rows, rows, upper=True)
    assert np.array_equal(upper, np.triu(square, 1))
    assert upper[4, 9] == 0 and upper[3, 4] > 0
    assert np.array_equal(kernels.pairwise_sad(rows), square)


def test_blocks_tiles_and_memmaps_give_the_same_matrices(
    tmp_path, random_frames, monkeypatch
):
    """Small frame blocks, Gram tiles and feature blocks, read from a memmapped
    .npy with a mask, as a long movie would be."""
    path = tmp_path / "frames.npy"
    np.save(path, random_frames)
    mask = np.ones(random_frames.shape[1:3], bool)
    mask[2:5, 3:9] = False
    expected = {
        metric: function(random_frames, mask)
        for metric, function in (("gray", gray_distances), ("hsl", hsl_distances))
    }
    monkeypatch.setattr(matrices, "FRAME_BLOCK", 2)
    monkeypatch.setattr(matrices, "GRAM_TILE", 3)
    monkeypatch.setattr(parameters, "HSL_FEATURE_BYTES", 9 * 16 * 20)
    assert matrices.hsl_block_pixels(9, 143) < 143
    frames = np.load(path, mmap_mode="r")
    assert np.array_equal(gray_distances(frames, mask), expected["gray"])
    result = hsl_distances(frames, mask)
    check_matrix(result, len(random_frames))
    np.testing.assert_allclose(result, expected["hsl"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(
        result, reference_hsl(random_frames, mask), atol=1e-4, rtol=0
    )


# 5 whole blocks of 8 frames; 2 blocks, the last one short (24 + 16).
@pytest.mark.parametrize("tile_frames", [8, 24])
def test_tiles_assemble_to_the_same_bytes(bikes_frames, monkeypatch, tile_frames):
    """A long movie's matrix from tiles (each computed on its own, as separate
    jobs would) equals the one-job matrix bit for bit: 40 real frames, Gram
    squares of 8 frames, several feature blocks, a mask."""
    monkeypatch.setattr(matrices, "GRAM_TILE", 8)
    monkeypatch.setattr(matrices, "FRAME_BLOCK", 5)
    monkeypatch.setattr(parameters, "HSL_FEATURE_BYTES", 40 * 16 * 1000)
    mask = np.ones(bikes_frames.shape[1:3], bool)
    mask[:10, 50:] = False
    n, pixels = len(bikes_frames), int(mask.sum())
    assert matrices.hsl_block_pixels(n, pixels) < pixels
    count = tile_count(n, tile_frames)
    assert count > 1
    for metric, whole in (("gray", gray_distances), ("hsl", hsl_distances)):
        expected = whole(bikes_frames, mask)
        tiles = {}
        for row, column in tile_pairs(count):
            rows, columns = (
                tile_range(index, n, tile_frames) for index in (row, column)
            )
            raw = matrices.TILES[metric](bikes_frames, rows, columns, mask)
            assert raw.shape == (rows[1] - rows[0], columns[1] - columns[0])
            tiles[rows, columns] = lambda raw=raw: raw
        assert len(tiles) == count * (count + 1) // 2
        assembled = matrices.assemble(metric, n, pixels, tiles)
        assert assembled.dtype == np.float32
        assert assembled.tobytes() == expected.tobytes(), metric


def test_tiles_must_start_on_gram_squares(random_frames):
    with pytest.raises(ValueError, match="multiples"):
        matrices.hsl_tile(random_frames, (0, 3), (3, 9))


def test_tile_ranges_cover_the_upper_triangle_once():
    assert tile_count(365, 512) == 1
    assert tile_count(1024, 512) == 2
    assert tile_count(1025, 512) == 3
    assert [tile_range(index, 1025, 512) for index in range(3)] == [
        (0, 512),
        (512, 1024),
        (1024, 1025),
    ]
    covered = np.zeros((1025, 1025), int)
    for row, column in tile_pairs(3):
        rows, columns = tile_range(row, 1025, 512), tile_range(column, 1025, 512)
        covered[slice(*rows), slice(*columns)] += 1
    assert (np.triu(covered) == np.triu(np.ones_like(covered))).all()
    assert not np.tril(covered, -1)[512:, :512].any()


def nearest_reference(distances, k):
    """Rank every other frame by distance, ties by frame index: the slow way."""
    n = len(distances)
    rows = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        others.sort(key=lambda j: (distances[i, j], j))
        rows.append(others[: min(k, n - 1)])
    return np.array(rows, np.int32).reshape(n, min(k, n - 1))


def test_nearest_frames_match_reference_with_ties(bikes_frames, monkeypatch):
    # Frames 0-9 twice: exact ties everywhere, and a block size that splits rows.
    frames = np.concatenate([bikes_frames[:10], bikes_frames[:10], bikes_frames[20:]])
    matrix = gray_distances(frames)
    monkeypatch.setattr(distances_nearest, "NEAREST_BLOCK", 7)
    for k in (1, 5, len(frames) + 3):
        nearest = nearest_frames(matrix, k)
        assert nearest.dtype == np.int32
        assert np.array_equal(nearest, nearest_reference(matrix, k))
    # The duplicate of frame 3 (frame 13) is its nearest.
    assert nearest_frames(matrix, 1)[3, 0] == 13


def test_nearest_frames_of_one_frame_is_empty():
    assert nearest_frames(np.zeros((1, 1), np.float32), 8).shape == (1, 0)


def test_nearest_frames_reads_a_memmap(tmp_path, bikes_frames):
    distances = hsl_distances(bikes_frames)
    np.save(tmp_path / "d.npy", distances)
    mapped = np.load(tmp_path / "d.npy", mmap_mode="r")
    assert np.array_equal(nearest_frames(mapped, 4), nearest_reference(distances, 4))


@pytest.mark.parametrize("band", [1, 7, 40])
def test_gray_in_bands_of_rows_gives_the_same_sums(bikes_frames, monkeypatch, band):
    """A gray tile is computed a band of rows at a time (a progress line after
    each): the same integer sums as the slow reference, on and off the diagonal,
    and the progress reaches every pair."""
    luma = np.stack([np.asarray(Image.fromarray(f).convert("L")) for f in bikes_frames])
    flat = luma.reshape(len(luma), -1).astype(np.int64)
    expected = np.abs(flat[:, None] - flat[None]).sum(axis=-1)
    monkeypatch.setattr(matrices, "SAD_BAND", band)
    calls = []
    diagonal = matrices.gray_tile(
        bikes_frames, (0, 40), (0, 40), progress=lambda *a: calls.append(a)
    )
    assert np.array_equal(diagonal, np.triu(expected, 1))
    assert calls[-1] == (40 * 39 // 2, 40 * 39 // 2, "pairs")
    assert len(calls) == -(-40 // band)
    done = [done for done, _, _ in calls]
    assert done == sorted(done)
    calls.clear()
    rectangle = matrices.gray_tile(
        bikes_frames, (0, 15), (15, 40), progress=lambda *a: calls.append(a)
    )
    assert np.array_equal(rectangle, expected[:15, 15:])
    assert calls[-1] == (15 * 25, 15 * 25, "pairs")


def test_hsl_progress_counts_the_pixel_blocks(bikes_frames, monkeypatch):
    monkeypatch.setattr(parameters, "HSL_FEATURE_BYTES", 40 * 16 * 1000)
    calls = []
    matrices.hsl_tile(
        bikes_frames, (0, 40), (0, 40), progress=lambda *a: calls.append(a)
    )
    blocks = -(-80 * 60 // matrices.hsl_block_pixels(40, 80 * 60))
    assert blocks > 1
    assert calls == [(done, blocks, "pixel blocks") for done in range(1, blocks + 1)]
