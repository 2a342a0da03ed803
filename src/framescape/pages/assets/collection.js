/*
 * framescape folder map (results/collection.html): every frame of every movie
 * as one point, coloured by movie. Called from the page's CustomJS callbacks
 * (src/framescape/pages/collection.py, collection_layout) with `v`: source (the
 * frames drawn: x, y, movie, frame, time), maps and scales (each map's
 * coordinates as 16-bit steps), pictures (each movie's picture names), names
 * (each movie's file name), movies (ids), paths and path (the movies' lines),
 * plot, choose, status. Uses framescape.js's shared functions.
 */
(function () {
  "use strict";

  const hidden = new Set(); // movie numbers not drawn
  let starts = null; // frames of movie m: starts[m] … starts[m + 1] - 1

  /* Where each movie's frames start in the source (they come movie after
     movie), and one past the last frame. */
  function movieStarts(v) {
    const movie = v.source.data.movie;
    const found = new Int32Array(v.movies.length + 1).fill(movie.length);
    for (let i = movie.length - 1; i >= 0; i--) {
      found[movie[i]] = i;
    }
    return found;
  }

  /* `starts`, the first time it is needed (the hover may come before ready). */
  function knowStarts(v) {
    if (starts === null) {
      starts = movieStarts(v);
    }
  }

  /* Frame i's picture, relative to the page. */
  function pictureOf(v, i) {
    const m = v.source.data.movie[i];
    const pattern = v.pictures[m];
    const place = i - starts[m];
    return Array.isArray(pattern) ? pattern[place] : framescape.pictureOf({ pictures: pattern }, place);
  }

  /* The hover's `$index{picture}` and `$index{movie}` (Bokeh escapes both). */
  function hoverText(v, i, format) {
    knowStarts(v);
    return format === "picture" ? pictureOf(v, i) : v.names[v.source.data.movie[i]];
  }

  /* The current map's coordinates, NaN for the frames of hidden movies (not
     drawn, hovered, clicked or selected). */
  function shownCoordinates(v, key) {
    const [x, y] = framescape.coordinatesOf(v, key);
    for (const m of hidden) {
      x.fill(NaN, starts[m], starts[m + 1]);
      y.fill(NaN, starts[m], starts[m + 1]);
    }
    return [x, y];
  }

  /* A faint line through each shown movie's frames, in its colour. */
  function drawPaths(v) {
    const data = v.source.data;
    const xs = [];
    const ys = [];
    const movie = [];
    for (let m = 0; m < v.movies.length; m++) {
      if (!hidden.has(m)) {
        xs.push(data.x.slice(starts[m], starts[m + 1]));
        ys.push(data.y.slice(starts[m], starts[m + 1]));
        movie.push(m);
      }
    }
    v.paths.data = { xs, ys, movie };
  }

  /* The legend's buttons say which movies are shown. */
  function markLegend() {
    for (const button of document.querySelectorAll(".fs-legend [data-movie]")) {
      button.setAttribute("aria-pressed", String(!hidden.has(Number(button.dataset.movie))));
    }
  }

  /* Draw the shown movies at the current map: a hidden movie's frames also
     leave the selection. */
  function redraw(v) {
    const [x, y] = shownCoordinates(v, document.body.dataset.map);
    v.source.data = { ...v.source.data, x, y };
    const selected = v.source.selected.indices;
    const kept = selected.filter((i) => !hidden.has(v.source.data.movie[i]));
    if (kept.length !== selected.length) {
      v.source.selected.indices = kept;
    }
    drawPaths(v);
    markLegend();
  }

  function toggleMovie(v, m) {
    if (hidden.has(m)) {
      hidden.delete(m);
    } else {
      hidden.add(m);
    }
    redraw(v);
  }

  function showAll(v, shown) {
    for (let m = 0; m < v.movies.length; m++) {
      if (shown) {
        hidden.delete(m);
      } else {
        hidden.add(m);
      }
    }
    redraw(v);
  }

  /* Once the map is drawn: the paths, and the legend's buttons at work. */
  function ready(v) {
    knowStarts(v);
    document.body.dataset.map = v.choose.value;
    drawPaths(v);
    document.querySelector(".fs-legend").addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (button === null || document.body.dataset.map === "moving") {
        return;
      }
      if ("movie" in button.dataset) {
        toggleMovie(v, Number(button.dataset.movie));
      } else {
        showAll(v, button.dataset.show === "all");
      }
    });
  }

  /* Glide to the chosen map (as the movie viewer does), hidden movies staying hidden. */
  function switchMap(v) {
    const key = v.choose.value;
    const [x, y] = shownCoordinates(v, key);
    framescape.glide(
      v,
      key,
      x,
      y,
      () => {},
      () => drawPaths(v),
    );
  }

  /* A click on a point opens its movie's viewer at that frame. */
  function openFrame(v, event) {
    const i = framescape.nearestPoint(v, event);
    if (i >= 0) {
      const movie = encodeURIComponent(v.movies[v.source.data.movie[i]]);
      window.location.href = `${movie}.html#frame=${v.source.data.frame[i]}`;
    }
  }

  /* The selected frames as CSV: movie (id), frame, time (s), file (relative to results/). */
  function exportCsv(v) {
    const data = v.source.data;
    framescape.exportSelection(
      v,
      "movie,frame,time,file",
      (i) => [v.movies[data.movie[i]], data.frame[i], data.time[i], pictureOf(v, i)],
      "collection-selection.csv",
    );
  }

  window.collection = { hoverText, ready, switchMap, openFrame, exportCsv };
})();
