"""The folder map: frames at the common size, joined, and through the workflow
(one movie's folder map is its own map; failed movies left out and named; no
readable movie, no page)."""

import io
import os

import numpy as np
import pytest

from framescape.collection import frames as collection
from framescape.collection import join as collection_join
from framescape.collection import maps as collection_maps
from framescape.common import load_tsv, save_npy, save_tsv, tsv_text
from framescape.run.outcomes import failed_movies


def test_area_weights_average_whole_and_partly_covered_pixels():
    weights = collection.area_weights(5, 2)
    # Output pixel 0 covers pixels 0, 1 and half of 2; pixel 1 the rest.
    assert np.allclose(weights, [[0.4, 0.4, 0.2, 0, 0], [0, 0, 0.2, 0.4, 0.4]])
    whole = collection.area_weights(320, 40)
    assert np.allclose(whole.sum(axis=1), 1)
    assert ((whole > 0).sum(axis=1) == 8).all()
    assert np.array_equal(collection.area_weights(30, 30), np.eye(30))


def area_mean(frame, top, bottom, left, right):
    """The mean of ``frame`` over the rectangle ``[top, bottom) × [left,
    right)`` in pixel units, partly covered pixels by the share covered: a
    pixel at a time."""
    total, area = np.zeros(3), 0.0
    for y in range(int(top), int(np.ceil(bottom))):
        height = min(bottom, y + 1) - max(top, y)
        for x in range(int(left), int(np.ceil(right))):
            share = height * (min(right, x + 1) - max(left, x))
            total += share * frame[y, x]
            area += share
    return total / area


@pytest.mark.parametrize("size", [(40, 30), (33, 17)])
def test_common_size_is_the_area_mean(bikes_frames, size):
    """Against each output pixel's area summed pixel by pixel: the same
    picture within a grey level of float32 rounding."""
    width, height = size
    resized = collection.common_size(bikes_frames[:3], width, height, block=2)
    assert resized.shape == (3, height, width, 3)
    source_height, source_width = bikes_frames.shape[1:3]
    sy, sx = source_height / height, source_width / width
    for frame, ours in zip(bikes_frames[:3], resized):
        slow = np.array(
            [
                [
                    area_mean(frame, i * sy, (i + 1) * sy, j * sx, (j + 1) * sx)
                    for j in range(width)
                ]
                for i in range(height)
            ]
        )
        assert np.abs(ours - np.rint(slow)).max() <= 1


def test_whole_number_ratios_give_block_means(bikes_frames):
    resized = collection.common_size(bikes_frames, 20, 15)
    means = bikes_frames.reshape(-1, 15, 4, 20, 4, 3).mean(axis=(2, 4))
    assert np.array_equal(resized, np.clip(np.rint(means), 0, 255))


def test_join_keeps_movie_order_and_names_each_frame(tmp_path, bikes_frames):
    parts = {"b_movie": bikes_frames[:3], "a_movie": bikes_frames[10:15]}
    npys, tsvs = [], []
    for movie, frames in parts.items():
        npys.append(tmp_path / f"{movie}.npy")
        tsvs.append(tmp_path / f"{movie}.tsv")
        save_npy(npys[-1], frames)
        rows = [
            [i, f"{i * 0.5:.6f}", f"frames/{i + 1:06d}.png"] for i in range(len(frames))
        ]
        save_tsv(tsvs[-1], ["frame", "time", "file"], rows)
    joined, table = tmp_path / "joined.npy", tmp_path / "joined.tsv"
    collection_join.join_step(npys, tsvs, list(parts), joined, table)
    assert np.array_equal(np.load(joined), np.concatenate(list(parts.values())))
    rows = load_tsv(table)
    assert [row["movie"] for row in rows] == ["b_movie"] * 3 + ["a_movie"] * 5
    assert rows[4] == {
        "movie": "a_movie",
        "frame": "1",
        "time": "0.500000",
        "file": "a_movie/frames/000002.png",
    }
    items = collection_maps.collection_items(
        rows, {"umap_hsl": np.linspace(0.1, 0.9, 16).reshape(8, 2)}
    )
    assert items[4] == {
        "movie": "a_movie",
        "src": "a_movie/frames/000002.png",
        "frame": 1,
        "time": 0.5,
        "umap_hsl": pytest.approx([0.1 + 8 * 0.8 / 15, 0.1 + 9 * 0.8 / 15]),
    }
    with pytest.raises(ValueError, match="has 7 points for 8 frames"):
        collection_maps.collection_items(rows, {"umap_hsl": np.zeros((7, 2))})



def npy_bytes(array):
    """What ``np.save`` writes for ``array``."""
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_frames_resized_block_by_block_are_the_whole_arrays_bytes(
    tmp_path, bikes_frames, monkeypatch
):
    """Read, resized and written two frames at a time (the last block one):
    the bytes of the whole movie resized at once and saved."""
    save_npy(tmp_path / "frames.npy", bikes_frames[:7])
    monkeypatch.setattr(collection, "resize_block", lambda *size: 2)
    collection.collection_frames_step(
        tmp_path / "frames.npy", tmp_path / "out.npy", 33, 17
    )
    whole = collection.common_size(bikes_frames[:7], 33, 17, block=7)
    assert (tmp_path / "out.npy").read_bytes() == npy_bytes(whole)


def test_join_written_block_by_block_is_the_whole_tables_bytes(
    tmp_path, bikes_frames, monkeypatch
):
    """Frames copied two at a time and rows written two at a time: the bytes
    of the frames joined at once and of the whole table, fields that need
    quoting (a quote, a tab, a carriage return) included."""
    parts = {"b_movie": bikes_frames[:3], "a_movie": bikes_frames[10:15]}
    files = ['frames/a"b.png', "frames/a\tb.png", "frames/a\rb.png"]
    npys, tsvs, rows = [], [], []
    for movie, frames in parts.items():
        npys.append(tmp_path / f"{movie}.npy")
        tsvs.append(tmp_path / f"{movie}.tsv")
        save_npy(npys[-1], frames)
        table = [
            [i, f"{i * 0.5:.6f}", files[i] if i < 3 else f"frames/{i:06d}.png"]
            for i in range(len(frames))
        ]
        save_tsv(tsvs[-1], ["frame", "time", "file"], table)
        rows += [[movie, str(i), time, f"{movie}/{file}"] for i, time, file in table]
    monkeypatch.setattr(collection_join, "block_frames", lambda frame_bytes: 2)
    monkeypatch.setattr(collection_join, "TABLE_ROWS", 2)
    joined, table = tmp_path / "joined.npy", tmp_path / "joined.tsv"
    collection_join.join_step(npys, tsvs, list(parts), joined, table)
    assert joined.read_bytes() == npy_bytes(np.concatenate(list(parts.values())))
    assert table.read_bytes() == tsv_text(collection_join.TABLE_COLUMNS, rows).encode()


def test_join_of_a_table_and_frames_that_disagree_writes_nothing(
    tmp_path, bikes_frames
):
    save_npy(tmp_path / "m.npy", bikes_frames[:3])
    save_tsv(tmp_path / "m.tsv", ["frame", "time", "file"], [[0, "0.0", "a.png"]])
    joined, table = tmp_path / "joined.npy", tmp_path / "joined.tsv"
    with pytest.raises(ValueError, match="m.tsv lists 1 frames, .*m.npy holds 3"):
        collection_join.join_step(
            [tmp_path / "m.npy"], [tmp_path / "m.tsv"], ["m"], joined, table
        )
    save_npy(tmp_path / "small.npy", bikes_frames[:1, :30])
    with pytest.raises(ValueError, match="small.npy holds frames of"):
        collection_join.join_step(
            [tmp_path / "m.npy", tmp_path / "small.npy"],
            [tmp_path / "m.tsv", tmp_path / "m.tsv"],
            ["m", "small"],
            joined,
            table,
        )
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "m.npy",
        "m.tsv",
        "small.npy",
    ]

def test_failed_movies_are_those_without_frames_and_unchanged_since(tmp_path):
    results = tmp_path / "results"
    movie_file = tmp_path / "bad.mp4"
    movie_file.write_bytes(b"not a movie")

    def movies():
        return {
            "bad": {"file": "bad.mp4", "stamp": f"11:{movie_file.stat().st_mtime_ns}"}
        }

    def age(path, seconds):
        """Make ``path`` ``seconds`` older than the movie's file (negative: newer)."""
        when = movie_file.stat().st_mtime_ns - int(seconds * 1e9)
        os.utime(path, ns=(when, when))

    logs = results / "bad" / "logs"
    logs.mkdir(parents=True)
    assert failed_movies(results, movies()) == {}
    # A decode cut off (Ctrl-C, kill -9) is tried again: not failed.
    (logs / "extract_frames.error").write_text("did not finish (killed? …)\n")
    # A later step's reason says nothing of the frames.
    (logs / "embed_umap_gray.error").write_text("bad.mp4: out of memory\n")
    for path in logs.iterdir():
        age(path, -1)
    assert failed_movies(results, movies()) == {}
    (logs / "probe_movie.error").write_text("bad.mp4: not a movie\n")
    age(logs / "probe_movie.error", -1)
    assert failed_movies(results, movies()) == {"bad": "not a movie"}
    # The file replaced since its reasons were written: tried again.
    for path in logs.iterdir():
        age(path, 2)
    assert failed_movies(results, movies()) == {}
    # ... and failed again: only the new reason counts.
    (logs / "extract_frames.error").write_text("bad.mp4: truncated at 0:03\n")
    age(logs / "extract_frames.error", -1)
    assert failed_movies(results, movies()) == {"bad": "truncated at 0:03"}
    # Its frames made (a later step failed): on the folder map.
    (logs.parent / "frames.npy").write_bytes(b"")
    assert failed_movies(results, movies()) == {}
