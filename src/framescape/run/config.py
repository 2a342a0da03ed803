"""The config: JSON-schema validation with defaults, per-movie settings
(``movie_overrides``), each method's options for a metric, the folder map's
settings and how many neighbours a neighbour graph keeps.

Read once, by the workflow (``workflow/rules/common.smk``); steps get their
values through ``params:`` only."""


import jsonschema
import yaml
from snakemake.utils import validate

from framescape.common import FramescapeError, rectangle_outside
from framescape.embed.parameters import resolve_n_neighbors

PER_MOVIE_KEYS = ("fps", "frame_width", "frame_height", "keep_aspect", "mask")


def key_path(error):
    """``umap.n_neighbors.hsl`` for a validation error (``config`` at the top)."""
    parts = [str(part) for part in error.absolute_path]
    return ".".join(parts) if parts else "config"


def describe(error):
    """One line for a schema error: the key, the value and what is allowed."""
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        allowed = ", ".join(error.schema.get("properties", {}))
        prefix = "" if key_path(error) == "config" else f"{key_path(error)}."
        return f"{prefix}{unknown[0]}: unknown key (allowed: {allowed})"
    allowed = error.schema.get("description")
    hint = f" ({allowed})" if allowed else ""
    if error.validator == "oneOf":
        return f"{key_path(error)}: {error.instance!r} is not an allowed value{hint}"
    return f"{key_path(error)}: {error.message}{hint}"


JSON_TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def all_errors(errors):
    """Validation errors and, depth first, the errors of their oneOf branches."""
    for error in errors:
        yield error
        yield from all_errors(error.context or [])


def coerce(value, expected):
    """``value`` as one of the ``expected`` JSON types if it reads as one, else as it is.

    ``snakemake --config 'umap={n_neighbors: 30}'`` hands over nested values as
    strings ('30'); a number given where a string belongs (``movies=2024``) comes as
    a number.
    """
    expected = [expected] if isinstance(expected, str) else expected
    if isinstance(value, str):
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        if any(JSON_TYPES[name](parsed) for name in expected if name in JSON_TYPES):
            return parsed
    elif "string" in expected and JSON_TYPES["number"](value):
        return str(value)
    return value


def lookup(config, path):
    """The value at ``path`` (a sequence of keys and indices) inside ``config``."""
    for part in path:
        config = config[part]
    return config


def coerce_command_line_values(config, validator):
    """Turn values that ``--config`` left as text into the types the schema wants."""
    for _ in range(100):  # a pass per level of nesting is enough
        fixes = {}
        for error in all_errors(validator.iter_errors(config)):
            if error.validator == "type" and error.absolute_path:
                fixed = coerce(error.instance, error.validator_value)
                # "1" != 1 and 2024 != "2024": only real changes count, so this ends.
                if fixed != error.instance or type(fixed) is not type(error.instance):
                    fixes[tuple(error.absolute_path)] = fixed
        if not fixes:
            return
        for path, value in fixes.items():
            lookup(config, path[:-1])[path[-1]] = value


def validate_config(config, schema_path):
    """Check ``config`` against the schema, fill defaults, and return it.

    Snakemake's ``validate`` fills the defaults, once the config is known to be
    valid. It is not the check itself: its error is several lines with the key
    deep inside, and it refuses what ``--config`` hands over as text
    (``umap={n_neighbors: 30}`` gives ``'30'``), which is read here first.

    Raises
    ------
    FramescapeError
        One line naming the first wrong key, e.g.
        ``config key fps: -1 is less than or equal to the minimum of 0``.
    """
    with open(schema_path, encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    validator = jsonschema.Draft202012Validator(schema)
    coerce_command_line_values(config, validator)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        raise FramescapeError(f"config key {describe(errors[0])}")
    validate(config, str(schema_path), set_default=True)
    low, high = config["scale"]
    if not low < high:
        raise FramescapeError(
            f"config key scale: minimum {low} must be below maximum {high}"
        )
    return config


def movie_settings(config, movies):
    """Per-movie values of :data:`PER_MOVIE_KEYS`: the global value unless overridden.

    ``movie_overrides`` may name a movie by its id or its file name.

    Returns
    -------
    settings : dict
        ``{movie_id: {key: value}}``.
    unknown : list of str
        Override names that match no movie (a typo, or a movie not in the folder).
    """
    by_name = {movie: movie for movie in movies}
    by_name.update({info["file"]: movie for movie, info in movies.items()})
    defaults = {key: config.get(key) for key in PER_MOVIE_KEYS}
    defaults["mask"] = []
    settings = {movie: dict(defaults) for movie in movies}
    unknown = []
    for name, override in config["movie_overrides"].items():
        if name not in by_name:
            unknown.append(name)
            continue
        movie = settings[by_name[name]]
        movie.update(override)
        for index, rectangle in enumerate(movie["mask"]):
            if rectangle_outside(
                rectangle, movie["frame_width"], movie["frame_height"]
            ):
                raise FramescapeError(
                    f"config key movie_overrides.{name}.mask.{index}: {rectangle} lies "
                    f"outside the {movie['frame_width']}x{movie['frame_height']} frame "
                    "([top, left, height, width] in frame pixels)"
                )
    return settings, unknown


def method_options(config, method, metric):
    """The config block of ``method`` for one ``metric``: umap's ``n_neighbors``
    may be a mapping metric → int | ``"auto"``, of which this metric's value is
    taken (``"auto"`` for a metric it does not name)."""
    options = dict(config[method])
    if method == "umap" and isinstance(options["n_neighbors"], dict):
        options["n_neighbors"] = options["n_neighbors"].get(metric, "auto")
    return options


def collection_config(config):
    """The configuration the folder map's steps read: the global one with the
    ``collection:`` section's metrics, methods, UMAP ``n_neighbors`` and t-SNE
    ``perplexity`` (:func:`method_options` and :func:`graph_neighbours` take it
    as they take the global one)."""
    section = config["collection"]
    return {
        **config,
        "metrics": section["metrics"],
        "methods": section["methods"],
        # A folder's graph falls apart into many groups, whose spectral start
        # kept umap-learn's eigensolver busy for over 10 minutes at 100,000
        # frames (docs/performance.md, "The folder map"): the landmark MDS
        # layout is the start instead (seconds).
        "umap": {
            **config["umap"],
            "n_neighbors": section["n_neighbors"],
            "init": "mds",
        },
        "tsne": {**config["tsne"], "perplexity": section["perplexity"]},
        # Its page lists no nearest frames: they do not size its graph.
        "view": {**config["view"], "neighbours": 0},
    }


def graph_neighbours(config, metric, n_frames):
    """Neighbours per frame the neighbour graph of ``metric`` keeps: as many as
    its maps read (UMAP's ``n_neighbors`` − 1 besides the frame itself, t-SNE's
    3 × perplexity + 1) and the viewer shows, at most ``n_frames`` − 1."""
    wanted = [config["view"]["neighbours"]]
    if "umap" in config["methods"]:
        umap = method_options(config, "umap", metric)["n_neighbors"]
        wanted.append(resolve_n_neighbors(umap, n_frames, graph=True) - 1)
    if "tsne" in config["methods"]:
        wanted.append(int(3 * config["tsne"]["perplexity"] + 1))
    return max(0, min(max(wanted), n_frames - 1))
