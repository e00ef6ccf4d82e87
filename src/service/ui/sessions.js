// Sessions in the web inbox. The root inbox lists the server's sessions, kept live by the root
// event stream's `session` events; a session's inbox (the same page under `/sessions/ID`) says
// which session it shows and links back to the root.
//
// Loaded after app.js (both `defer`), whose helpers it uses: el, $, api, state, timeEl,
// copyText, showError, setConn, BASE, API, IN_SESSION. As there, what a client sent (a session's
// name) goes on the page as text only (textContent, attributes), never as markup.
"use strict";

const sessions = {
  // id -> the session's list entry, as `GET /__admin/sessions` or a `session` event gave it.
  list: new Map(),
  // Ids of sessions that ended while the page was open: a list fetched before the end was
  // sent must not bring them back (ids are never reused, so the set only grows by ends seen).
  ended: new Set(),
  // Ids created by an event since the current fetch of the list began: kept if the list,
  // fetched before they existed, does not have them.
  fresh: new Set(),
  fetching: false,
  fetchAgain: false,
};

/** The id in this page's own prefix (`/sessions/ID`), or null at the root. */
const OWN_SESSION = IN_SESSION ? decodeURIComponent(BASE.split("/")[2] || "") : null;

function sessionLabel(entry) {
  return entry.name != null && entry.name !== "" ? entry.name : entry.id;
}

// ---- the root: the list ------------------------------------------------------------------

/**
 * Fetches the list again: counts and last use change with every request under a prefix,
 * which sends no root event, so the list is re-read when shown and while it is in view.
 * One fetch at a time; a call during one makes one more after it.
 */
function refreshSessions() {
  if (IN_SESSION) return;
  if (sessions.fetching) { sessions.fetchAgain = true; return; }
  sessions.fetching = true;
  sessions.fresh.clear();
  api("/sessions").then((page) => {
    const list = new Map(page.sessions.filter((s) => !sessions.ended.has(s.id)).map((s) => [s.id, s]));
    for (const id of sessions.fresh) if (!list.has(id) && sessions.list.has(id)) list.set(id, sessions.list.get(id));
    sessions.list = list;
    renderSessions();
  }).catch(showError).finally(() => {
    sessions.fetching = false;
    if (sessions.fetchAgain) { sessions.fetchAgain = false; refreshSessions(); }
  });
}

/** A `session` event: one started (its list entry) or ended (`"ended": true`). */
function applySession(data) {
  if (data.ended) {
    sessions.ended.add(data.id);
    sessions.list.delete(data.id);
  } else if (!sessions.ended.has(data.id)) {
    sessions.fresh.add(data.id);
    sessions.list.set(data.id, Object.assign(sessions.list.get(data.id) || {}, data));
  }
}

function inboxOf(entry) {
  return "/sessions/" + encodeURIComponent(entry.id) + "/__admin/ui/";
}

function renderSessions() {
  if (IN_SESSION) { renderSessionBanner(); return; }
  const entries = Array.from(sessions.list.values())
    .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)) || String(a.id).localeCompare(String(b.id)));
  $("count-sessions").textContent = entries.length ? "(" + entries.length + ")" : "";
  $("session-empty").hidden = entries.length > 0;
  $("session-table").hidden = entries.length === 0;
  $("session-list").replaceChildren(...entries.map((s) => el("tr", { "data-session": s.id },
    el("th", { scope: "row" },
      el("span", { class: "who" }, sessionLabel(s)),
      el("span", { class: "mono hint" }, s.name != null && s.name !== "" ? s.id : "(no name)"),
      el("span", { class: "mono hint" }, s.service_url || "")),
    el("td", {}, timeEl(s.created_at)),
    el("td", {}, timeEl(s.last_used_at)),
    el("td", { class: "num", "data-count": "emails" }, String(s.emails ?? "—")),
    el("td", { class: "num", "data-count": "requests" }, String(s.requests ?? "—")),
    el("td", {}, el("a", { href: inboxOf(s), "aria-label": "Open the inbox of session " + sessionLabel(s) }, "Open inbox")))));
}

// ---- a session's own inbox -----------------------------------------------------------------

/** Which session this page shows: its name (or id), its service URL, a way back to the root. */
function renderSessionBanner() {
  const entry = (state.info && state.info.session) || { id: OWN_SESSION, name: null };
  const label = sessionLabel(entry);
  document.title = "Session " + label + " · exchange-um-mock web inbox";
  const parts = ["Session ", el("strong", { id: "session-name" }, label)];
  if (entry.service_url) {
    parts.push(" · service URL ", el("code", { id: "session-service-url" }, entry.service_url), " ",
      el("button", { type: "button", onclick: (e) => copyText(entry.service_url, e.currentTarget) }, "Copy"));
  }
  parts.push(" · ", el("a", { href: "/__admin/ui/" }, "Root inbox and all sessions"));
  const banner = $("session-banner");
  banner.replaceChildren(...parts);
  banner.hidden = false;
}

/** The server answered that this page's session is gone (deleted, or idle too long). */
function sessionEnded() {
  if (state.ended) return;
  state.ended = true;
  if (state.source) { state.source.close(); state.source = null; }
  setConn("offline", "session ended");
  const banner = $("error");
  clearTimeout(showError.timer);
  banner.replaceChildren("This session has ended (deleted, or idle too long). ",
    el("a", { href: "/__admin/ui/" }, "The root inbox"), " lists the sessions there are.");
  banner.hidden = false;
}

// ---- wiring --------------------------------------------------------------------------------

// Runs before app.js's init (deferred scripts run before DOMContentLoaded): a session's inbox
// has no Sessions view, so it leaves the tab list before the tabs are wired.
if (IN_SESSION) {
  $("tab-sessions").remove();
  $("view-sessions").remove();
  // The hints name this session's admin API, not the root's.
  for (const code of document.querySelectorAll("code.api-path")) code.textContent = code.textContent.replace("/__admin", API);
  renderSessionBanner();
} else {
  $("tab-sessions").hidden = false;
  // While the list is in view its counts and times keep up, without events to say so.
  setInterval(() => {
    if (!state.paused && !state.needToken && !document.hidden && !$("view-sessions").hidden) refreshSessions();
  }, 5000);
}
