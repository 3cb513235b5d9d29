// The annotator page: fetch the next item, label with keys 1-9 and 0 (the 10th class), S skip,
// U undo, heartbeat.
"use strict";
(() => {
  const root = document.getElementById("annotator");
  if (!root) return;
  const projectId = root.dataset.projectId;
  const task = root.dataset.task;
  const labels = JSON.parse(root.dataset.labels);
  const heartbeatMs = Number(root.dataset.heartbeatMs);
  const multi = task === "multilabel_text";
  const regions = task === "image_regions";
  const api = (path) => `/api/projects/${projectId}${path}`;
  const $ = (id) => document.getElementById(id);
  // FastAPI's validation errors carry a list of {msg, loc}; ours a string.
  const describe = (data) => {
    const detail = data && data.detail;
    return Array.isArray(detail) ? detail.map((d) => `${d.loc.slice(-1)[0]}: ${d.msg}`).join("; ") : detail;
  };
  let current = null;
  let selected = new Set();
  let boxes = [];
  let boxClass = labels[0];
  let busy = false;

  async function call(method, path, body) {
    const response = await fetch(api(path), {
      method, credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = response.status === 204 ? null : await response.json();
    if (response.status === 401) { window.location.href = "/login"; }
    if (!response.ok) throw new Error(describe(data) || response.statusText);
    return data;
  }

  function el(tag, attrs = {}, text = "") {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  }

  function fmt(x, digits) { return x === null || x === undefined ? "–" : Number(x).toFixed(digits); }

  function renderWhy(why) {
    const guess = Array.isArray(why.guess) ? why.guess.join(", ") || "none" : why.guess;
    $("why").textContent = why.model_version === null
      ? "Chosen at random: no model yet."
      : `Chosen by ${why.strategy} (score ${fmt(why.score, 3)}). ` +
        `Model v${why.model_version} guesses ${guess ?? "–"} (p = ${fmt(why.probability, 2)}).`;
  }

  function drawBoxes(canvas, image) {
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    ctx.lineWidth = 2; ctx.font = "12px sans-serif";
    for (const b of boxes) {
      ctx.strokeStyle = "#f2b90c"; ctx.fillStyle = "#f2b90c";
      ctx.strokeRect(b.x * canvas.width, b.y * canvas.height, b.w * canvas.width, b.h * canvas.height);
      ctx.fillText(b.label, b.x * canvas.width + 3, b.y * canvas.height + 13);
    }
  }

  function renderRegions(container, url) {
    const canvas = el("canvas", { width: 320, height: 320, "aria-label": "draw boxes by dragging" });
    const image = new Image();
    image.onload = () => {
      canvas.height = Math.round(320 * image.naturalHeight / image.naturalWidth);
      drawBoxes(canvas, image);
    };
    image.src = url;
    let start = null;
    const point = (e) => {
      const r = canvas.getBoundingClientRect();
      return [Math.min(Math.max((e.clientX - r.left) / r.width, 0), 1),
              Math.min(Math.max((e.clientY - r.top) / r.height, 0), 1)];
    };
    canvas.addEventListener("mousedown", (e) => { start = point(e); });
    canvas.addEventListener("mouseup", (e) => {
      if (!start) return;
      const end = point(e);
      const box = { x: Math.min(start[0], end[0]), y: Math.min(start[1], end[1]),
                    w: Math.abs(end[0] - start[0]), h: Math.abs(end[1] - start[1]), label: boxClass };
      start = null;
      if (box.w > 0.01 && box.h > 0.01) { boxes.push(box); drawBoxes(canvas, image); }
    });
    container.append(canvas);
  }

  function renderItem(item) {
    const box = $("item");
    box.replaceChildren();
    selected = new Set(); boxes = [];
    if (item.data.text !== undefined) box.append(el("p", { class: "text" }, item.data.text));
    else if (regions) renderRegions(box, item.image_url);
    else if (item.image_url) box.append(el("img", { src: item.image_url, alt: `item ${item.id}` }));
    else if (item.data.columns) {
      const table = el("table");
      for (const [k, v] of Object.entries(item.data.columns)) {
        const row = el("tr"); row.append(el("th", {}, k), el("td", {}, v === null ? "–" : String(v)));
        table.append(row);
      }
      box.append(table);
    }
    renderWhy(item.why);
    renderChoices();
  }

  // Keys 1-9 pick the first nine classes and 0 the tenth (as on a keyboard's number row).
  const keyOf = (i) => (i < 9 ? String(i + 1) : i === 9 ? "0" : null);

  function renderChoices() {
    const choices = $("choices");
    choices.replaceChildren();
    labels.forEach((name, i) => {
      const on = multi ? selected.has(name) : regions && boxClass === name;
      const button = el("button", { type: "button", class: on ? "on" : "" },
                        `${keyOf(i) === null ? "" : keyOf(i) + " · "}${name}`);
      button.addEventListener("click", () => choose(i));
      choices.append(button);
    });
    $("submit").hidden = !(multi || regions);
  }

  function renderProgress(p) {
    $("progress").textContent = `${p.done} / ${p.total} done · ${p.mine} by you`;
  }

  function show(data) {
    renderProgress(data.progress);
    current = data.item;
    if (!current) {
      $("item").replaceChildren(el("p", {}, "Nothing left to annotate. Thank you!"));
      $("why").textContent = ""; $("choices").replaceChildren();
      return;
    }
    renderItem(current);
  }

  async function guarded(action) {
    if (busy) return;
    busy = true; $("message").textContent = "";
    try { await action(); } catch (err) { $("message").textContent = err.message; }
    finally { busy = false; }
  }

  const next = () => guarded(async () => show(await call("GET", "/next")));

  function send(value, skip) {
    if (!current) return;
    const itemId = current.id;
    guarded(async () => {
      await call("POST", "/labels", { item_id: itemId, value: skip ? null : value, skip });
      show(await call("GET", "/next"));
    });
  }

  function choose(i) {
    if (!current || i >= labels.length) return;
    const name = labels[i];
    if (multi) { selected.has(name) ? selected.delete(name) : selected.add(name); renderChoices(); }
    else if (regions) { boxClass = name; renderChoices(); }
    else send(name, false);
  }

  function submit() {
    if (multi) send(labels.filter((n) => selected.has(n)), false);
    else if (regions) send(boxes, false);
  }

  const undo = () => guarded(async () => show(await call("POST", "/undo")));

  $("skip").addEventListener("click", () => send(null, true));
  $("undo").addEventListener("click", undo);
  $("submit").addEventListener("click", submit);
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
    if (/^[0-9]$/.test(e.key)) {
      const index = e.key === "0" ? 9 : Number(e.key) - 1;
      if (index >= labels.length) return;
      choose(index);
    }
    else if (e.key === "s" || e.key === "S") send(null, true);
    else if (e.key === "u" || e.key === "U") undo();
    else if (e.key === "Enter" && (multi || regions)) submit();
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
