// The JSON API with the session cookie, shared by the scripts of every page.
"use strict";
window.activelabApi = (() => {
  // FastAPI's validation errors carry a list of {msg, loc}; ours a string.
  const describe = (data) => {
    const detail = data && data.detail;
    return Array.isArray(detail) ? detail.map((d) => `${d.loc.slice(-1)[0]}: ${d.msg}`).join("; ") : detail;
  };
  // body: a JSON value, a FormData (sent as multipart) or nothing. Answers the decoded body;
  // throws an Error carrying the server's message, .status and .data. A 401 goes to the login page.
  async function call(method, url, body) {
    const isForm = body instanceof FormData;
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: body && !isForm ? { "Content-Type": "application/json" } : {},
      body: isForm ? body : body ? JSON.stringify(body) : undefined,
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (response.status === 401) window.location.assign("/login");
    if (!response.ok) {
      throw Object.assign(new Error(describe(data) || response.statusText),
                          { data, status: response.status });
    }
    return data;
  }
  return { call, describe };
})();
