// Admin forms: new project, settings, import, members, pre-labels, archive, delete, retrain
// (JSON API with the session cookie).
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const { call } = window.activelabApi;
  const cell = (tag, text) => Object.assign(document.createElement(tag), { textContent: text });

  // An import report (inserted, errors by line or file) as a table; anything else as text.
  function importTable(value) {
    const wrap = document.createElement("div");
    const lead = value.inserted === undefined ? value.detail
      : `Imported ${value.inserted} item(s); ${value.n_errors} record(s) had errors` +
        (value.n_errors > value.errors.length ? ` (the first ${value.errors.length} are listed).` : ".");
    wrap.append(cell("p", lead));
    if (value.errors.length) {
      const table = document.createElement("table");
      table.className = "report";
      const where = "file" in value.errors[0] ? "File" : "Line";
      const head = document.createElement("tr");
      head.append(cell("th", where), cell("th", "Problem"));
      table.append(head);
      for (const e of value.errors) {
        const row = document.createElement("tr");
        const where = e.table ? `${e.table} table, line ${e.line}` : e.file ?? e.line ?? "–";
        row.append(cell("td", String(where)), cell("td", e.error ?? e.message ?? ""));
        table.append(row);
      }
      wrap.append(table);
    }
    return wrap;
  }

  function readable(value) {
    if (typeof value === "string") return cell("p", value);
    if (value && Array.isArray(value.errors)) return importTable(value);
    const list = document.createElement("dl");
    for (const [k, v] of Object.entries(value || {})) {
      list.append(cell("dt", k.replaceAll("_", " ")),
                  cell("dd", Array.isArray(v) ? v.join(", ")
                    : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)));
    }
    return list;
  }

  function report(value) {
    let out = $("admin-result");
    if (!out) return;
    if (out.tagName === "PRE") {  // a table cannot live in a <pre>
      const div = Object.assign(document.createElement("div"), { id: "admin-result", className: out.className });
      div.setAttribute("aria-live", "polite");
      out.replaceWith(div);
      out = div;
    }
    out.replaceChildren(readable(value));
  }

  const create = $("new-project");
  if (create) create.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(create);
    try {
      await call("POST", "/api/projects", {
        name: f.get("name"), task_type: f.get("task_type"),
        model_name: f.get("model_name") || null, strategy_name: f.get("strategy_name") || null,
        featurizer: f.get("featurizer"),
        labels: String(f.get("labels")).split(",").map((s) => s.trim()).filter(Boolean),
        label_column: String(f.get("label_column") || "label").trim() || "label",
        // Regression only: an empty field leaves that end of the range open.
        answer_min: f.get("answer_min") === "" ? null : Number(f.get("answer_min")),
        answer_max: f.get("answer_max") === "" ? null : Number(f.get("answer_max")),
        // Stream only (classification): an empty rate means the project takes no stream.
        stream_rate: (f.get("stream_rate") ?? "") === "" ? null : Number(f.get("stream_rate")),
        stream_budget: (f.get("stream_budget") ?? "") === "" ? null : Number(f.get("stream_budget")),
        // Clustering only: how many clusters the items form.
        n_clusters: (f.get("n_clusters") ?? "") === "" ? null : Number(f.get("n_clusters")),
      });
      window.location.reload();
    } catch (err) { $("new-project-error").textContent = err.message; }
  });

  const addUser = $("new-user");
  if (addUser) addUser.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(addUser);
    try {
      await call("POST", "/api/users", { username: f.get("username"),
        password: f.get("password"), role: f.get("role") });
      window.location.reload();
    } catch (err) { $("new-user-error").textContent = err.message; }
  });

  // The users table: deactivate / reactivate, change the role, reset a password.
  const userChanges = {
    deactivate: { is_active: false }, reactivate: { is_active: true },
    "make-admin": { role: "admin" }, "make-annotator": { role: "annotator" },
  };
  const users = $("users");
  if (users) users.addEventListener("click", async (e) => {
    const button = e.target.closest("button[data-action]");
    if (!button) return;
    const id = button.closest("tr").dataset.userId;
    try {
      await call("PATCH", `/api/users/${id}`, userChanges[button.dataset.action]);
      window.location.reload();
    } catch (err) { $("users-error").textContent = err.message; }
  });
  const reset = $("reset-password");
  if (reset) reset.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(reset);
    const out = $("reset-password-message");
    try {
      await call("POST", `/api/users/${f.get("user_id")}/password`,
        { new_password: f.get("new_password") });
      reset.reset();
      out.className = "";
      out.textContent = "Password reset; the user's sessions have ended.";
    } catch (err) { out.className = "error"; out.textContent = err.message; }
  });

  const dash = $("dashboard");
  if (!dash) return;
  const base = `/api/projects/${dash.dataset.projectId}`;
  $("settings").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const changes = { model_name: f.get("model_name"),
      strategy_name: f.get("strategy_name"), featurizer: f.get("featurizer"),
      overlap: Number(f.get("overlap")), aggregation: f.get("aggregation"),
      eval_fraction: Number(f.get("eval_fraction")), gold_rate: Number(f.get("gold_rate")),
      gold_min_accuracy: Number(f.get("gold_min_accuracy")) };
    if (f.has("region_queue")) changes.region_queue = f.get("region_queue");  // image regions
    if (f.has("n_clusters")) changes.n_clusters = Number(f.get("n_clusters"));  // clustering
    try {
      report(await call("PATCH", base, changes));
    } catch (err) { report(err.message); }
  });
  $("import").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    let path;
    if (e.target.dataset.path === "import-tables") {  // a matching project: two tables
      const fields = encodeURIComponent(f.get("fields") || "");
      f.delete("fields");
      if (!f.get("right")?.size) f.delete("right");
      path = `${base}/import-tables${fields ? `?fields=${fields}` : ""}`;
    } else {
      const strict = f.get("all_or_nothing") ? "true" : "false";
      f.delete("all_or_nothing");
      path = `${base}/import?all_or_nothing=${strict}`;
    }
    try { report(await call("POST", path, f)); }
    catch (err) { report(err.data || err.message); }
  });
  // Gold: a select's class is sent as it is; typed answers (multi-label, numbers) as JSON.
  const goldForm = $("gold-form");
  const markGold = async (unmark) => {
    const f = new FormData(goldForm);
    let answer = unmark ? null : String(f.get("answer"));
    if (answer !== null && goldForm.dataset.single !== "true") {
      try { answer = JSON.parse(answer); } catch (err) { /* a plain string */ }
    }
    try {
      report(await call("PUT", `${base}/gold`, { external_id: String(f.get("external_id")).trim(), answer }));
      loadAudit();
    } catch (err) { report(err.message); }
  };
  goldForm.addEventListener("submit", (e) => { e.preventDefault(); markGold(false); });
  $("gold-unmark").addEventListener("click", () => markGold(true));
  const td = (text) => cell("td", text);
  const smallButton = (text, onClick) => {
    const button = document.createElement("button");
    button.type = "button"; button.className = "secondary"; button.textContent = text;
    button.addEventListener("click", onClick);
    return button;
  };

  // Members: listed by name with a remove button; new ones picked by name.
  async function loadMembers() {
    const list = $("members");
    const [members, users] = await Promise.all([call("GET", `${base}/members`), call("GET", "/api/users")]);
    list.replaceChildren(...members.map((m) => {
      const li = document.createElement("li");
      li.textContent = `${m.username} (${m.role}) `;
      li.append(smallButton("Remove", async () => {
        try { await call("DELETE", `${base}/members/${m.id}`); await loadMembers(); loadAudit(); }
        catch (err) { report(err.message); }
      }));
      li.lastChild.setAttribute("aria-label", `Remove ${m.username}`);
      return li;
    }));
    if (!members.length) list.replaceChildren(Object.assign(document.createElement("li"),
      { className: "muted", textContent: "No members yet." }));
    const taken = new Set(members.map((m) => m.username));
    $("user-names").replaceChildren(...users.filter((u) => !taken.has(u.username) && u.is_active)
      .map((u) => Object.assign(document.createElement("option"), { value: u.username })));
  }
  $("member").addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = String(new FormData(e.target).get("username")).trim();
    try {
      await call("PUT", `${base}/members/by-name/${encodeURIComponent(name)}`);
      e.target.reset(); report(`${name} added`); await loadMembers(); loadAudit();
    } catch (err) { report(err.message); }
  });

  // Pre-labels: how many labels came from imports, and a way to send an item back to the queue.
  async function loadPrelabels() {
    const page = await call("GET", `${base}/prelabels?limit=20`);
    $("prelabel-count").textContent = page.total
      ? `${page.total} label(s) came from imported files and await review.`
      : "No labels from imported files await review.";
    $("prelabel-rows").replaceChildren(...page.items.map((p) => {
      const tr = document.createElement("tr");
      const value = typeof p.value === "string" ? p.value : JSON.stringify(p.value);
      tr.append(td(p.external_id || p.item_id), td(value), document.createElement("td"));
      // Confirm keeps the imported label as the admin's own; Reopen sends the item to annotators.
      tr.lastChild.append(smallButton("Confirm", async () => {
        try { await call("POST", `${base}/prelabels/${p.label_id}/review`); await loadPrelabels(); }
        catch (err) { report(err.message); }
      }), " ", smallButton("Reopen", async () => {
        try { await call("POST", `${base}/prelabels/${p.label_id}/reopen`); await loadPrelabels(); loadAudit(); }
        catch (err) { report(err.message); }
      }));
      return tr;
    }));
  }

  async function loadAudit() {
    const events = await call("GET", `/api/projects/audit-events?project_id=${dash.dataset.projectId}&limit=20`);
    // What each record acted on: a member, an item (with the value given), a format.
    const what = (d) => [d.member || d.account, d.item_id !== undefined ? `item ${d.item_id}` : null,
      d.value !== undefined && d.value !== null ? `→ ${typeof d.value === "string" ? d.value : JSON.stringify(d.value)}` : null,
      d.format].filter(Boolean).join(" ");
    $("audit").replaceChildren(...events.map((ev) => Object.assign(document.createElement("li"), {
      textContent: `${new Date(ev.created_at).toLocaleString()}: ${ev.username} ${ev.action} ${what(ev.detail)}`,
    })));
    if (!events.length) $("audit").replaceChildren(Object.assign(document.createElement("li"),
      { className: "muted", textContent: "Nothing recorded yet." }));
  }

  const archive = $("archive"), unarchive = $("unarchive");
  if (archive) archive.addEventListener("click", async () => {
    if (!window.confirm(`Archive ${archive.dataset.name}? Annotators get no more items; exports still work.`)) return;
    try { await call("POST", `${base}/archive`); window.location.reload(); } catch (err) { report(err.message); }
  });
  if (unarchive) unarchive.addEventListener("click", async () => {
    try { await call("POST", `${base}/unarchive`); window.location.reload(); } catch (err) { report(err.message); }
  });
  const dialog = $("delete-dialog");
  $("delete-open").addEventListener("click", () => { $("delete-error").textContent = ""; dialog.showModal(); });
  $("delete-cancel").addEventListener("click", () => dialog.close());
  $("delete-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const confirm = String(new FormData(e.target).get("confirm"));
    try { await call("DELETE", base, { confirm }); window.location.href = "/projects"; }
    catch (err) { $("delete-error").textContent = err.message; }
  });

  Promise.all([loadMembers(), loadPrelabels(), loadAudit()]).catch((err) => report(err.message));
  $("retrain").addEventListener("click", async () => {
    try { report(await call("POST", `${base}/retrain`)); } catch (err) { report(err.message); }
  });
})();
