/*
 * framescape folder map (results/collection.html): every frame of every movie
 * as one point, coloured by movie. Called from the page's CustomJS callbacks
 * (src/framescape/pages/collection.py, collection_layout) with `v`: source (the
 * frames: x, y, movie, frame, time, filled here from the page's data blocks),
 * scales (each map's, for its 16-bit steps), counts (each movie's frames),
 * pictures (each movie's picture names), names (each movie's file name),
 * movies (ids), colours (each movie's), size (a point's), raster (the
 * picture of the view that raster.js draws the frames in), plot, points
 * (the frames' glyph), hover, choose, status. Uses framescape.js's shared
 * functions.
 */
(function () {
  "use strict";

  // A moved view (pan, zoom) is drawn again once it has been still this
  // long; meanwhile BokehJS moves and scales the last picture with it.
  const SETTLE_MS = 120;

  const hidden = new Set(); // movie numbers not drawn
  let starts = null; // frames of movie m: starts[m] … starts[m + 1] - 1
  // Each map's steps once read, as framescape.coordinatesOf reads them.
  const maps = { data: {} };
  let current = null; // the current map's coordinates, every frame's: [x, y]
  let drawing = null; // the animation frame that draws the picture next
  let settling = null; // the timer that waits for the view to be still
  let gliding = false; // the points are moving to another map
  let dragging = false; // a drag on the map (pan, box, lasso) is under way
  let hovering = true; // whether the hover was on when the drag began
  let loading = null; // ready's reading of the frames (a promise, once begun)

  /* Where each movie's frames start, from their counts (they come movie
     after movie), and one past the last frame. */
  function movieStarts(v) {
    const found = new Int32Array(v.counts.length + 1);
    v.counts.forEach((count, m) => {
      found[m + 1] = found[m] + count;
    });
    return found;
  }

  /* The bytes of the page's data block `name` (collection.py, data_blocks:
     the base64 of gzip-compressed bytes). */
  async function block(name) {
    const text = document.getElementById(`fs-data-${name}`).textContent;
    const packed =
      typeof Uint8Array.fromBase64 === "function"
        ? Uint8Array.fromBase64(text)
        : Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
    const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }

  /* Map `key`'s coordinates of every frame, [x, y] (its block read the first
     time it is asked for). */
  async function coordinates(v, key) {
    if (!(`${key}_x` in maps.data)) {
      const steps = new Uint16Array(await block(`map-${key}`));
      maps.data[`${key}_x`] = steps.subarray(0, steps.length / 2);
      maps.data[`${key}_y`] = steps.subarray(steps.length / 2);
    }
    return framescape.coordinatesOf({ scales: v.scales, maps }, key);
  }

  /* Each frame's movie number, in the smallest typed array that holds them. */
  function movieColumn(v) {
    const count = v.movies.length;
    const Numbers = count <= 2 ** 8 ? Uint8Array : count <= 2 ** 16 ? Uint16Array : Uint32Array;
    const movie = new Numbers(starts[count]);
    for (let m = 0; m < count; m++) {
      movie.fill(m, starts[m], starts[m + 1]);
    }
    return movie;
  }

  /* Frame i's picture, relative to the page. */
  function pictureOf(v, i) {
    const m = v.source.data.movie[i];
    const pattern = v.pictures[m];
    const place = i - starts[m];
    return Array.isArray(pattern) ? pattern[place] : framescape.pictureOf({ pictures: pattern }, place);
  }

  /* The hover's `$index{picture}` and `$index{movie}` (Bokeh escapes both);
     there are frames to hover only once ready has run. */
  function hoverText(v, i, format) {
    return format === "picture" ? pictureOf(v, i) : v.names[v.source.data.movie[i]];
  }

  /* The picture of the frames where the source has them, each shown movie's
     path under them (none before ready has read them, or while they glide). */
  function draw(v) {
    drawing = null;
    if (current !== null && !gliding) {
      const paths = { starts, shown: (m) => !hidden.has(m) };
      raster.paint(v, v.source.data.x, v.source.data.y, paths);
    }
  }

  /* Draw at the next animation frame: many changes at once, one picture. */
  function drawSoon(v) {
    if (drawing === null) {
      drawing = requestAnimationFrame(() => draw(v));
    }
  }

  /* The view moved: draw it once it is still. While a drag moves it, the
     frames' glyph is set aside (BokehJS would place every frame anew at
     each step, for nothing: it paints none of them), and the picture waits
     for the drag's end (a step may take longer than SETTLE_MS). */
  function viewChanged(v) {
    if (dragging) {
      v.points.visible = false;
    }
    clearTimeout(settling);
    settling = setTimeout(() => {
      if (!dragging) {
        drawSoon(v);
      }
    }, SETTLE_MS);
  }

  /* A drag (pan, box, lasso) also pauses the hover: at each step BokehJS
     would look for the frames under the pointer and ask for a picture. */
  function dragStarted(v) {
    dragging = true;
    hovering = v.hover.active;
    v.hover.active = false;
  }

  function dragEnded(v) {
    dragging = false;
    v.hover.active = hovering;
    if (!v.points.visible) {
      v.points.visible = true;
      viewChanged(v);
    }
  }

  function selectionChanged(v) {
    framescape.showSelection(v);
    drawSoon(v);
  }

  /* The current map's coordinates, NaN for the frames of hidden movies (not
     drawn, hovered, clicked or selected). */
  function shownCoordinates() {
    const x = Float32Array.from(current[0]);
    const y = Float32Array.from(current[1]);
    for (const m of hidden) {
      x.fill(NaN, starts[m], starts[m + 1]);
      y.fill(NaN, starts[m], starts[m + 1]);
    }
    return [x, y];
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
    const [x, y] = shownCoordinates();
    v.source.data = { ...v.source.data, x, y };
    const selected = v.source.selected.indices;
    const kept = selected.filter((i) => !hidden.has(v.source.data.movie[i]));
    if (kept.length !== selected.length) {
      v.source.selected.indices = kept;
    }
    drawSoon(v);
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

  /* Show or hide every movie the legend lists (those its search finds). */
  function showListed(v, shown) {
    for (const button of document.querySelectorAll(".fs-legend [data-movie]")) {
      if (!button.parentElement.hidden) {
        const m = Number(button.dataset.movie);
        if (shown) {
          hidden.delete(m);
        } else {
          hidden.add(m);
        }
      }
    }
    redraw(v);
  }

  /* The legend lists only the movies whose names hold the search's text. */
  function findMovies(text) {
    const wanted = text.trim().toLowerCase();
    let found = 0;
    for (const button of document.querySelectorAll(".fs-legend [data-movie]")) {
      const name = button.querySelector(".fs-name").textContent.toLowerCase();
      button.parentElement.hidden = !name.includes(wanted);
      found += button.parentElement.hidden ? 0 : 1;
    }
    document.querySelector(".fs-legend-found").textContent = wanted ? `${found} found` : "";
  }

  /* The frames read from the page's data blocks into the source, at the
     map chosen when the page opened: that map's key. */
  async function load(v) {
    starts = movieStarts(v);
    const key = v.choose.value;
    const [frame, time, xy] = await Promise.all([
      block("frame"),
      block("time"),
      coordinates(v, key),
    ]);
    current = xy;
    v.source.data = {
      x: current[0],
      y: current[1],
      movie: movieColumn(v),
      frame: new Int32Array(frame),
      time: new Float64Array(time),
    };
    return key;
  }

  /* Once BokehJS has drawn the (empty) map: the frames read and drawn, and
     the legend's buttons and search at work (document.body.dataset.map then
     names the map). A browser that cannot read the blocks (one without
     DecompressionStream: before Chrome 80, Firefox 113, Safari 16.4) gets a
     line saying so under the map. */
  async function ready(v) {
    loading = load(v);
    let key;
    try {
      key = await loading;
    } catch (error) {
      v.status.text =
        "This browser cannot read the map's frames: open the page in a " +
        "recent Chrome, Edge, Firefox or Safari.";
      throw error;
    }
    draw(v);
    document.body.dataset.map = key;
    const legend = document.querySelector(".fs-legend");
    legend.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (button === null || document.body.dataset.map === "moving") {
        return;
      }
      if ("movie" in button.dataset) {
        toggleMovie(v, Number(button.dataset.movie));
      } else {
        showListed(v, button.dataset.show === "all");
      }
    });
    const search = legend.querySelector("input[type=search]");
    search.addEventListener("input", () => findMovies(search.value));
  }

  /* Glide to the chosen map (as the movie viewer does), hidden movies
     staying hidden: each step drawn as a picture alone, the source given
     the new coordinates once they are reached. */
  async function switchMap(v) {
    const key = v.choose.value;
    document.body.dataset.map = "moving";
    // A map chosen while the page still reads its frames glides from them,
    // once they are there; a map chosen after this one glides instead.
    await loading;
    const target = await coordinates(v, key);
    if (v.choose.value !== key) {
      return;
    }
    current = target;
    const [x, y] = shownCoordinates();
    gliding = true;
    framescape.glide(v, key, x, y, (stepX, stepY, landed) => {
      if (landed) {
        gliding = false;
        v.source.data = { ...v.source.data, x: stepX, y: stepY };
        draw(v);
      } else {
        raster.paint(v, stepX, stepY, null);
      }
    });
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

  window.collection = {
    hoverText,
    ready,
    switchMap,
    openFrame,
    exportCsv,
    selectionChanged,
    viewChanged,
    dragStarted,
    dragEnded,
  };
})();
