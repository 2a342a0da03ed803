"""hsl's Gram products without the matrix (framescape.distances.products) on
real frames' features: the float64 products within float32 rounding, and each
element's bits the same wherever its frames sit and on any number of threads."""

import numba
import numpy as np
import pytest

from framescape.distances import matrices, products


@pytest.fixture(scope="module")
def features(bikes_frames):
    """40 frames of bikes.mp4 and the same frames mirrored: 80 rows of 19,200
    hsl features (9 chunks and a part of one)."""
    frames = np.concatenate([bikes_frames, bikes_frames[:, :, ::-1]])
    return matrices.hsl_features(matrices.pixel_block(frames, None))


def products_of(rows, columns):
    out = np.zeros((len(rows), len(columns)))
    products.add_products(rows, columns, out)
    return out


def test_the_products_are_the_exact_ones_within_float32_rounding(features):
    """Against float64 products, and added to what ``out`` holds."""
    exact = features.astype(np.float64) @ features.T.astype(np.float64)
    got = products_of(features, features)
    assert np.allclose(got, exact, rtol=1e-6, atol=0)
    # float32 products: not the float64 ones exactly.
    assert not (got == exact).all()
    twice = got.copy()
    products.add_products(features, features, twice)
    assert (twice == 2 * got).all()


def test_an_element_does_not_depend_on_the_frames_beside_it(features):
    """The whole product, then the rows and columns shuffled, and parts of every
    shape a tile can end in (1 to 3 rows or columns over, fewer than a tile,
    a block and a bit): the same bits at each frame pair."""
    whole = products_of(features, features)
    draw = np.random.default_rng(7)
    rows, columns = draw.permutation(len(features)), draw.permutation(len(features))
    assert (products_of(features[rows], features[columns]) == whole[rows][:, columns]).all()
    for n_rows, n_columns in [(1, 1), (1, 5), (2, 7), (4, 4), (5, 50), (49, 25)]:
        rows = np.sort(draw.choice(len(features), n_rows, replace=False))
        columns = draw.choice(len(features), n_columns, replace=False)
        got = products_of(features[rows], features[columns])
        assert (got == whole[rows][:, columns]).all(), (n_rows, n_columns)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="one core")
def test_the_threads_change_no_bit(features):
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = products_of(features, features[:50])
        numba.set_num_threads(2)
        two = products_of(features, features[:50])
    finally:
        numba.set_num_threads(before)
    assert (one == two).all()


def test_no_rows_or_no_columns_add_nothing(features):
    out = np.ones((0, 3))
    products.add_products(features[:0], features[:3], out)
    out = np.ones((3, 0))
    products.add_products(features[:3], features[:0], out)
    out = np.ones((2, 2))
    products.add_products(features[:2, :0], features[:2, :0], out)
    assert (out == 1).all()


def test_upper_gives_the_elements_on_and_above_the_diagonal(features):
    """The same frames both ways with ``upper``: the full product's elements on
    and above the diagonal, bit for bit, in float64 and in float32 (the
    candidate tiles' sums), and float32 sums shuffled keep their bits too."""
    whole = products_of(features, features)
    upper = np.zeros_like(whole)
    products.add_products(features, features, upper, True)
    on_and_above = np.triu_indices(len(features))
    assert (upper[on_and_above] == whole[on_and_above]).all()
    # Only tiles that reach the diagonal were computed: far below it, nothing.
    assert (upper[np.tril_indices(len(features), -products.TILE)] == 0).all()
    single, single_upper = (np.zeros(whole.shape, np.float32) for _ in range(2))
    products.add_products(features, features, single)
    products.add_products(features, features, single_upper, True)
    assert (single_upper[on_and_above] == single[on_and_above]).all()
    assert np.allclose(single, whole, rtol=1e-6, atol=0)
    order = np.random.default_rng(3).permutation(len(features))
    shuffled = np.zeros(whole.shape, np.float32)
    products.add_products(features[order], features[order[::-1]], shuffled)
    assert (shuffled == single[order][:, order[::-1]]).all()


def test_any_layout_gives_the_same_bits(features):
    """Rows and columns that are views with strides (every other frame, a
    frame's features in a wider array) are summed as C-ordered ones."""
    whole = products_of(features, features)
    wider = np.zeros((len(features), features.shape[1] + 5), np.float32)
    wider[:, 1:-4] = features
    strided = products_of(features[::2], wider[:, 1:-4])
    assert (strided == whole[::2]).all()


def test_unlike_shapes_are_refused(features):
    with pytest.raises(ValueError, match="as many features"):
        products.add_products(features, features[:, 1:], np.zeros((80, 80)))
    with pytest.raises(ValueError, match="80 × 3 float32 or float64"):
        products.add_products(features, features[:3], np.zeros((3, 80)))
    with pytest.raises(ValueError, match="float32 or float64"):
        products.add_products(features, features[:3], np.zeros((80, 3), np.int64))
