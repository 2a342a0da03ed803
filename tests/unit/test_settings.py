"""Config validation: defaults, one clear line naming a wrong key, per-movie settings."""

import copy

import pytest
import yaml

from framescape.common import FramescapeError
from framescape.run.config import movie_settings, validate_config
from framescape.shots.detect import DEFAULTS
from framescape.shots.groups import GROUP_DISTANCE
from framescape.testing import REPO

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def repo_config():
    return yaml.safe_load((REPO / "config.yaml").read_text())


def test_repo_config_is_valid_and_complete():
    """config.yaml names every key: the schema's defaults add nothing to it."""
    assert validate_config(repo_config(), SCHEMA) == repo_config()


def test_defaults_fill_an_empty_config():
    """The schema's defaults are config.yaml's values, nested blocks included."""
    assert validate_config({}, SCHEMA) == repo_config()
    partial = validate_config({"umap": {"min_dist": 0.5}}, SCHEMA)
    assert partial["umap"] == {**repo_config()["umap"], "min_dist": 0.5}


@pytest.mark.parametrize(
    "change, key",
    [
        ({"fps": "fast"}, "fps"),
        ({"fps": 0}, "fps"),
        ({"fps": -1}, "fps"),
        ({"frame_width": 0}, "frame_width"),
        ({"frame_height": 100000}, "frame_height"),
        ({"metrics": ["gray", "rgb"]}, "metrics.1"),
        ({"methods": ["pca"]}, "methods.0"),
        ({"umap": {"n_neighbors": "many"}}, "umap.n_neighbors"),
        ({"umap": {"n_neighbors": {"gray": 1}}}, "umap.n_neighbors"),
        ({"umap": {"neighbours": 5}}, "umap.neighbours"),
        ({"tsne": {"perplexity": -5}}, "tsne.perplexity"),
        ({"scale": [0.1]}, "scale"),
        ({"colour": "red"}, "colour"),
        ({"memory_limit_gb": 0}, "memory_limit_gb"),
        ({"memory_limit_gb": "lots"}, "memory_limit_gb"),
        ({"movie_overrides": {"m": {"mask": [[1, 2, 3]]}}}, "movie_overrides.m.mask.0"),
        ({"movie_overrides": {"m": {"fpss": 2}}}, "movie_overrides.m.fpss"),
    ],
)
def test_wrong_values_name_the_key(change, key):
    config = copy.deepcopy(repo_config())
    config.update(change)
    with pytest.raises(FramescapeError) as error:
        validate_config(config, SCHEMA)
    message = str(error.value)
    assert message.startswith(f"config key {key}:"), message
    assert "\n" not in message


def test_scale_minimum_must_be_below_maximum():
    with pytest.raises(
        FramescapeError, match="scale: minimum 0.9 must be below maximum 0.1"
    ):
        validate_config({"scale": [0.9, 0.1]}, SCHEMA)


@pytest.mark.parametrize(
    "value", [15, "auto", {"gray": 10}, {"gray": "auto", "hsl": 30}]
)
def test_n_neighbors_forms_are_accepted(value):
    config = validate_config({"umap": {"n_neighbors": value}}, SCHEMA)
    assert config["umap"]["n_neighbors"] == value


def test_movie_overrides_by_id_or_file_name():
    config = validate_config(
        {
            "fps": 2,
            "movie_overrides": {
                "a": {"fps": 5},
                "b c.mp4": {"mask": [[0, 0, 2, 2]]},
                "gone": {"fps": 1},
            },
        },
        SCHEMA,
    )
    movies = {
        "a": {"file": "a.mp4"},
        "b_c": {"file": "b c.mp4"},
        "d": {"file": "d.mp4"},
    }
    settings, unknown = movie_settings(config, movies)
    assert settings["a"]["fps"] == 5
    assert settings["b_c"]["mask"] == [[0, 0, 2, 2]]
    assert settings["b_c"]["fps"] == 2
    assert settings["d"] == {
        "fps": 2,
        "frame_width": 320,
        "frame_height": 240,
        "keep_aspect": False,
        "mask": [],
    }
    assert unknown == ["gone"]


def test_command_line_text_values_are_read_as_the_schema_wants():
    """snakemake --config passes nested values as text: '30', '0.2'."""
    config = validate_config(
        {
            "umap": {"n_neighbors": {"gray": "30", "hsl": "auto"}, "min_dist": "0.05"},
            "scale": ["0.2", "0.8"],
            "movies": 2024,
            "movie_overrides": {"m": {"fps": "2", "mask": [["0", "0", "5", "5"]]}},
        },
        SCHEMA,
    )
    assert config["umap"]["n_neighbors"] == {"gray": 30, "hsl": "auto"}
    assert config["umap"]["min_dist"] == 0.05
    assert config["scale"] == [0.2, 0.8]
    assert config["movies"] == "2024"
    assert config["movie_overrides"]["m"] == {"fps": 2, "mask": [[0, 0, 5, 5]]}
    with pytest.raises(FramescapeError, match="config key umap.n_neighbors"):
        validate_config({"umap": {"n_neighbors": "lots"}}, SCHEMA)


def test_mask_outside_the_frame_is_refused_before_any_work():
    config = validate_config(
        {
            "frame_width": 64,
            "movie_overrides": {"m.mp4": {"mask": [[0, 0, 5, 5], [10, 64, 5, 5]]}},
        },
        SCHEMA,
    )
    with pytest.raises(FramescapeError) as error:
        movie_settings(config, {"m": {"file": "m.mp4"}})
    assert str(error.value) == (
        "config key movie_overrides.m.mp4.mask.1: [10, 64, 5, 5] lies outside the "
        "64x240 frame ([top, left, height, width] in frame pixels)"
    )


def test_shot_defaults_in_the_code_are_config_yamls():
    """Code that finds shots without the workflow (the benchmarks, the Python
    API) runs with the settings a default run has."""
    shots = dict(repo_config()["shots"])
    assert shots.pop("group_distance") == GROUP_DISTANCE
    shots.pop("enabled")
    code = {key: getattr(DEFAULTS, key) for key in shots}
    assert code == shots
