// The review page: the most doubtful labelled item, its annotators' labels and the combined
// label with its confidence; Enter accepts the combined label, a class's key overrides it.
"use strict";
(() => {
  const root = document.getElementById("reviewer");
  if (!root) return;
  const projectId = root.dataset.projectId;
  const labels = JSON.parse(root.dataset.labels);
  const keys = JSON.parse(root.dataset.keys);  // routers/ui.py class_keys, as on the annotate page
  const overrides = root.dataset.overrides === "true";
  const api = (path) => `/api/projects/${projectId}${path}`;
  const $ = (id) => document.getElementById(id);
  const call = (method, path, body) => window.activelabApi.call(method, api(path), body);
  let current = null;
  let busy = false;

  function el(tag, attrs = {}, text = "") {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  }

  const shown = (value) => Array.isArray(value)
    ? value.map((v) => (typeof v === "string" ? v : v.label)).join(", ") || "none"
    : String(value);
  const percent = (x) => `${Math.round(100 * x)}%`;

  function renderData(entry) {
    const box = $("item");
    box.replaceChildren();
    if (entry.data.text !== undefined) box.append(el("p", { class: "text" }, entry.data.text));
    else if (entry.data.columns) {
      const table = el("table");
      for (const [k, v] of Object.entries(entry.data.columns)) {
        const row = el("tr"); row.append(el("th", { scope: "row" }, k), el("td", {}, v === null ? "–" : String(v)));
        table.append(row);
      }
      box.append(table);
    } else box.append(el("img", { src: api(`/items/${entry.item_id}/image`), alt: `item ${entry.external_id ?? entry.item_id}` }));
  }

  function render(queue) {
    current = queue.items[0] || null;
    $("review-progress").textContent = `${queue.total} to review`;
    const rows = $("review-labels").querySelector("tbody");
    if (!current) {
      $("item").replaceChildren(el("p", {}, "Nothing left to review. Thank you!"));
      $("review-combined").textContent = ""; rows.replaceChildren();
      $("accept").disabled = true;
      if (overrides) $("choices").replaceChildren();
      return;
    }
    renderData(current);
    const guess = current.model_guess === null ? "" :
      ` The model guesses ${shown(current.model_guess)} (p = ${Number(current.model_probability).toFixed(2)}).`;
    $("review-combined").textContent =
      `Combined label (${queue.aggregation}): ${shown(current.label)}, confidence ${percent(current.confidence)}; ` +
      `annotators disagree on ${percent(current.disagreement)} of the labels.${guess}`;
    rows.replaceChildren(...current.labels.map((label) => {
      const row = el("tr");
      row.append(el("td", {}, label.annotator ?? "imported"), el("td", {}, shown(label.value)));
      return row;
    }));
    $("accept").disabled = false;
    if (overrides) renderChoices();
  }

  function renderChoices() {
    $("choices").replaceChildren(...labels.map((name, i) => {
      const key = keys[i];
      const button = el("button", { type: "button", class: "secondary", "data-label": name });
      if (key !== null && key !== name.toLowerCase()) button.append(el("kbd", {}, key), " ");
      button.append(name === current.label ? `${name} (combined)` : name);
      if (key !== null) button.setAttribute("aria-keyshortcuts", key);
      button.addEventListener("click", () => decide(name));
      return button;
    }));
  }

  async function guarded(action) {
    if (busy) return;
    busy = true; $("message").textContent = "";
    try { await action(); } catch (err) { $("message").textContent = err.message; }
    finally { busy = false; }
  }

  const load = () => guarded(async () => render(await call("GET", "/review?limit=1")));

  // value undefined: accept the combined label; a class name: override with it.
  function decide(value) {
    if (!current) return;
    const itemId = current.item_id;
    guarded(async () => {
      await call("POST", `/review/${itemId}`, value === undefined ? undefined : { value });
      render(await call("GET", "/review?limit=1"));
    });
  }

  $("accept").addEventListener("click", () => decide());
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.matches("button, a") && (e.key === "Enter" || e.key === " ")) return;
    const index = overrides ? keys.indexOf(e.key.toLowerCase()) : -1;
    if (index >= 0) decide(labels[index]);
    else if (e.key === "Enter") decide();
    else return;
    e.preventDefault();
  });
  load();
})();
