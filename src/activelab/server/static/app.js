// The annotator page: fetch the next item, label it with each class's key (shown on its button),
// S skip, U undo, Enter submit; a history of recent answers, any of which can be reopened.
// A regression project answers with a number: typed into a field focused on each item.
// An anomaly project answers A (anomaly) or N (normal); its unusual features are marked.
// A matching project shows a pair of records side by side, fields that differ highlighted.
// A cleaning project shows each item's given label: K or Enter keeps it, a class's key changes it.
// An image regions project shows the model's boxes dashed: A accepts one, the mouse and keys
// correct it, Delete rejects it; or (region queue) asks about one box: Enter confirms it, a
// class's key relabels it, X rejects it.
"use strict";
(() => {
  const root = document.getElementById("annotator");
  if (!root) return;
  const projectId = root.dataset.projectId;
  const task = root.dataset.task;
  const labels = JSON.parse(root.dataset.labels);
  const keys = JSON.parse(root.dataset.keys);  // the template decides them (see annotate.html)
  const isAdmin = root.dataset.isAdmin === "true";
  const heartbeatMs = Number(root.dataset.heartbeatMs);
  const multi = task === "multilabel_text";
  const regions = task === "image_regions";
  const review = root.dataset.review === "true";
  const HISTORY_SIZE = 10;
  const api = (path) => `/api/projects/${projectId}${path}`;
  const $ = (id) => document.getElementById(id);
  const numberInput = $("number-input");  // only on a regression project's page
  let current = null;
  let selected = new Set();
  let editor = null;
  let boxClass = labels[0];
  let busy = false;

  const call = (method, path, body) => window.activelabApi.call(method, api(path), body);

  function el(tag, attrs = {}, text = "") {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  }

  function fmt(x, digits) { return x === null || x === undefined ? "–" : Number(x).toFixed(digits); }

  const shown = (value) => value === null || value === undefined ? "skipped"
    : value.action ? (value.action === "keep" ? "kept" : `changed to ${value.label}`)
    : Array.isArray(value) ? (value.map((v) => (typeof v === "string" ? v : v.label)).join(", ") || "none")
    : String(value);

  // An anomaly's guess: the detector's verdict, its suspicion and the features that stand out.
  const deviation = (u) => `${u.feature} = ${fmt(u.value, 3)} (${fmt(Math.abs(u.deviation), 1)} ` +
    `robust SDs ${u.deviation >= 0 ? "above" : "below"} the median)`;
  const suspicionText = (why) => `Model v${why.model_version} says ${why.guess}: suspicion ` +
    `${fmt(why.suspicion, 2)} (threshold ${fmt(why.threshold, 2)}). Unusual: ` +
    `${why.unusual.map(deviation).join("; ")}.`;
  function renderReviewWhy(why, given) {
    $("why").textContent = why.model_version === null
      ? "Chosen at random: no model yet."
      : `Chosen by ${why.strategy} (label quality ${fmt(why.score, 3)}). ` +
        `Model v${why.model_version} believes ${why.guess} (p = ${fmt(why.probability, 2)}); ` +
        `the given label ${given} has p = ${fmt(why.p_given, 2)}. ` +
        (why.flagged ? "Confident learning flags this label as likely wrong." : "Not flagged.");
  }

  // A clustering pair: both items' current clusters, their distance, how near a boundary.
  const clusterText = (why) => `Clustering v${why.model_version} puts the left item in ` +
    `cluster ${why.left_cluster} and the right one in cluster ${why.right_cluster} ` +
    `(${why.guess === "same" ? "the same cluster" : "different clusters"}; distance ` +
    `${fmt(why.distance, 2)}, boundary margin ${fmt(why.boundary_margin, 2)}).`;

  function renderRegionsWhy(why) {
    if (why.model_version === null || why.detection_strategy === undefined) {
      $("why").textContent = "Chosen at random: no model yet. Draw every box.";
      return;
    }
    const sure = why.uncertainty === null ? "" : ` (uncertainty ${fmt(why.uncertainty, 3)})`;
    const start = `Chosen by ${why.detection_strategy}${sure}. Model v${why.model_version} `;
    if (why.region) {
      $("why").textContent = start + `asks: is the dashed box a ${why.region.label}? ` +
        `(p = ${fmt(why.region.score, 2)}). Enter confirms it, a class's key relabels it, ` +
        "X rejects it.";
      return;
    }
    const found = why.boxes.map((b) => `${b.label} ${fmt(b.score, 2)}`).join(", ");
    $("why").textContent = start + (why.boxes.length
      ? `proposes ${why.boxes.length} dashed box${why.boxes.length === 1 ? "" : "es"} (${found}): ` +
        "A accepts the selected one; move, resize, relabel or delete any; draw the missing ones."
      : "proposes no box: draw every box.");
  }

  function renderWhy(why) {
    if (regions) { renderRegionsWhy(why); return; }
    if (why.left_cluster !== undefined && why.model_version !== null) {
      $("why").textContent = (why.strategy === "random"
        ? "Chosen at random among the first pairs (nearest neighbours and random pairs). "
        : `Chosen by ${why.strategy} (uncertainty ${fmt(why.score, 3)}). `) + clusterText(why);
      return;
    }
    if (why.suspicion !== undefined && why.model_version !== null) {
      $("why").textContent = `Chosen by ${why.strategy} (score ${fmt(why.score, 3)}). ` +
        suspicionText(why);
      return;
    }
    const guess = Array.isArray(why.guess) ? why.guess.join(", ") || "none"
      : why.interval ? fmt(why.guess, 2) : why.guess;
    // A number's guess comes with an interval; a class's with its probability.
    const sure = why.interval
      ? `95% interval ${fmt(why.interval[0], 2)} to ${fmt(why.interval[1], 2)}`
      : why.match_probability !== undefined ? `match probability ${fmt(why.match_probability, 2)}`
      : `p = ${fmt(why.probability, 2)}`;
    $("why").textContent = why.model_version === null
      ? "Chosen at random: no model yet."
      : `Chosen by ${why.strategy} (score ${fmt(why.score, 3)}). ` +
        (why.strategy_note ? `Strategy: ${why.strategy_note}. ` : "") +
        `Model v${why.model_version} guesses ${guess ?? "–"} (${sure}).`;
  }

  function describeBoxes(boxes, chosen) {
    const status = $("box-status");
    status.hidden = false;
    // A box drawn from scratch needs no note; the model's boxes say what became of them.
    const origin = (b) => (b.origin && b.origin !== "drawn" ? ` (${b.origin})` : "");
    // Accept is shown while a proposal waits (nothing visible is inert).
    $("accept").hidden = !boxes.some((b) => b.origin === "proposed") ||
      Boolean(current && current.why.region);
    status.textContent = boxes.length === 0 ? "No boxes yet."
      : `${boxes.length} box${boxes.length === 1 ? "" : "es"}: ` +
        boxes.map((b, i) => `${i + 1} ${b.label}${origin(b)}${i === chosen ? " (selected)" : ""}`)
          .join(", ") + ".";
  }

  // Two records field by field: the compared fields first, a differing value highlighted.
  function pairTable(pair) {
    const table = el("table", { class: "pair" });
    table.append(el("caption", {}, pair.points ? "Do these two belong together?"
                                         : "Are these the same entity?"));
    const head = el("tr");
    head.append(el("th", {}, "Field"), el("th", { scope: "col" }, `Left ${pair.left.id}`),
                el("th", { scope: "col" }, `Right ${pair.right.id}`));
    table.append(head);
    const text = (v) => (v === null || v === undefined || v === "" ? "–" : String(v));
    const fields = [...new Set([...Object.keys(pair.kinds || {}), ...Object.keys(pair.left.fields),
                                ...Object.keys(pair.right.fields)])];
    for (const name of fields) {
      const a = text(pair.left.fields[name]), b = text(pair.right.fields[name]);
      const differs = a.trim().toLowerCase() !== b.trim().toLowerCase();
      const row = el("tr", differs ? { class: "differs" } : {});
      row.append(el("th", { scope: "row" }, name), el("td", {}, a), el("td", {}, b));
      table.append(row);
    }
    return table;
  }

  function renderItem(item) {
    const box = $("item");
    box.replaceChildren();
    selected = new Set(); editor = null;
    $("box-status").hidden = true;
    const previous = item.previous && !item.previous.skipped ? item.previous.value : null;
    if (item.data.left && item.data.right) box.append(pairTable(item.data));
    else if (item.data.text !== undefined) box.append(el("p", { class: "text" }, item.data.text));
    else if (regions) {
      editor = window.activelabBoxEditor.create(box, item.image_url, () => boxClass, describeBoxes);
      editor.canvas.setAttribute("aria-describedby", "box-status key-hint");
      if (Array.isArray(previous)) editor.load(previous);
      else if (item.why.region) editor.propose([item.why.region]);
      else if (Array.isArray(item.why.boxes)) editor.propose(item.why.boxes);
      else describeBoxes([], -1);
      $("reject").hidden = !item.why.region;
    } else if (item.image_url) box.append(el("img", { src: item.image_url, alt: `item ${item.id}` }));
    else if (item.data.columns) {
      const table = el("table");
      const unusual = new Map((item.why.unusual || []).map((u) => [u.feature, u]));
      for (const [k, v] of Object.entries(item.data.columns)) {
        const row = el("tr"); row.append(el("th", { scope: "row" }, k), el("td", {}, v === null ? "–" : String(v)));
        if (unusual.has(k)) {  // one of the features that make the item unusual
          row.classList.add("unusual");
          row.append(el("td", { class: "small" }, `${fmt(unusual.get(k).deviation, 1)} SD`));
        }
        table.append(row);
      }
      box.append(table);
    }
    if (multi && Array.isArray(previous)) selected = new Set(previous);
    if (review) {
      $("keep").hidden = false;
      const given = el("p", { class: "given" }, "Given label: ");
      given.append(el("strong", {}, item.data.given));
      box.prepend(given);  // first: the label is the question
      renderReviewWhy(item.why, item.data.given);
    } else renderWhy(item.why);
    renderChoices();
    if (numberInput) {
      numberInput.disabled = false;
      numberInput.value = typeof previous === "number" ? String(previous) : "";
      numberInput.focus();
    }
  }

  function renderChoices() {
    const choices = $("choices");
    choices.replaceChildren();
    labels.forEach((name, i) => {
      const key = keys[i];
      const button = el("button", { type: "button", "data-label": name });
      if (multi || regions) {
        const on = multi ? selected.has(name) : boxClass === name;
        button.setAttribute("aria-pressed", on ? "true" : "false");
        if (on) button.classList.add("on");
      }
      // A class typed as its own name needs no key shown; an ordinal key is shown.
      if (key !== null && key !== name.toLowerCase()) button.append(el("kbd", {}, key), " ");
      button.append(review && current && name === current.data.given ? `${name} (given)` : name);
      if (key !== null) button.setAttribute("aria-keyshortcuts", key);
      button.addEventListener("click", () => choose(i));
      choices.append(button);
    });
    $("submit").hidden = !(multi || regions || numberInput);
  }

  function renderProgress(p) {
    $("progress").textContent = `${p.done} / ${p.total} done · ${p.mine} by you`;
  }

  function renderEmpty(progress) {
    const box = $("item");
    if (progress.total > 0) {
      box.replaceChildren(el("p", {}, "Nothing left to annotate. Thank you!"));
    } else if (isAdmin) {
      const link = el("a", { href: `/projects/${projectId}/dashboard#import` }, "import items on the dashboard");
      box.replaceChildren(el("p", {}, "This project has no items yet: "));
      box.firstChild.append(link, ".");
    } else {
      box.replaceChildren(el("p", {}, "Nothing has been imported into this project yet. " +
                                      "Ask an admin to import items, then reload this page."));
    }
    $("why").textContent = ""; $("choices").replaceChildren();
    $("submit").hidden = true; $("box-status").hidden = true;
    if (numberInput) numberInput.disabled = true;
    if (review) $("keep").hidden = true;
    if (regions) { $("accept").hidden = true; $("reject").hidden = true; }
  }

  function show(data) {
    renderProgress(data.progress);
    current = data.item;
    if (current) renderItem(current); else renderEmpty(data.progress);
    loadHistory();
  }

  async function guarded(action) {
    if (busy) return;
    busy = true; $("message").textContent = "";
    try { await action(); } catch (err) { $("message").textContent = err.message; }
    finally { busy = false; }
  }

  const next = () => guarded(async () => show(await call("GET", "/next")));

  function send(value, skip, boxActions) {
    if (!current) return;
    const itemId = current.id;
    const body = { item_id: itemId, value: skip ? null : value, skip };
    if (boxActions && !skip) body.box_actions = boxActions;
    guarded(async () => {
      await call("POST", "/labels", body);
      show(await call("GET", "/next"));
    });
  }

  function choose(i) {
    if (!current || i >= labels.length) return;
    const name = labels[i];
    if (multi) { selected.has(name) ? selected.delete(name) : selected.add(name); renderChoices(); }
    else if (regions) { boxClass = name; editor.relabel(name); renderChoices(); }
    else if (review) send(name === current.data.given ? "keep" : { action: "relabel", label: name }, false);
    else send(name, false);
  }

  function submit() {
    if (multi) send(labels.filter((n) => selected.has(n)), false);
    else if (regions && current.why.region) answerRegion(false);
    else if (regions) send(editor.value(), false, editor.actions());
    else if (numberInput) {
      const text = numberInput.value.trim();
      // The server checks the range and says what is wrong; here only "is it a number".
      if (text === "" || !Number.isFinite(Number(text))) {
        $("message").textContent = "Type a number (for example 12.5), then press Enter.";
        numberInput.focus();
      } else send(Number(text), false);
    }
  }

  // One proposed region: confirmed as proposed, relabelled (a class's key), or rejected.
  function answerRegion(reject) {
    const region = current.why.region;
    const kept = editor.boxes();
    if (reject || kept.length === 0) {
      send([], false, { verdict: "rejected", region: regionBox(region) });
      return;
    }
    const box = { x: region.x, y: region.y, w: region.w, h: region.h, label: kept[0].label };
    send([box], false, { verdict: box.label === region.label ? "confirmed" : "relabelled",
                         region: regionBox(region) });
  }
  const regionBox = (r) => ({ x: r.x, y: r.y, w: r.w, h: r.h, label: r.label });

  const undo = () => guarded(async () => show(await call("POST", "/undo")));
  const reopen = (labelId) => guarded(async () => {
    show(await call("POST", `/labels/${labelId}/reopen`));
    $("item").focus();
  });

  async function loadHistory() {
    let rows;
    try { rows = await call("GET", `/history?limit=${HISTORY_SIZE}`); } catch (err) { return; }
    const list = $("history-list");
    list.replaceChildren(...rows.map((row) => {
      const entry = el("li");
      const answer = row.is_skip ? "skipped" : shown(row.value);
      if (row.image_url) entry.append(el("img", { class: "thumb", src: row.image_url, alt: "" }), " ");
      entry.append(el("span", { class: "summary" }, row.summary), " ",
                   el("span", { class: "answer" }, `→ ${answer}`), " ");
      const change = el("button", { type: "button", class: "secondary small",
                                    "aria-label": `Change your answer for ${row.summary} (${answer})` }, "Change");
      change.addEventListener("click", () => reopen(row.label_id));
      entry.append(change);
      return entry;
    }));
    $("history-empty").hidden = rows.length > 0;
  }

  $("skip").addEventListener("click", () => send(null, true));
  $("undo").addEventListener("click", undo);
  $("submit").addEventListener("click", submit);
  if (regions) {
    $("accept").addEventListener("click", () => { if (editor) editor.accept(); });
    $("reject").addEventListener("click", () => { if (current && current.why.region) answerRegion(true); });
  }
  if (review) $("keep").addEventListener("click", () => send("keep", false));
  if (numberInput) {
    // The field keeps the focus, so it takes the page's keys: no number holds an S or a U.
    numberInput.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const key = e.key.toLowerCase();
      if (e.key === "Enter") submit();
      else if (key === "s") send(null, true);
      else if (key === "u") undo();
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
  }
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
    // Enter and Space on a focused button press that button, nothing else.
    if (e.target.matches("button, a") && (e.key === "Enter" || e.key === " ")) return;
    const key = e.key.toLowerCase();
    const index = keys.indexOf(key);
    if (index >= 0) choose(index);
    else if (key === "s") send(null, true);
    else if (key === "u") undo();
    else if (review && (key === "k" || e.key === "Enter")) send("keep", false);
    else if (regions && key === "a" && editor) editor.accept();
    else if (regions && key === "x" && current && current.why.region) answerRegion(true);
    else if (e.key === "Enter" && (multi || regions || numberInput)) submit();
    else return;
    e.preventDefault();
  });
  setInterval(() => {
    if (current && document.visibilityState === "visible") {
      call("POST", `/leases/${current.id}/heartbeat`).catch(() => next());
    }
  }, heartbeatMs);
  next();
})();
