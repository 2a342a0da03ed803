"""Where footage repeats (framescape.reuse): the descriptors against slow
references and against the edits they must survive, the pairs against a brute
force, the stretches on planted repeats, and real footage edited and spliced
by ffmpeg."""

import numpy as np
import pytest
from scipy.stats import spearmanr

from framescape.common import FramescapeError, load_tsv, save_json, save_npz
from framescape.frames.probe import probe_movie
from framescape.reuse import descriptors as reuse_descriptors
from framescape.reuse import follow as reuse_follow
from framescape.reuse import jobs as reuse_jobs
from framescape.reuse import matching as reuse_matching
from framescape.reuse import parameters as reuse_parameters
from framescape.reuse import stretches as reuse
from framescape.testing import ffmpeg, make_movie, real_movie


def test_content_boxes_find_letterbox_and_pillarbox_bars():
    rng = np.random.default_rng(0)
    picture = rng.uniform(40, 220, size=(96, 128)).astype(np.float32)
    letterbox = picture.copy()
    letterbox[:14] = 16.0
    letterbox[-9:] = 16.0 + rng.normal(0, 1, size=(9, 128))  # compression noise
    pillarbox = picture.copy()
    pillarbox[:, :20] = 0.0
    pillarbox[:, -20:] = 0.0
    boxes = reuse_descriptors.content_boxes(np.stack([picture, letterbox, pillarbox]))
    assert boxes.tolist() == [
        [0, 96, 0, 128],
        [14, 87, 0, 128],
        [0, 96, 20, 108],
    ]


def test_content_boxes_leave_bright_flat_edges_and_cap_dark_ones():
    sky = np.full((1, 96, 128), 120.0, dtype=np.float32)
    sky[:, 40:] = np.random.default_rng(1).uniform(0, 255, size=(56, 128))
    black = np.zeros((1, 96, 128), dtype=np.float32)
    boxes = reuse_descriptors.content_boxes(np.concatenate([sky, black]))
    # A flat bright sky is picture, not a bar; bars never take more than BAR_MOST.
    assert boxes[0].tolist() == [0, 96, 0, 128]
    most_rows, most_columns = (
        int(96 * reuse_descriptors.BAR_MOST),
        int(128 * reuse_descriptors.BAR_MOST),
    )
    assert boxes[1].tolist() == [
        most_rows,
        96 - most_rows,
        most_columns,
        128 - most_columns,
    ]


def test_cell_means_equal_pixel_means():
    rng = np.random.default_rng(2)
    y = rng.uniform(0, 255, size=(3, 50, 70)).astype(np.float32)
    boxes = np.array([[0, 50, 0, 70], [7, 45, 3, 61], [10, 30, 20, 50]])
    cells = reuse_descriptors.cell_means(y, boxes, grid=(4, 5))
    for f, (top, bottom, left, right) in enumerate(boxes):
        r = np.rint(top + (bottom - top) * np.arange(5) / 4).astype(int)
        c = np.rint(left + (right - left) * np.arange(6) / 5).astype(int)
        for i in range(4):
            for j in range(5):
                block = y[f, r[i] : r[i + 1], c[j] : c[j + 1]]
                assert cells[f, i, j] == pytest.approx(block.mean(), rel=1e-5)


def test_rank_vectors_dot_is_the_rank_correlation():
    rng = np.random.default_rng(3)
    cells = rng.integers(0, 12, size=(6, 4, 5)).astype(np.float32)  # many ties
    vectors = reuse_descriptors.rank_vectors(cells)
    flat = cells.reshape(6, -1)
    for a in range(6):
        for b in range(6):
            expected = spearmanr(flat[a], flat[b]).statistic
            assert vectors[a] @ vectors[b] == pytest.approx(expected, abs=1e-5)


def test_region_similarity_is_the_trimmed_mean_of_part_correlations():
    rng = np.random.default_rng(9)
    (rows, columns), (part_rows, part_columns) = (
        reuse_descriptors.GRID,
        reuse_descriptors.REGIONS,
    )
    high, wide = rows // part_rows, columns // part_columns
    cells = rng.integers(0, 40, size=(5, rows, columns)).astype(np.float32)
    vectors = reuse_descriptors.descriptors_of_cells(cells)
    i, j = np.array([0, 1, 2, 3, 4, 0]), np.array([1, 2, 3, 4, 0, 0])
    similarity = reuse_matching.RegionSimilarity(vectors, part_rows * part_columns)
    found = similarity(i, j)
    for k in range(len(i)):
        # Each part's rank correlation (Spearman), the DROP lowest left out.
        parts = [
            spearmanr(
                cells[i[k], r : r + high, c : c + wide].ravel(),
                cells[j[k], r : r + high, c : c + wide].ravel(),
            ).statistic
            for r in range(0, rows, high)
            for c in range(0, columns, wide)
        ]
        expected = np.mean(sorted(parts)[reuse_matching.DROP :])
        assert found[k] == pytest.approx(max(expected, 0.0), abs=1e-5)
    assert found[-1] == pytest.approx(1.0)


def plain_similarity(vectors, i, j, parts, drop=reuse_matching.DROP):
    """RegionSimilarity's values the plain way, on vectors in their own order
    (each part's cells together): per pair, each part's float32 products added
    in float64 in order, times ``parts``; the ``drop`` lowest parts left out,
    the others added in ascending order, clipped to [0, 1]."""
    size = vectors.shape[1] // parts
    out = np.empty(len(i))
    for k, (row, column) in enumerate(zip(i, j)):
        per_part = []
        for p in range(parts):
            total = 0.0
            for d in range(p * size, (p + 1) * size):
                total += float(vectors[row, d] * vectors[column, d])
            per_part.append(total * parts)
        total = 0.0
        for value in sorted(per_part)[drop:]:
            total += value
        out[k] = min(max(total / (parts - drop), 0.0), 1.0)
    return out


def test_region_similarity_equals_the_plain_loop_to_the_bit():
    """The fast loop (cells of every part side by side, a sorting network)
    against the plain one on the vectors as they were: the same float64
    values, for pairs of windows alike, unlike, identical and without a
    descriptor (all zeros)."""
    rng = np.random.default_rng(4)
    rows, columns = reuse_descriptors.GRID
    parts = int(np.prod(reuse_descriptors.REGIONS))
    base = rng.integers(0, 40, size=(60, rows, columns)).astype(np.float32)
    # Every other window a noisy copy of the one before: similar pairs too.
    base[1::2] = base[::2] + rng.normal(0, 4, size=base[1::2].shape)
    vectors = reuse_descriptors.descriptors_of_cells(base)
    vectors[7] = 0.0
    i = rng.integers(0, len(vectors), 3000)
    j = np.where(rng.random(3000) < 0.3, i ^ 1, rng.integers(0, len(vectors), 3000))
    i[:3], j[:3] = (0, 7, 5), (0, 3, 5)
    expected = plain_similarity(vectors, i, j, parts)
    reordered = vectors.copy()
    found = reuse_matching.RegionSimilarity(reordered, parts)(i, j)
    assert found.dtype == np.float64
    assert np.array_equal(found, expected)
    # Reordered once only: a second reorder would compare the wrong cells.
    with pytest.raises(ValueError):
        reuse_matching.RegionSimilarity(reordered, parts)
    assert (expected > 0.75).sum() > 100 and (expected == 0.0).sum() > 0


@pytest.mark.parametrize("n", [1, 2, 3, 5, 12, 16, 17])
def test_sorting_network_sorts(n):
    """Every input of 0s and 1s sorted: then every input is (the 0-1
    principle of comparator networks)."""
    network = reuse_matching.sorting_network(n)
    values = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    for a, b in network:
        values[:, a], values[:, b] = (
            np.minimum(values[:, a], values[:, b]),
            np.maximum(values[:, a], values[:, b]),
        )
    assert np.array_equal(values, np.sort(values, axis=1))


def first_luma(path, count=40):
    """A movie's first ``count`` frames at 25 fps, 80×60, as ffmpeg's luma."""
    decoder = reuse_descriptors.LumaDecoder(path, fps=25, width=80, height=60)
    return np.stack([frame for _, frame in zip(range(count), decoder)]).astype(
        np.float32
    )


@pytest.fixture(scope="module")
def bikes_luma(bikes):
    return first_luma(bikes)


@pytest.fixture(scope="module")
def bunny_luma():
    """bigbuckbunny.mp4's first frames: other footage."""
    return first_luma(real_movie("bigbuckbunny.mp4"))


@pytest.fixture(scope="module")
def slow_movie(tmp_path_factory):
    """Six seconds at two frames a second: slower than the descriptors'
    eight a second."""
    folder = tmp_path_factory.mktemp("slow")
    return make_movie(folder / "slow.mp4", seconds=6, rate=2, size="96x72")


@pytest.mark.parametrize(
    "source_fps, scaled_first", [(None, False), (0, False), (2.0, True), (25.0, False)]
)
def test_luma_decoder_scales_a_slow_movie_before_repeating_its_frames(
    slow_movie, source_fps, scaled_first
):
    """Decoding faster than the movie's own rate (fps repeats frames), the
    frames are scaled before they are repeated; the same pixels and times
    whichever order ffmpeg's filters take."""
    plain = reuse_descriptors.LumaDecoder(slow_movie, fps=8, width=40, height=30)
    decoder = reuse_descriptors.LumaDecoder(
        slow_movie, fps=8, width=40, height=30, source_fps=source_fps
    )
    order = "scale=40:30[s0];[s0]fps=8" if scaled_first else "fps=8[s0];[s0]scale"
    assert order in " ".join(decoder.command())
    frames, expected = np.stack(list(decoder)), np.stack(list(plain))
    assert frames.shape == (48, 30, 40)
    assert len(np.unique(frames, axis=0)) == 12
    assert np.array_equal(frames, expected)
    assert decoder.times == plain.times


def test_descriptors_take_the_movie_s_rate_from_its_probe(
    tmp_path, slow_movie, monkeypatch
):
    decoders = []

    class Recorded(reuse_descriptors.LumaDecoder):
        def __iter__(self):
            decoders.append(self)
            return super().__iter__()

    monkeypatch.setattr(reuse_descriptors, "LumaDecoder", Recorded)
    probe = tmp_path / "probe.json"
    save_json(probe, probe_movie(slow_movie))
    output = tmp_path / "descriptors.npz"
    reuse_descriptors.descriptors_step(slow_movie, probe, output, fps=1.0)
    [decoder] = decoders
    assert decoder.source_fps == 2.0
    assert "scale=128:96[s0];[s0]fps=8.0" in " ".join(decoder.command())
    assert len(np.load(output)["vectors"]) == 11


def test_luma_decoder_gives_the_bt601_luma_of_the_rgb_frames(bikes_frames, bikes_luma):
    """ffmpeg's gray frames against BT.601 luma of the same frames decoded as
    RGB: the same pictures up to rounding in the two conversions (TV-range
    luma, 16-235, would differ by up to 20 grey levels)."""
    expected = bikes_frames.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])
    assert bikes_luma.shape == expected.shape
    difference = np.abs(bikes_luma - expected)
    assert difference.mean() < 2.0
    assert difference.max() <= 6.0


def edits(y):
    """The envelope's edits of luma pictures, by name."""
    letterboxed = np.zeros((len(y), y.shape[1] + 24, y.shape[2]), np.float32)
    letterboxed[:, 12:-12] = y
    logo = y.copy()
    height, width = y.shape[1:]
    logo[:, : height // 4, -width // 3 :] = 235.0  # 8 % of the picture
    return {
        "letterbox": letterboxed,
        "brightness and contrast": np.clip(y * 1.3 + 25, 0, 255),
        "gamma": 255 * (y / 255) ** 0.6,
        "logo": logo,
    }


@pytest.mark.parametrize(
    "edit", ["letterbox", "brightness and contrast", "gamma", "logo"]
)
def test_descriptors_survive_the_envelope_and_tell_other_footage_apart(
    bikes_luma, bunny_luma, edit
):
    original = reuse_descriptors.descriptors(bikes_luma)
    edited = reuse_descriptors.descriptors(edits(bikes_luma)[edit])
    same = np.einsum("ij,ij->i", original, edited)
    other = edited @ reuse_descriptors.descriptors(bunny_luma).T
    assert same.min() > reuse_follow.MATCH_SIMILARITY
    assert other.max() < reuse_follow.MATCH_SIMILARITY


def test_flat_pictures_have_no_descriptor():
    rng = np.random.default_rng(4)
    flat = np.stack(
        [
            np.zeros((48, 64)),  # black
            np.full((48, 64), 128.0),  # uniform grey
            128 + rng.normal(0, 1.0, size=(48, 64)),  # grey with noise
            np.tile(np.linspace(100, 103, 64), (48, 1)),  # the end of a fade
        ]
    ).astype(np.float32)
    assert not reuse_descriptors.descriptors(flat).any()


def test_window_pictures_average_half_overlapping_windows():
    frames = [np.full((2, 3), value, dtype=np.uint8) for value in range(10)]
    pictures = list(reuse_descriptors.window_pictures(frames, 4))
    # Windows of frames 0-3, 2-5, 4-7, 6-9 (frame 10 would start a fifth).
    assert [float(p[0, 0]) for p in pictures] == pytest.approx([1.5, 3.5, 5.5, 7.5])


def brute_force_pairs(vectors, movie, time, apart, threshold, most, rows=None):
    scores = vectors @ vectors.T
    pairs = set()
    for i in range(len(vectors)) if rows is None else rows:
        allowed = [
            j
            for j in range(len(vectors))
            if j != i
            and scores[i, j] >= threshold
            and not (movie[j] == movie[i] and abs(time[j] - time[i]) < apart)
        ]
        allowed.sort(key=lambda j: -scores[i, j])
        pairs |= {tuple(sorted((i, j))) for j in allowed[:most]}
    return pairs


def test_similar_pairs_equal_a_brute_force():
    rng = np.random.default_rng(5)
    base = rng.normal(size=(40, 16))
    # Each base vector four times, slightly changed: groups of similar frames.
    vectors = np.repeat(base, 4, axis=0) + rng.normal(0, 0.3, size=(160, 16))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(
        np.float32
    )
    movie = rng.integers(0, 3, size=160)
    time = rng.uniform(0, 20, size=160)
    found = reuse_matching.similar_pairs(vectors, movie, time, 3.0, 0.8, most=2, block=37)
    every = brute_force_pairs(vectors, movie, time, 3.0, 0.8, 2)
    assert len(every) > 40
    assert {tuple(p) for p in found.tolist()} == every
    rows = np.arange(0, 160, 3)
    found = reuse_matching.similar_pairs(vectors, movie, time, 3.0, 0.8, 2, 11, rows=rows)
    expected = brute_force_pairs(vectors, movie, time, 3.0, 0.8, 2, rows=rows)
    assert 10 < len(expected) < len(every)
    assert {tuple(p) for p in found.tolist()} == expected


def test_indexed_pairs_find_what_every_pair_finds(monkeypatch):
    """Through the index: the brute force's pairs when every list is searched,
    nearly all of them when 4 of 40 are."""
    rng = np.random.default_rng(7)
    base = rng.normal(size=(400, 24))
    vectors = np.repeat(base, 5, axis=0) + rng.normal(0, 0.35, size=(2000, 24))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(
        np.float32
    )
    movie = rng.integers(0, 6, size=2000)
    time = rng.uniform(0, 60, size=2000)
    every = brute_force_pairs(vectors, movie, time, 3.0, 0.6, 3)
    assert len(every) > 1000
    monkeypatch.setattr(reuse_matching, "LIST_WINDOWS", 50)
    monkeypatch.setattr(reuse_matching, "PROBES", 40)
    found = reuse_matching.indexed_pairs(vectors, movie, time, 3.0, 0.6, 3, block=300)
    assert {tuple(p) for p in found.tolist()} == every
    monkeypatch.setattr(reuse_matching, "PROBES", 4)
    found = {tuple(p) for p in reuse_matching.indexed_pairs(
        vectors, movie, time, 3.0, 0.6, 3, block=300
    ).tolist()}
    assert len(found & every) >= 0.95 * len(every)
    # What it keeps instead of a pair it missed is still a similar pair.
    i, j = np.array(sorted(found - every), dtype=np.int64).reshape(-1, 2).T
    assert ((vectors[i] * vectors[j]).sum(axis=1) >= 0.6).all()
    assert not ((movie[i] == movie[j]) & (abs(time[i] - time[j]) < 3.0)).any()


def test_indexed_pairs_look_past_a_still_movie_s_own_windows(monkeypatch):
    """Windows every 0.1 s of slow footage with 10 s left out around each: the
    index still offers the pairs of other movies that every pair's search
    keeps (a fixed number searched would fill with the movie's own)."""
    rng = np.random.default_rng(11)
    steps = rng.normal(size=(3, 600, 24))
    walks = np.cumsum(steps * 0.05, axis=1) + rng.normal(size=(3, 1, 24))
    vectors = walks.reshape(1800, 24)
    vectors[1200:1400] = vectors[100:300] + rng.normal(0, 0.02, size=(200, 24))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(
        np.float32
    )
    movie = np.repeat(np.arange(3), 600)
    time = np.tile(np.arange(600) * 0.1, 3)
    every = brute_force_pairs(vectors, movie, time, 10.0, 0.9, 4)
    across = {pair for pair in every if movie[pair[0]] != movie[pair[1]]}
    assert len(across) > 100
    monkeypatch.setattr(reuse_matching, "LIST_WINDOWS", 100)
    monkeypatch.setattr(reuse_matching, "PROBES", 18)
    found = reuse_matching.indexed_pairs(vectors, movie, time, 10.0, 0.9, 4)
    assert {tuple(p) for p in found.tolist()} == every


def footage(rng, frames, dims=48, kept=0.7):
    """A descriptor sequence with motion: each frame keeps ``kept`` of the
    last one (correlation ``kept ** lag`` at a lag, like real footage's
    windows, docs/reuse.md) and adds the rest anew."""
    walk = np.empty((frames, dims))
    walk[0] = rng.normal(size=dims)
    for t in range(1, frames):
        walk[t] = kept * walk[t - 1] + np.sqrt(1 - kept**2) * rng.normal(size=dims)
    return walk


def unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def run_stretches(movies_vectors, steps, min_seconds=3.0, min_score=0.0):
    """find_stretches on descriptor sequences (zero rows: no descriptor)."""
    joined = np.concatenate(movies_vectors)
    described = joined.any(axis=1)
    vectors = np.zeros(joined.shape, dtype=np.float32)
    vectors[described] = unit(joined[described])
    movie = np.concatenate([np.full(len(v), m) for m, v in enumerate(movies_vectors)])
    time = np.concatenate(
        [np.arange(len(v)) * steps[m] for m, v in enumerate(movies_vectors)]
    )
    pairs = reuse_matching.similar_pairs(vectors, movie, time, min_seconds)

    def similarity(i, j):
        return np.clip(np.einsum("ij,ij->i", vectors[i], vectors[j]), 0, 1)

    return reuse.find_stretches(
        pairs,
        similarity,
        movie,
        time,
        np.asarray(steps),
        min_seconds,
        described=described,
        min_score=min_score,
    )


def test_stretches_found_at_their_offset_in_another_movie_and_in_one_movie():
    rng = np.random.default_rng(6)
    a = footage(rng, 90)
    b = footage(rng, 50)
    # Frames 10-29 of a (10 s at 0.5 s a frame) again in b from frame 25 on,
    # with noise; a's frames 40-49 again at its own frames 60-69 (5 s later),
    # and frames 72-79 straight after them, at 80-87: a cycle, not a repeat.
    b[25:45] = a[10:30] + rng.normal(0, 0.3, size=(20, 48))
    a[60:70] = a[40:50] + rng.normal(0, 0.3, size=(10, 48))
    a[80:88] = a[72:80] + rng.normal(0, 0.3, size=(8, 48))
    found = run_stretches([a, b], [0.5, 0.5])
    assert len(found) == 2
    assert found[0].score >= found[1].score  # best score first
    by_pair = {(row.movie_a, row.movie_b): row for row in found}
    between, within = by_pair[(0, 1)], by_pair[(0, 0)]

    def places(row):
        return (row.start_a, row.end_a, row.start_b, row.end_b)

    assert places(between) == pytest.approx((5, 15, 12.5, 22.5), abs=0.5)
    assert between.score > 0.9
    assert places(within) == pytest.approx((20, 25, 30, 35), abs=0.5)


def alike(rng, target, cosine):
    """A vector whose cosine with ``target`` is ``cosine`` exactly."""
    other = rng.normal(size=target.shape)
    other -= (other @ target) / (target @ target) * target
    unit = target / np.linalg.norm(target)
    return cosine * unit + np.sqrt(1 - cosine**2) * other / np.linalg.norm(other)


@pytest.mark.parametrize(
    "edges, start, end",
    [
        # Frames 9 and 30 of a half inside its copy in b: they join it.
        ({24: 0.68, 45: 0.68}, 4.25, 15.25),
        # Less alike than EDGE_SIMILARITY: they do not.
        ({24: 0.5, 45: 0.5}, 4.75, 14.75),
        # One window joins at each end, not two.
        ({23: 0.68, 24: 0.68, 45: 0.68, 46: 0.68}, 4.25, 15.25),
    ],
)
def test_the_window_straddling_each_cut_belongs_to_the_stretch(edges, start, end):
    """Frames 10-29 of a again in b from frame 25 on; the frames around the
    copy in b hold some of a's footage (``edges``: frame of b → how alike it is
    to its partner in a)."""
    rng = np.random.default_rng(8)
    a, b = footage(rng, 60), footage(rng, 60)
    b[25:45] = a[10:30]
    for frame, cosine in edges.items():
        b[frame] = alike(rng, a[frame - 15], cosine)
    (found,) = run_stretches([a, b], [0.5, 0.5])
    # Each frame stands for the 0.5 s around it.
    assert (found.start_a, found.end_a, found.start_b, found.end_b) == pytest.approx(
        (start, end, start + 7.5, end + 7.5)
    )


def test_a_short_patch_lengthened_by_its_edges_scores_them_too():
    """Four windows that match at 0.85 and the two around them at 0.62 last
    min_seconds with them: scored over all six (0.77), below MIN_SCORE (the
    patches in which footage that only looks alike matches); ten such
    windows score 0.81 and are kept."""
    rng = np.random.default_rng(9)
    a, b = footage(rng, 40), footage(rng, 40)
    for frame in range(10, 20):
        b[frame + 5] = alike(rng, a[frame], 0.85)
    b[14], b[25] = alike(rng, a[9], 0.62), alike(rng, a[20], 0.62)
    (found,) = run_stretches([a, b], [0.5, 0.5], min_score=reuse.MIN_SCORE)
    assert found.score == pytest.approx((10 * 0.85 + 2 * 0.62) / 12, abs=0.01)
    assert (found.start_a, found.end_a) == pytest.approx((4.25, 10.25))
    b[19:25] = footage(rng, 6)  # only frames 10-13 of a left, and 9 and 14 around
    b[19] = alike(rng, a[14], 0.62)
    assert run_stretches([a, b], [0.5, 0.5], min_score=reuse.MIN_SCORE) == []
    (found,) = run_stretches([a, b], [0.5, 0.5])
    assert found.score == pytest.approx((4 * 0.85 + 2 * 0.62) / 6, abs=0.01)


def test_no_stretch_between_unrelated_or_still_footage():
    rng = np.random.default_rng(7)
    a, b = footage(rng, 60), footage(rng, 60)
    # A still picture held 10 s in both: alike at every offset, so no offset.
    still = rng.normal(size=48)
    a[20:40] = still + rng.normal(0, 0.2, size=(20, 48))
    b[5:25] = still + rng.normal(0, 0.2, size=(20, 48))
    assert run_stretches([a, b], [0.5, 0.5]) == []


def test_frames_without_a_descriptor_tell_no_offset():
    """Movie 1 is described only for 2 s (a plain gradient between black
    frames, say), where anything alike matches: its frames 2 s either way have
    no descriptor, so they cannot show that this offset beats its neighbours."""
    time = np.r_[np.arange(10), np.arange(30)] * 0.5
    movie = np.r_[np.zeros(10, int), np.ones(30, int)]
    described = np.r_[np.ones(10, bool), np.arange(30) // 4 == 2]

    def similarity(i, j):
        return np.where(described[j], 0.9, 0.0)

    candidates = np.array([[i, 10 + 8 + i] for i in range(4)])
    step = np.array([0.5, 0.5])
    # Taking every frame for described, the offset looks told apart.
    assert len(reuse.find_stretches(candidates, similarity, movie, time, step, 1.5))
    found = reuse.find_stretches(
        candidates, similarity, movie, time, step, 1.5, described=described
    )
    assert found == []


def test_stretches_between_movies_sampled_at_different_rates():
    rng = np.random.default_rng(8)
    fine = footage(rng, 200, kept=0.95)  # 0.1 s a frame
    coarse = footage(rng, 30)  # 0.5 s a frame
    # fine's 4.0-9.0 s at coarse's 6.0-11.0 s: every 5th fine frame.
    coarse[12:22] = fine[40:90:5] + rng.normal(0, 0.2, size=(10, 48))
    found = run_stretches([fine, coarse], [0.1, 0.5])
    assert len(found) == 1
    (stretch,) = found
    assert stretch.start_b - stretch.start_a == pytest.approx(2.0, abs=0.1)
    assert (stretch.start_a, stretch.end_a) == pytest.approx((4.0, 9.0), abs=0.5)


def test_tsv_rows_put_the_id_first_in_order_and_round():
    stretches = [
        reuse.Stretch(1, 2.0, 6.5, 0, 10.12345, 14.6, 0.91234),
        reuse.Stretch(0, 30.0, 34.0, 0, 3.0, 7.0, 1.2),
    ]
    rows = reuse_jobs.tsv_rows(stretches, ["zebra", "apple"])
    assert rows == [
        ["apple", "2.000", "6.500", "zebra", "10.123", "14.600", "0.912"],
        ["zebra", "3.000", "7.000", "zebra", "30.000", "34.000", "1.000"],
    ]


def splice(workdir, name, parts):
    """A movie of ``parts`` (``(file, start, seconds, filters)``), one after
    the other at 25 fps, 320×240: each part's picture edited by ``filters``."""
    inputs, chains = [], []
    for k, (file, start, seconds, filters) in enumerate(parts):
        inputs += ["-ss", str(start), "-t", str(seconds), "-i", str(file)]
        chains.append(
            f"[{k}:v]{filters + ',' if filters else ''}scale=320:240,setsar=1,fps=25,"
            f"format=yuv420p[v{k}]"
        )
    joined = "".join(f"[v{k}]" for k in range(len(parts)))
    graph = ";".join(chains) + f";{joined}concat=n={len(parts)}:v=1:a=0[out]"
    path = workdir / name
    ffmpeg(*inputs, "-filter_complex", graph, "-map", "[out]", str(path))
    return path


def test_real_footage_spliced_with_edits_is_found_and_nothing_else(tmp_path):
    """bikes.mp4's 2.0–8.0 s, letterboxed, sepia, brighter and under a logo,
    spliced 4.6 s into unrelated footage (bigbuckbunny, ffmpeg's mandelbrot);
    carphone.mp4 beside them shares nothing."""
    bikes, bunny = real_movie("bikes.mp4"), real_movie("bigbuckbunny.mp4")
    carphone = real_movie("carphone_pristine.mp4")
    mandelbrot = tmp_path / "mandelbrot.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=25", "-t", "6", mandelbrot
    )
    edited = (
        "scale=320:140,pad=320:240:0:50,"
        "colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:.272:.534:.131,"
        "eq=brightness=0.08:contrast=1.2,"
        "drawbox=x=10:y=60:w=90:h=40:color=white@0.8:t=fill"
    )
    carrier = splice(
        tmp_path,
        "carrier.mp4",
        [(bunny, 0, 4.6, ""), (bikes, 2.0, 6.0, edited), (mandelbrot, 0, 5, "")],
    )
    movies = {"bikes": bikes, "carrier": carrier, "carphone": carphone}
    npzs = []
    for movie, path in movies.items():
        npzs.append(tmp_path / f"{movie}.npz")
        probe = tmp_path / f"{movie}.json"
        save_json(probe, probe_movie(path))
        reuse_descriptors.descriptors_step(path, probe, npzs[-1], fps=1)
        # The run counts the windows from the file's size (in a storage only
        # that is known): exactly.
        with np.load(npzs[-1]) as data:
            windows = len(data["vectors"])
        size = npzs[-1].stat().st_size
        assert reuse_parameters.descriptor_windows_sized(size) == windows > 0
    reuse_jobs.reuse_step(npzs, list(movies), 3.0, tmp_path / "reuse.tsv")
    rows = load_tsv(tmp_path / "reuse.tsv")
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["movie_a"], row["movie_b"]) == ("bikes", "carrier")
    # Within one sampling interval (1 s) of the truth.
    assert float(row["start_a"]) == pytest.approx(2.0, abs=1.0)
    assert float(row["end_a"]) == pytest.approx(8.0, abs=1.0)
    assert float(row["start_b"]) - float(row["start_a"]) == pytest.approx(2.6, abs=0.5)
    assert reuse.MIN_SCORE <= float(row["score"]) <= 1


def descriptors_file(path, vectors, interval=1.0):
    """A movie's descriptors.npz: ``vectors``, a window every half interval."""
    save_npz(
        path,
        vectors=np.asarray(vectors, np.float32),
        times=np.arange(len(vectors)) * interval / 2,
        interval=np.float64(interval),
        parts=np.int64(12),
    )
    return path


HEADER = "movie_a\tstart_a\tend_a\tmovie_b\tstart_b\tend_b\tscore"


@pytest.mark.parametrize("movies", [0, 3])
def test_nothing_found_still_writes_the_header(tmp_path, movies):
    """No movies, or movies that share nothing: unrelated random pictures, one
    window, none."""
    rng = np.random.default_rng(5)
    cells = rng.integers(0, 255, size=(40, 12, 16)).astype(np.float32)
    vectors = reuse_descriptors.descriptors_of_cells(cells)
    npzs = [
        descriptors_file(tmp_path / "a.npz", vectors[:30]),
        descriptors_file(tmp_path / "b.npz", vectors[30:31]),
        descriptors_file(tmp_path / "c.npz", np.zeros((0, 192))),
    ][:movies]
    rows = reuse_jobs.reuse_step(npzs, ["a", "b", "c"][:movies], 3.0, tmp_path / "r.tsv")
    assert rows == []
    assert (tmp_path / "r.tsv").read_text() == HEADER + "\n"


def test_descriptors_without_their_times_are_named(tmp_path):
    path = descriptors_file(tmp_path / "a.npz", np.ones((4, 192)))
    with np.load(path) as data:
        save_npz(path, **{**data, "times": data["times"][:3]})
    with pytest.raises(FramescapeError, match=r"a\.npz: 4 descriptors but 3 times"):
        reuse_jobs.load_descriptors([path])


def test_a_damaged_movie_stops_its_descriptors_with_one_line(tmp_path, bikes):
    """Half of a faststart mp4 decodes half of the movie: its descriptors fail as
    its frames do (framescape.frames), rather than describe half of it."""
    faststart = tmp_path / "faststart.mp4"
    ffmpeg("-i", str(bikes), "-c", "copy", "-movflags", "+faststart", str(faststart))
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(faststart.read_bytes()[: faststart.stat().st_size // 2])
    probe = tmp_path / "probe.json"
    save_json(probe, probe_movie(faststart))
    with pytest.raises(FramescapeError, match="truncated or damaged: decoded"):
        reuse_descriptors.descriptors_step(damaged, probe, tmp_path / "d.npz", fps=1)
    assert not (tmp_path / "d.npz").exists()


def test_a_movie_moving_in_cycles_is_followed_once_per_offset():
    """A long movie whose picture comes back every 10 s (a test pattern, a
    looping animation) votes at every multiple of 10 s, in many clusters a
    few seconds apart (the search keeps a few alike windows each): each
    offset's walk is not repeated for every cluster inside the part it walked,
    nor widened to the movie's ends, and no stretch is made of the cycles."""
    rng = np.random.default_rng(12)
    period, n, step = 20, 2000, 0.5
    phases = unit(rng.normal(size=(period, 48)))
    vectors = unit(phases[np.arange(n) % period] + rng.normal(0, 0.05, (n, 48)))
    time = np.arange(n) * step
    # Each window alike a few of its copies, as a search keeping a few
    # neighbours finds them: (i, i + k·period) for some k each.
    firsts = rng.integers(0, n, 6000)
    later = firsts + period * rng.integers(1, 12, 6000)
    keep = later < n
    candidates = np.stack([firsts[keep], later[keep]], axis=1)
    compared = [0]

    def similarity(i, j):
        compared[0] += len(i)
        return np.clip(np.einsum("ij,ij->i", vectors[i], vectors[j]), 0, 1)

    found = reuse.find_stretches(
        candidates, similarity, np.zeros(n, int), time, np.array([step]), 3.0
    )
    assert found == []
    # 11 offsets, each walked about once along the movie's 2,000 windows (a
    # walk compares each window with its partners and those beside them, and
    # widens a few times): 0.29 million comparisons; 8.5 million when every
    # cluster was walked again, widening to the movie's ends.
    assert compared[0] < 11 * 20 * n, compared[0]


def test_a_cycle_inside_one_movie_is_not_followed_to_its_ends():
    """Ten votes for a 10-s offset in the middle of a 1,000-s looping movie:
    the run of matching windows is already as long as the offset in the part
    around them (cycles: never a stretch), so the walk stops there instead of
    widening to both ends of the movie."""
    rng = np.random.default_rng(13)
    period, n, step = 20, 2000, 0.5
    phases = unit(rng.normal(size=(period, 48)))
    vectors = unit(phases[np.arange(n) % period] + rng.normal(0, 0.05, (n, 48)))
    candidates = np.array([(i, i + period) for i in range(1000, 1010)])
    compared = [0]

    def similarity(i, j):
        compared[0] += len(i)
        return np.clip(np.einsum("ij,ij->i", vectors[i], vectors[j]), 0, 1)

    time = np.arange(n) * step
    found = reuse.find_stretches(
        candidates, similarity, np.zeros(n, int), time, np.array([step]), 3.0
    )
    assert found == []
    # 132 comparisons; 18,245 when the walk widened to the movie's ends.
    assert compared[0] < 1000, compared[0]
