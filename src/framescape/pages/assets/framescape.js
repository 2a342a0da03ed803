/*
 * framescape viewer: the parts Bokeh has no model for. Bokeh draws the map,
 * hover, selection tools and widgets; these functions are called from the
 * page's CustomJS callbacks (src/framescape/pages/viewer.py, viewer_layout) with
 * `v`, the viewer's shared models and values: source (the frames drawn), maps
 * (each map's coordinates as 16-bit steps), scales, pictures, thumbnails,
 * marker, path, slider, plot, choose, details, status, play, movie; and,
 * when the movie has shots (pages/shots.py), shots (their bands' data),
 * strip (the barcode and bands under the timeline), colour (the colouring
 * menu), colourings (its mapper and colour bar title by name), points
 * and colour_bar. The folder map (collection.js) reuses the few functions
 * exported for it.
 * reuse.js (beside the page, when the run looks for reused footage) hands
 * over every movie's reused stretches, marked under the timeline and listed
 * below the map.
 */
(function () {
  "use strict";

  const SWITCH_MS = 700; // a map switch: long enough for the eye to follow
  const PLAY_MS = 100; // timeline step while playing
  const PLAY_STEPS = 600; // play crosses any movie in at most this many steps
  const MAX_THUMBNAILS = 120; // frames drawn as pictures once this few are in view
  const NEAR_TAP = 0.04; // a click farther than this (fraction of the view) picks nothing

  let animation = null;
  let playing = null;
  let shown = null; // frame whose details are open
  let strip = null; // the shots' strip under the timeline, once drawn
  // What the scripts beside the page hand over, by "<movie>/<script>":
  // thumbnails.js a data: URL per frame, nearest.js {k, metric → ranked rows}.
  const handed = {};
  const asked = {};
  // reuse.js: each movie's reused stretches, by movie id
  // (pages/reuse.py, movie_stretches).
  const reused = {};

  function addReuse(stretches) {
    Object.assign(reused, stretches);
  }

  function addThumbnails(movie, urls) {
    handed[`${movie}/thumbnails.js`] = urls;
  }

  /* `rows` holds each metric's (N, k) nearest frames, row after row, as base64
     little-endian integers of `bits` bits. */
  function addNearest(movie, k, bits, rows) {
    const ranked = {};
    for (const [metric, text] of Object.entries(rows)) {
      const bytes = Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
      ranked[metric] = bits === 16 ? new Uint16Array(bytes.buffer) : new Int32Array(bytes.buffer);
    }
    handed[`${movie}/nearest.js`] = { k, ranked };
  }

  /* What the script `name` beside the page hands over, or null while it is
     still loading: it is fetched the first time it is asked for (a page
     opened from the file system may load scripts, not fetch data), then
     `then(v)` runs again. */
  function fromScript(v, name, then) {
    const path = `${v.movie}/${name}`;
    if (path in handed) {
      return handed[path];
    }
    if (!asked[path]) {
      asked[path] = true;
      const script = document.createElement("script");
      script.src = path;
      script.onload = () => then(v);
      document.head.appendChild(script);
    }
    return null;
  }

  /* Frame i's picture, relative to the page: a numbered name rebuilt from i,
     or the page's own list when the names are not numbered in order. */
  function pictureOf(v, i) {
    const p = v.pictures;
    if (p === null) {
      return v.source.data.src[i];
    }
    return p.prefix + String(p.first + i).padStart(p.width, "0") + p.suffix;
  }

  /* A map's coordinates, float32 as drawn: low + steps * step per axis. */
  function coordinatesOf(v, key) {
    const [lowX, stepX, lowY, stepY] = v.scales[key];
    const stepsX = v.maps.data[`${key}_x`];
    const stepsY = v.maps.data[`${key}_y`];
    const x = new Float32Array(stepsX.length);
    const y = new Float32Array(stepsY.length);
    for (let i = 0; i < x.length; i++) {
      x[i] = lowX + stepsX[i] * stepX;
      y[i] = lowY + stepsY[i] * stepY;
    }
    return [x, y];
  }

  function metricOf(key) {
    return key.slice(key.indexOf("_") + 1);
  }

  function seconds(time) {
    return `${Number(time).toFixed(2)} s`;
  }

  function escapeHtml(text) {
    const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
    return String(text).replace(/[&<>"']/g, (char) => entities[char]);
  }

  function ease(t) {
    return t < 0.5 ? 4 * t * t * t : 1 - Math.pow(-2 * t + 2, 3) / 2;
  }

  function frameIndex(v) {
    const n = v.source.data.x.length;
    return Math.max(0, Math.min(n - 1, Math.round(v.slider.value)));
  }

  /* Move v.source's points from where they are to (targetX, targetY) in
     SWITCH_MS: `show(x, y, landed)` draws each step's coordinates, `landed`
     at the last, which are (targetX, targetY) themselves; from then on
     document.body.dataset.map is `key` ("moving" meanwhile). */
  function glide(v, key, targetX, targetY, show) {
    const data = v.source.data;
    const startX = Float32Array.from(data.x);
    const startY = Float32Array.from(data.y);
    const n = startX.length;
    if (animation !== null) {
      cancelAnimationFrame(animation);
    }
    document.body.dataset.map = "moving";
    const started = performance.now();
    function step(now) {
      const t = Math.min(1, (now - started) / SWITCH_MS);
      if (t === 1) {
        animation = null;
        show(targetX, targetY, true);
        document.body.dataset.map = key;
        return;
      }
      const e = ease(t);
      const x = new Float32Array(n);
      const y = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        x[i] = startX[i] + (targetX[i] - startX[i]) * e;
        y[i] = startY[i] + (targetY[i] - startY[i]) * e;
      }
      show(x, y, false);
      animation = requestAnimationFrame(step);
    }
    animation = requestAnimationFrame(step);
  }

  /* Move every point from its place in the current map to the chosen one. */
  function switchMap(v) {
    const key = v.choose.value;
    showHeatmap(key);
    const [targetX, targetY] = coordinatesOf(v, key);
    v.thumbnails.data = { x: [], y: [], src: [] };
    // Without the path each step draws in about half the time (10,000 frames).
    v.path.visible = false;
    glide(v, key, targetX, targetY, (x, y, landed) => {
      v.source.data = { ...v.source.data, x, y };
      placeMarker(v);
      if (landed) {
        v.path.visible = true;
        updateThumbnails(v);
        if (shown !== null) {
          showDetails(v, shown);
        }
      }
    });
  }

  function placeMarker(v) {
    const data = v.source.data;
    const i = frameIndex(v);
    v.marker.data = { x: [data.x[i]], y: [data.y[i]] };
  }

  /* The timeline: a marker on the current frame, its time in the title. */
  function moveMarker(v) {
    const data = v.source.data;
    const i = frameIndex(v);
    placeMarker(v);
    v.slider.title = `Frame ${data.frame[i]} · ${seconds(data.time[i])}`;
    markNow(v);
  }

  function togglePlay(v) {
    if (playing !== null) {
      clearInterval(playing);
      playing = null;
      v.play.label = "▶ Play";
      return;
    }
    const last = v.source.data.x.length - 1;
    const stride = Math.max(1, Math.round(last / PLAY_STEPS));
    if (frameIndex(v) >= last) {
      v.slider.value = 0;
    }
    v.play.label = "❚❚ Pause";
    playing = setInterval(() => {
      const next = Math.min(last, frameIndex(v) + stride);
      v.slider.value = next;
      if (next >= last) {
        togglePlay(v);
      }
    }, PLAY_MS);
  }

  function figure(v, i, kind) {
    const data = v.source.data;
    return (
      `<figure class="fs-${kind}" data-index="${i}">` +
      `<img src="${escapeHtml(pictureOf(v, i))}" alt="frame ${data.frame[i]}">` +
      `<figcaption>frame ${data.frame[i]} · ${seconds(data.time[i])}</figcaption>` +
      `</figure>`
    );
  }

  /* A frame large, and the frames nearest to it by the current map's metric
     (ranked by the workflow; nearest.js, loaded at the first click). */
  function showDetails(v, i) {
    shown = i;
    const metric = metricOf(v.choose.value);
    const near = fromScript(v, "nearest.js", (v) => showDetails(v, shown));
    let nearest = "";
    for (let j = 0; near !== null && j < near.k; j++) {
      nearest += figure(v, near.ranked[metric][i * near.k + j], "near");
    }
    v.details.text =
      figure(v, i, "large") +
      `<h3>Nearest by ${escapeHtml(metric)}</h3>` +
      `<div class="fs-nearest">${nearest}</div>`;
  }

  /* The point nearest to a click (`event`, in map units), if one is within
     NEAR_TAP of the view; else -1. Points at NaN (hidden) are never nearest. */
  function nearestPoint(v, event) {
    const data = v.source.data;
    const width = v.plot.x_range.end - v.plot.x_range.start;
    const height = v.plot.y_range.end - v.plot.y_range.start;
    let best = -1;
    let bestDistance = NEAR_TAP * NEAR_TAP;
    for (let i = 0; i < data.x.length; i++) {
      const dx = (data.x[i] - event.x) / width;
      const dy = (data.y[i] - event.y) / height;
      const distance = dx * dx + dy * dy;
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    }
    return best;
  }

  /* Frame i on the timeline, large, with its nearest frames. */
  function selectFrame(v, i) {
    v.slider.value = i;
    showDetails(v, i);
  }

  function showFrame(v, event) {
    const best = nearestPoint(v, event);
    if (best >= 0) {
      selectFrame(v, best);
    }
  }

  /* The frame the page's address names (#frame=N, N a frame number of the
     movie's JSON) is selected as a click selects it; any other address, or
     a frame the movie does not have, leaves the page as it is. */
  function followAddress(v) {
    const match = /^#frame=(\d+)$/.exec(window.location.hash);
    const i = match === null ? -1 : v.source.data.frame.indexOf(Number(match[1]));
    if (i >= 0) {
      selectFrame(v, i);
    }
  }

  /* Once the page is drawn: its reused footage shown, and its address
     followed now and whenever it changes. */
  function watchAddress(v) {
    showReuse(v);
    showShots(v);
    window.addEventListener("hashchange", () => followAddress(v));
    followAddress(v);
  }

  /* Below the map, the heatmap of the map `key`'s metric alone. */
  function showHeatmap(key) {
    for (const heatmap of document.querySelectorAll(".fs-heatmaps img")) {
      heatmap.hidden = heatmap.dataset.metric !== metricOf(key);
    }
  }

  /* The place among the frames of the one shown at `time` (s): the last
     frame at or before it, the first before the first. */
  function frameAt(v, time) {
    const times = v.source.data.time;
    let low = 0;
    let high = times.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (times[middle] <= time) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return low;
  }

  /* The movie's shots under the timeline (the strip, inside its Bokeh Div):
     the barcode, where a click shows the frame on screen at that time, and a
     band a shot in alternating shades from its transition's start (a gradual
     transition's mixed frames hatched), where a click shows the shot's first
     frame and the pointer its number, times and transition. Time runs from
     0 to the last shot's end across the timeline's track, under which the
     strip is aligned. Nothing without shots. */
  function showShots(v) {
    const view = v.shots === undefined ? null : Bokeh.index.find_one(v.strip);
    strip = view === null ? null : view.shadow_el.querySelector(".fs-strip");
    if (strip === null) {
      return;
    }
    const shots = v.shots.data;
    const end = shots.end[shots.end.length - 1];
    const percent = (time) => (100 * time) / end;
    strip.dataset.end = end;
    const bands = strip.querySelector(".fs-bands");
    for (let k = 0; k < shots.shot.length; k++) {
      const band = document.createElement("span");
      band.className = `fs-band fs-shade-${k % 2}`;
      band.dataset.shot = shots.shot[k];
      band.dataset.first = shots.first[k];
      const from = shots.transition_start[k];
      band.style.left = `${percent(from)}%`;
      band.style.width = `${percent(shots.end[k] - from)}%`;
      if (shots.start[k] > from) {
        const mixed = document.createElement("span");
        mixed.className = "fs-mixed";
        mixed.style.width = `${(100 * (shots.start[k] - from)) / (shots.end[k] - from)}%`;
        band.appendChild(mixed);
      }
      band.title = shots.title[k];
      band.addEventListener("click", () => selectFrame(v, shots.first[k]));
      bands.appendChild(band);
    }
    const barcode = strip.querySelector(".fs-barcode");
    if (barcode !== null) {
      barcode.addEventListener("click", (event) => {
        const box = barcode.getBoundingClientRect();
        selectFrame(v, frameAt(v, ((event.clientX - box.left) / box.width) * end));
      });
    }
    alignStrip(v);
    markNow(v);
  }

  /* The strip as wide as the timeline's track and under it. */
  function alignStrip(v) {
    const slider = Bokeh.index.find_one(v.slider);
    const track = slider === null ? null : slider.shadow_el.querySelector(".noUi-base");
    if (track === null) {
      return;
    }
    const from = track.getBoundingClientRect();
    const to = strip.getBoundingClientRect();
    strip.style.marginLeft = `${from.left - to.left}px`;
    strip.style.width = `${from.width}px`;
  }

  /* The current frame's time on the strip, and its shot's band marked. */
  function markNow(v) {
    if (strip === null) {
      return;
    }
    const i = frameIndex(v);
    const time = v.source.data.time[i];
    strip.querySelector(".fs-now").style.left = `${(100 * time) / strip.dataset.end}%`;
    const shot = v.source.data.shot[i];
    for (const band of strip.querySelectorAll(".fs-band.fs-current")) {
      band.classList.remove("fs-current");
    }
    const current = strip.querySelector(`.fs-band[data-shot="${shot}"]`);
    if (current !== null) {
      current.classList.add("fs-current");
    }
  }

  /* The points coloured by the colouring menu's choice (v.colourings: its
     mapper and title): time, shot or group (cycled palettes, which the
     colour bar and the bands take too). */
  function colourBy(v) {
    const name = v.colour.value;
    const [mapper, title] = v.colourings[name];
    const renderer = v.points;
    for (const glyph of [renderer.glyph, renderer.selection_glyph, renderer.nonselection_glyph]) {
      if (glyph !== null && typeof glyph === "object") {
        glyph.fill_color = { field: name, transform: mapper };
      }
    }
    v.colour_bar.color_mapper = mapper;
    v.colour_bar.title = title;
    // Shots and groups are whole numbers: a tick on each, or fewer.
    v.colour_bar.ticker.min_interval = name === "time" ? 0 : 1;
    if (strip === null) {
      return;
    }
    const shots = v.shots.data;
    strip.querySelectorAll(".fs-band").forEach((band, k) => {
      band.style.background = name === "time" ? "" : mapper.palette[shots[name][k] - 1];
    });
  }

  /* The movie's reused stretches (reuse.js, loaded before the page is drawn):
     marks on the timeline's track and, below the map, where else each one
     appears. Nothing when the page has no reuse section or the movie repeats
     nothing. Names are set as text, never as HTML. */
  function showReuse(v) {
    const stretches = reused[v.movie] || [];
    const section = document.querySelector(".fs-reuse");
    if (section === null) {
      return;
    }
    // reuse.js older than this movie's frames: its stretches are not drawn
    // over them; the section says why (folder.js).
    if (!window.framescapeFolder.current("reuse")) {
      section.hidden = false;
      return;
    }
    if (stretches.length === 0) {
      return;
    }
    markTimeline(v, stretches);
    listReuse(v, section, stretches);
    section.hidden = false;
  }

  /* A stretch's first frame on the timeline, as a click on it selects it. */
  function selectStretch(v, stretch) {
    const i = v.source.data.frame.indexOf(stretch.frame);
    if (i >= 0) {
      selectFrame(v, i);
    }
  }

  /* A bar under the timeline's track over each run of reused frames (a
     stretch, or stretches that overlap or touch: one bar, as a repeat found
     from several slightly different starts would otherwise pile up), inside
     the slider's own (shadow) DOM so that it lines up with where the slider
     puts those frames. A press on a bar moves the timeline to the run's first
     frame (not to the frame under the pointer, as a press on the bare track
     does). */
  function markTimeline(v, stretches) {
    const view = Bokeh.index.find_one(v.slider);
    const track = view === null ? null : view.shadow_el.querySelector(".noUi-base");
    const span = v.slider.end - v.slider.start;
    // A movie of one frame has no track to place a bar on; the list below the
    // map still names its stretches.
    if (track === null || !(span > 0)) {
      return;
    }
    // Each frame number's place on the timeline, looked up once per page.
    // (Bokeh hands the column over as a typed array: Array.from, not map.)
    const places = new Map(Array.from(v.source.data.frame, (frame, i) => [frame, i]));
    const place = (frame) => places.get(frame);
    const runs = [];
    const byStart = [...stretches].sort((a, b) => place(a.frame) - place(b.frame));
    for (const stretch of byStart) {
      const run = runs[runs.length - 1];
      if (run !== undefined && place(stretch.frame) <= place(run.last.last_frame) + 1) {
        run.stretches.push(stretch);
        if (place(stretch.last_frame) > place(run.last.last_frame)) {
          run.last = stretch;
        }
      } else {
        runs.push({ first: stretch, last: stretch, stretches: [stretch] });
      }
    }
    const percent = (frame) => (100 * (place(frame) - v.slider.start)) / span;
    for (const run of runs) {
      const mark = document.createElement("span");
      mark.className = "fs-reuse-mark";
      mark.dataset.frame = run.first.frame;
      mark.style.left = `${percent(run.first.frame)}%`;
      mark.style.width = `${percent(run.last.last_frame) - percent(run.first.frame)}%`;
      const times = `${run.first.start_text}–${run.last.end_text}`;
      const also = run.first.also.map((there) => placeName(v, there)).join(", ");
      mark.title =
        run.stretches.length > 1
          ? `${times}: ${run.stretches.length} reused stretches`
          : `${times}, also in ${also}`;
      for (const press of ["pointerdown", "mousedown", "touchstart"]) {
        mark.addEventListener(press, (event) => event.stopPropagation());
      }
      mark.addEventListener("click", () => selectStretch(v, run.first));
      track.appendChild(mark);
    }
  }

  /* Where else a stretch appears, as the bars and the list name it. */
  function placeName(v, there) {
    return there.movie === v.movie ? "this movie" : there.file;
  }

  function textElement(tag, className, text) {
    const element = document.createElement(tag);
    element.className = className;
    element.textContent = text;
    return element;
  }

  /* Each stretch: its times (a button that moves the timeline there) and
     every other place it appears, a link to that viewer at its first frame. */
  function listReuse(v, section, stretches) {
    const list = section.querySelector("ol");
    for (const stretch of stretches) {
      const item = document.createElement("li");
      const here = textElement(
        "button",
        "fs-reuse-here",
        `${stretch.start_text}–${stretch.end_text}`,
      );
      here.type = "button";
      here.dataset.frame = stretch.frame;
      here.addEventListener("click", () => selectStretch(v, stretch));
      item.append(here, " also in ");
      stretch.also.forEach((there, j) => {
        const link = document.createElement("a");
        link.setAttribute("href", there.link);
        const same = there.movie === v.movie;
        link.append(
          textElement("span", "fs-name", placeName(v, there)),
          " ",
          textElement("span", "fs-times", `${there.start_text}–${there.end_text}`),
        );
        if (same) {
          // The address may already name that frame: no hashchange then.
          link.addEventListener("click", () => {
            if (window.location.hash === `#frame=${there.frame}`) {
              followAddress(v);
            }
          });
        }
        item.append(j ? ", " : "", link);
      });
      list.appendChild(item);
    }
  }

  function showSelection(v) {
    const count = v.source.selected.indices.length;
    v.status.text = count ? `${count} frames selected` : "";
  }

  function csvField(value) {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  /* Download `lines` (CSV rows, header first) as the file `name`. */
  function downloadCsv(lines, name) {
    const blob = new Blob([lines.join("\n") + "\n"], { type: "text/csv" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  /* The selected frames, in frame order, downloaded as the CSV file `name`:
     the line `header`, then the fields `fields(i)` of each frame i. With
     nothing selected, v.status says how to select. */
  function exportSelection(v, header, fields, name) {
    const indices = Array.from(v.source.selected.indices).sort((a, b) => a - b);
    if (indices.length === 0) {
      v.status.text = "Select frames with the box or lasso tool first.";
      return;
    }
    const lines = [header];
    for (const i of indices) {
      lines.push(fields(i).map(csvField).join(","));
    }
    downloadCsv(lines, name);
  }

  /* The selected frames as CSV: index, frame, time (s), file (relative to results/). */
  function exportCsv(v) {
    const data = v.source.data;
    exportSelection(
      v,
      "index,frame,time,file",
      (i) => [i, data.frame[i], data.time[i], pictureOf(v, i)],
      `${v.movie}-selection.csv`,
    );
  }

  /* Frames as pictures once few enough are in view (zoomed in). */
  function updateThumbnails(v) {
    if (animation !== null) {
      return;
    }
    const data = v.source.data;
    const xr = v.plot.x_range;
    const yr = v.plot.y_range;
    const inView = [];
    for (let i = 0; i < data.x.length; i++) {
      const x = data.x[i];
      const y = data.y[i];
      if (x >= xr.start && x <= xr.end && y >= yr.start && y <= yr.end) {
        inView.push(i);
        if (inView.length > MAX_THUMBNAILS) {
          v.thumbnails.data = { x: [], y: [], src: [] };
          return;
        }
      }
    }
    const urls = inView.length ? fromScript(v, "thumbnails.js", updateThumbnails) : [];
    if (urls === null) {
      return;
    }
    v.thumbnails.data = {
      x: inView.map((i) => data.x[i]),
      y: inView.map((i) => data.y[i]),
      src: inView.map((i) => urls[i]),
    };
  }

  window.framescape = {
    // For the movie viewer's callbacks.
    addReuse,
    addThumbnails,
    addNearest,
    pictureOf,
    switchMap,
    moveMarker,
    togglePlay,
    showFrame,
    showSelection,
    exportCsv,
    updateThumbnails,
    watchAddress,
    colourBy,
    // Shared with the folder map (collection.js).
    coordinatesOf,
    glide,
    nearestPoint,
    exportSelection,
  };
})();
