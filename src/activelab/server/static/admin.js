// Admin forms: new project, settings, import, members, retrain (JSON API with the session cookie).
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  // FastAPI's validation errors carry a list of {msg, loc}; ours a string.
  const describe = (data) => {
    const detail = data && data.detail;
    return Array.isArray(detail) ? detail.map((d) => `${d.loc.slice(-1)[0]}: ${d.msg}`).join("; ") : detail;
  };
  async function call(method, url, body, isForm) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: body && !isForm ? { "Content-Type": "application/json" } : {},
      body: isForm ? body : body ? JSON.stringify(body) : undefined,
    });
    const data = response.status === 204 ? null : await response.json();
    if (!response.ok) throw Object.assign(new Error(describe(data) || response.statusText), { data });
    return data;
  }
  const report = (value) => { const out = $("admin-result"); if (out) out.textContent = JSON.stringify(value, null, 2); };

  const create = $("new-project");
  if (create) create.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(create);
    try {
      await call("POST", "/api/projects", {
        name: f.get("name"), task_type: f.get("task_type"), model_name: f.get("model_name"),
        strategy_name: f.get("strategy_name"), featurizer: f.get("featurizer"),
        labels: String(f.get("labels")).split(",").map((s) => s.trim()).filter(Boolean),
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

  const dash = $("dashboard");
  if (!dash) return;
  const base = `/api/projects/${dash.dataset.projectId}`;
  $("settings").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    try {
      report(await call("PATCH", base, { model_name: f.get("model_name"),
        strategy_name: f.get("strategy_name"), featurizer: f.get("featurizer"),
        overlap: Number(f.get("overlap")), eval_fraction: Number(f.get("eval_fraction")) }));
    } catch (err) { report(err.message); }
  });
  $("import").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const strict = f.get("all_or_nothing") ? "true" : "false";
    f.delete("all_or_nothing");
    try { report(await call("POST", `${base}/import?all_or_nothing=${strict}`, f, true)); }
    catch (err) { report(err.data || err.message); }
  });
  $("member").addEventListener("submit", async (e) => {
    e.preventDefault();
    const id = new FormData(e.target).get("user_id");
    try { await call("PUT", `${base}/members/${id}`); report(`user ${id} added`); }
    catch (err) { report(err.message); }
  });
  $("retrain").addEventListener("click", async () => {
    try { report(await call("POST", `${base}/retrain`)); } catch (err) { report(err.message); }
  });
})();
