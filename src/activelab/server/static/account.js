// The account page: list and end your sessions, change your password (JSON API, session cookie).
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const { call } = window.activelabApi;
  const when = (iso) => new Date(iso).toLocaleString();
  const cell = (text) => { const td = document.createElement("td"); td.textContent = text; return td; };

  async function showSessions() {
    const rows = await call("GET", "/api/auth/sessions");
    if (!rows) return;
    const body = $("sessions");
    body.replaceChildren();
    for (const s of rows) {
      const tr = document.createElement("tr");
      tr.dataset.sessionId = String(s.id);
      tr.append(cell(s.user_agent || "unknown browser"), cell(s.address), cell(when(s.created_at)),
        cell(when(s.last_seen_at)));
      const action = document.createElement("td");
      if (s.current) {
        action.textContent = "this browser";
        action.className = "muted";
      } else {
        const end = document.createElement("button");
        end.type = "button";
        end.className = "secondary";
        end.textContent = "End";
        end.addEventListener("click", () => run(() => call("DELETE", `/api/auth/sessions/${s.id}`)));
        action.append(end);
      }
      tr.append(action);
      body.append(tr);
    }
  }
  async function run(action) {
    $("sessions-message").textContent = "";
    try { await action(); await showSessions(); }
    catch (err) { $("sessions-message").textContent = err.message; }
  }

  $("end-others").addEventListener("click", () => run(() => call("DELETE", "/api/auth/sessions")));
  $("password").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    const f = new FormData(form);
    const out = $("password-message");
    try {
      await call("POST", "/api/auth/password", { current_password: f.get("current_password"),
        new_password: f.get("new_password") });
      form.reset();
      out.className = "";
      out.textContent = "Password changed; your other sessions have ended.";
      await showSessions();
    } catch (err) { out.className = "error"; out.textContent = err.message; }
  });
  run(async () => {});
})();
