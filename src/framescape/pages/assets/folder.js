/*
 * What the run says of the folder stages: results/folder_status.js (written
 * by the run when it starts and when it ends, framescape.run.folder_status)
 * hands it over as framescapeFolder.set({stage: {state, why, left_out}}).
 * The index, the viewers and the folder page show a stage's output only while
 * it is "current"; otherwise elements marked data-fs-stage="<stage>" are
 * hidden and those marked data-fs-stage-note="<stage>" say why (and with
 * data-fs-left-out, which movies the stage left out). Without a status file (results of a run that
 * wrote none), everything is shown as it is.
 */
(function () {
  "use strict";

  const LABELS = {
    collection: "The map of the whole folder",
    reuse: "The list of reused footage",
    shots: "The table of every movie's shots",
  };
  let status = null;

  function set(given) {
    status = given;
  }

  function stage(name) {
    return status === null ? null : status[name] || null;
  }

  /* Whether the stage's output may be shown. */
  function current(name) {
    const s = stage(name);
    return s === null || s.state === "current";
  }

  /* Why the stage's output is not shown ("" when it is). */
  function note(name) {
    const s = stage(name);
    if (s === null || s.state === "current") {
      return "";
    }
    if (s.state === "missing") {
      return `${LABELS[name]} is not made yet.`;
    }
    if (s.state === "running") {
      return `${LABELS[name]} is not shown while ${s.why.replace(/^a run/, "the run")}.`;
    }
    return `${LABELS[name]} is out of date (${s.why}): run framescape again to make it anew.`;
  }

  function leftOut(name) {
    const s = stage(name);
    return s === null ? [] : s.left_out;
  }

  /* Fill a note element: why, then (with data-fs-left-out) the movies left
     out. Text only. */
  function fillNote(element, name) {
    const text = note(name);
    const left = "fsLeftOut" in element.dataset ? leftOut(name) : [];
    element.replaceChildren();
    if (text !== "") {
      const why = document.createElement("p");
      why.textContent = text;
      element.append(why);
    }
    if (left.length > 0) {
      const title = document.createElement("p");
      title.textContent = `Left out of ${LABELS[name].replace(/^The/, "the")}:`;
      const list = document.createElement("ul");
      for (const movie of left) {
        const item = document.createElement("li");
        item.textContent = `${movie.name}: ${movie.reason}`;
        list.append(item);
      }
      element.append(title, list);
    }
    element.hidden = element.childElementCount === 0;
  }

  function apply() {
    for (const element of document.querySelectorAll("[data-fs-stage]")) {
      if (!current(element.dataset.fsStage)) {
        element.hidden = true;
      }
    }
    for (const element of document.querySelectorAll("[data-fs-stage-note]")) {
      fillNote(element, element.dataset.fsStageNote);
    }
  }

  document.addEventListener("DOMContentLoaded", apply);
  window.framescapeFolder = { set, current, note, leftOut };
})();
