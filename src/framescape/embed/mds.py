"""MDS layouts: classical (Torgerson) MDS, metric SMACOF from it (numba, all pairs
per pass) and landmark MDS for a long movie: classical MDS of
:data:`~framescape.embed.parameters.LANDMARKS` frames spread over the movie,
every other frame placed from its distances to them."""




import numba
import numpy as np
from scipy.sparse.linalg import eigsh
from threadpoolctl import threadpool_limits

from framescape.common import log
from framescape.embed.parameters import LANDMARKS, PLACE_BLOCK


@numba.njit(cache=True, parallel=True)
def guttman_pass(dissimilarities, x, updated):
    """One pass over all pairs for metric SMACOF (unit weights).

    For the configuration ``x`` (N, 2): writes its Guttman transform
    ``B(x) x / N`` into ``updated`` and returns ``(stress, Σ d²) / 2`` over all
    ordered pairs, as scikit-learn's ``smacof`` computes them (a distance of 0
    counts as 1e-5 in the ratio). Memory: O(N) besides the matrix, which may be
    float32.
    """
    n = x.shape[0]
    stress_rows = np.zeros(n)
    square_rows = np.zeros(n)
    for i in numba.prange(n):
        shift0 = 0.0
        shift1 = 0.0
        stress = 0.0
        squares = 0.0
        for j in range(n):
            d0 = x[i, 0] - x[j, 0]
            d1 = x[i, 1] - x[j, 1]
            distance = np.sqrt(d0 * d0 + d1 * d1)
            target = np.float64(dissimilarities[i, j])
            stress += (distance - target) ** 2
            squares += distance * distance
            ratio = target / (distance if distance != 0.0 else 1e-5)
            shift0 += ratio * d0
            shift1 += ratio * d1
        updated[i, 0] = shift0 / n
        updated[i, 1] = shift1 / n
        stress_rows[i] = stress
        square_rows[i] = squares
    return stress_rows.sum() / 2, square_rows.sum() / 2
# Points up to which classical MDS decomposes the whole matrix (about 1 s).
DENSE_EIGEN_LIMIT = 2000


def classical_mds(distances):
    """Classical (Torgerson) MDS: ``(N, 2)`` coordinates from an ``(N, N)`` matrix.

    The double-centred squared distances' two largest eigenpairs: all of them
    from LAPACK up to :data:`DENSE_EIGEN_LIMIT` points, only those two (Lanczos,
    ARPACK, from a fixed start vector) beyond, where a full decomposition would
    take minutes. Exact for up to three points; zeros where the matrix has no
    spread; signs fixed so that reruns agree.
    """
    inner = double_centred(np.square(np.asarray(distances, np.float64)))
    inner = (inner + inner.T) / 2
    n = len(inner)
    if n <= DENSE_EIGEN_LIMIT:
        values, vectors = np.linalg.eigh(inner)
    else:
        values, vectors = eigsh(inner, k=2, which="LA", v0=np.ones(n), tol=0)
    order = np.argsort(values)[::-1][:2]
    coordinates = vectors[:, order] * np.sqrt(np.clip(values[order], 0.0, None))
    return oriented(coordinates)


def double_centred(squares):
    """``−½ J S J`` of squared distances ``S`` (``J`` removes the means): the
    inner products classical MDS decomposes."""
    inner = squares - squares.mean(axis=0)[None, :]
    inner -= inner.mean(axis=1)[:, None]
    inner *= -0.5
    return inner


def oriented(coordinates, reference=slice(None)):
    """``coordinates`` as two columns (zeros added), each axis's sign fixed so
    that its largest absolute value among the ``reference`` rows is positive:
    reruns agree."""
    if coordinates.shape[1] < 2:
        coordinates = np.pad(coordinates, ((0, 0), (0, 2 - coordinates.shape[1])))
    rows = coordinates[reference]
    signs = np.sign(rows[np.argmax(np.abs(rows), axis=0), [0, 1]])
    return coordinates * np.where(signs == 0, 1.0, signs)


def even_landmarks(n_frames, count):
    """``count`` landmark frames spread evenly over a movie of ``n_frames``
    frames, first and last included: ``(L,) intp``, increasing, no repeats."""
    count = max(1, min(count, n_frames))
    return np.unique(np.linspace(0, n_frames - 1, count).round().astype(np.intp))


def landmark_mds(landmark_distances, landmarks):
    """Landmark MDS: classical MDS of ``L`` landmark frames, and every frame placed
    from its distances to them (de Silva and Tenenbaum, "Sparse multidimensional
    scaling using landmark points", 2004): ``O(L × N)`` distances and memory
    instead of ``N × N``, the frames placed
    :data:`~framescape.embed.parameters.PLACE_BLOCK` at a time. With
    every frame a landmark it is classical MDS.

    Parameters
    ----------
    landmark_distances : (L, N) array
        Distances from each landmark frame to every frame.
    landmarks : (L,) int
        The landmarks' frame numbers (columns of ``landmark_distances``).

    Returns
    -------
    (N, 2) float64
        Signs fixed as :func:`classical_mds` fixes them, from the landmarks.
    """
    landmark_distances = np.asarray(landmark_distances)
    among = np.square(np.asarray(landmark_distances[:, landmarks], np.float64))
    among = (among + among.T) / 2
    values, vectors = np.linalg.eigh(double_centred(among))
    order = np.argsort(values)[::-1][:2]
    values, vectors = values[order], vectors[:, order]
    kept = values > values.max(initial=0.0) * 1e-12
    pseudo_inverse = np.zeros_like(vectors)
    pseudo_inverse[:, kept] = vectors[:, kept] / np.sqrt(values[kept])
    mean = among.mean(axis=1)[:, None]
    n = landmark_distances.shape[1]
    coordinates = np.empty((n, pseudo_inverse.shape[1]))
    for start in range(0, n, PLACE_BLOCK):
        block = slice(start, start + PLACE_BLOCK)
        # One float64 array a block, squared and centred in place; halving
        # after the product is exact, as before it.
        squares = np.array(landmark_distances[:, block], np.float64)
        np.square(squares, out=squares)
        squares -= mean
        coordinates[block] = (squares.T @ pseudo_inverse) * -0.5
        del squares
    return oriented(coordinates, landmarks)


def smacof(dissimilarities, init, max_iter=300, eps=1e-6):
    """Metric SMACOF from ``init``: scikit-learn's ``smacof`` algorithm (Guttman
    transform, unit weights, the same stopping rule), one pass over the matrix
    an iteration in :func:`guttman_pass`, O(N) memory besides it.

    Returns
    -------
    coordinates : (N, 2) float64
    stress : float
        Raw stress, ``Σ (d − δ)² / 2`` over ordered pairs.
    iterations : int
        Guttman transforms applied.
    """
    x = np.array(init, np.float64)
    updated = np.empty_like(x)
    old_stress = None
    for iteration in range(max_iter + 1):
        stress, squares = guttman_pass(dissimilarities, x, updated)
        if old_stress is not None and (old_stress - stress) / squares < eps:
            break
        if iteration == max_iter:
            break
        if iteration >= 1:
            old_stress = stress
        x, updated = updated, x
    return x, stress, iteration


def embed_mds(
    distances,
    random_state,
    threads=1,
    init="classical_mds",
    n_init=1,
    max_iter=300,
    eps=1e-6,
    algorithm="smacof",
):
    """Metric MDS: SMACOF (:func:`smacof`) from classical MDS or from ``n_init``
    random starts (the lowest stress wins); ``algorithm="classical"`` returns
    the classical MDS solution itself (exact, one eigendecomposition)."""
    start = classical_mds(distances)
    if algorithm == "classical":
        return start
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    if init == "classical_mds":
        starts = [start]
    else:
        draws = np.random.RandomState(random_state)
        starts = [draws.uniform(size=(len(distances), 2)) for _ in range(n_init)]
    best = None
    for index, first in enumerate(starts):
        coordinates, stress, iterations = smacof(distances, first, max_iter, eps)
        log.info(
            "SMACOF start %d: stress %.6g after %d iterations",
            index + 1,
            stress,
            iterations,
        )
        if best is None or stress < best[1]:
            best = coordinates, stress
    return best[0]


def landmark_layout(n, rows):
    """Landmark MDS of ``n`` frames from ``rows`` (see
    :func:`~framescape.embed.methods.embed_graph`); classical MDS of all of them
    for at most three."""
    landmarks = even_landmarks(n, n if n <= 3 else LANDMARKS)
    landmark_rows = rows(landmarks)
    with threadpool_limits(limits=1, user_api="blas"):
        return landmark_mds(landmark_rows, landmarks)
