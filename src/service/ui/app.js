// The web inbox of exchange-um-mock. Plain JavaScript, no build step, no framework.
//
// Everything captured (emails, request bodies, names) was written by whoever called the
// double: it is only ever put on the page as text (textContent, attributes), never as markup.
// An email's HTML is shown in a sandboxed iframe loaded from its own route under a CSP of its own.
"use strict";

// The admin API of the double this page shows: `/__admin` at the root, `/sessions/ID/__admin`
// when the page is a session's (served under its prefix), so it never reads or resets another.
const API = (() => {
  const at = location.pathname.lastIndexOf("/ui/");
  return at > 0 ? location.pathname.slice(0, at) : "/__admin";
})();
const TOKEN_KEY = "exum-admin-token";

const state = {
  emails: new Map(),
  requests: new Map(),
  mailboxes: new Map(),
  scenarios: new Map(),
  info: null,
  selectedEmail: null,
  selectedRequest: null,
  emailTab: "text",
  paused: false,
  queued: [],
  source: null,
  streamOpen: false,
  polling: false,
  needToken: false,
  // The id of the oldest email and request the server held when the lists were loaded: the
  // "Load older" buttons show while the page has not reached them.
  oldest: { emails: null, requests: null },
  // The last phone logon tried from the page, per mailbox: kept here so that the mailbox event
  // the logon causes, which redraws the card, does not wipe its result.
  logons: new Map(),
  logonPins: new Map(),
};

// ---- small helpers -------------------------------------------------------------------------

/** Makes an element; strings among the children become text nodes (never markup). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const $ = (id) => document.getElementById(id);

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** A fetch of the admin API with the token, if any; a 401 asks for the token. */
async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const t = token();
  if (t) headers["Authorization"] = "Bearer " + t;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const response = await fetch(API + path, { method: options.method || "GET", headers, body: options.body });
  if (response.status === 401) {
    askForToken(t ? "That token was refused." : "");
    throw new Error("the admin token is needed");
  }
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  if (options.raw) return response.text();
  if (response.status === 204) return null;
  return response.json();
}

/** A URL a browser loads by itself (iframe, EventSource, a link): the token goes in the query. */
function withToken(path) {
  const t = token();
  return API + path + (t ? (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(t) : "");
}

// Links to the API open in the browser by themselves, without the Bearer header: with a
// token, each carries it in its query when followed (the server takes ?token= on a GET).
for (const kind of ["click", "auxclick"]) {
  document.addEventListener(kind, (event) => {
    const link = event.target instanceof Element && event.target.closest("a[href]");
    if (!link || !token() || link.getAttribute("href").startsWith("#")) return;
    if (!link.dataset.path) {
      if (!link.pathname.startsWith(API + "/")) return;
      link.dataset.path = link.pathname.slice(API.length) + link.search;
    }
    link.href = withToken(link.dataset.path);
  }, true);
}

function showError(error) {
  if (state.needToken) return;
  const banner = $("error");
  banner.textContent = String(error && error.message ? error.message : error);
  banner.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { banner.hidden = true; }, 6000);
}

function relative(iso) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso || "";
  const seconds = Math.round((Date.now() - then) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return seconds + " s ago";
  if (seconds < 3600) return Math.round(seconds / 60) + " min ago";
  if (seconds < 86400) return Math.round(seconds / 3600) + " h ago";
  return new Date(then).toLocaleString();
}

function timeEl(iso) {
  const absolute = Number.isNaN(Date.parse(iso)) ? iso : new Date(iso).toLocaleString() + " (" + iso + ")";
  return el("time", { datetime: iso, title: absolute, class: "when", "data-rel": iso }, relative(iso));
}

async function copyText(text, button) {
  let done = false;
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); done = true; } catch (_) { /* fall back */ }
  }
  if (!done) {
    // Select-and-copy fallback for pages not on a secure context (http://host other than localhost).
    const area = el("textarea", { readonly: true, class: "sr-only", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    try { done = document.execCommand("copy"); } catch (_) { done = false; }
    area.remove();
  }
  if (button) {
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = done ? "Copied" : "Copy failed";
    setTimeout(() => { button.textContent = label; }, 1500);
  }
}

/** A block of captured text; focusable, so it can be scrolled with the keyboard. */
function pre(text, attrs) {
  return el("pre", Object.assign({ tabindex: "0" }, attrs || {}), text);
}

function badge(text, kind) {
  return el("span", { class: "badge " + kind }, text);
}

function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

function shellQuote(text) {
  return "'" + String(text).replace(/'/g, "'\\''") + "'";
}

// ---- WAI-ARIA tabs ---------------------------------------------------------------------------

/** Arrow keys, Home and End move between the tabs of `list`; `select(tab)` shows one. */
function tabKeys(list, select) {
  list.addEventListener("keydown", (event) => {
    const tabs = Array.from(list.querySelectorAll('[role="tab"]'));
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    let next = null;
    if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
    else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
    else if (event.key === "Home") next = tabs[0];
    else if (event.key === "End") next = tabs[tabs.length - 1];
    if (!next) return;
    event.preventDefault();
    next.focus();
    select(next);
  });
}

function selectTab(tabs, chosen) {
  for (const tab of tabs) {
    const on = tab === chosen;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    tab.tabIndex = on ? 0 : -1;
    const panel = document.getElementById(tab.getAttribute("aria-controls"));
    if (panel) panel.hidden = !on;
  }
}

function showView(name) {
  const tabs = Array.from($("views").querySelectorAll('[role="tab"]'));
  selectTab(tabs, $("tab-" + name));
}

// ---- the inbox -------------------------------------------------------------------------------

function mailboxOf(email) {
  return state.mailboxes.get((email.mailbox || "").toLowerCase());
}

function pinStatus(email) {
  const mailbox = mailboxOf(email);
  if (!mailbox) return null;
  if (mailbox.pin !== email.pin) return badge("superseded", "warn");
  if (mailbox.pin_expired) {
    const expired = badge("expired", "bad");
    expired.title = "The mailbox's PIN is marked expired: it must be changed at the next phone logon";
    return expired;
  }
  return badge("current", "ok");
}

function renderEmails() {
  const list = $("email-list");
  const emails = Array.from(state.emails.values()).sort((a, b) => b.id - a.id);
  $("count-inbox").textContent = emails.length ? "(" + emails.length + ")" : "";
  $("email-empty").hidden = emails.length > 0;
  showOlder("emails", "email-older");
  list.replaceChildren(...emails.map((email) => el("li", {},
    el("button", {
      type: "button", class: "item", "data-email": email.id,
      "aria-current": state.selectedEmail === email.id ? "true" : null,
      onclick: () => selectEmail(email.id),
    },
    el("span", { class: "who" }, email.to),
    el("span", { class: "pin-small", "aria-label": "PIN " + email.pin }, email.pin),
    el("span", { class: "what" }, email.subject, " · ", timeEl(email.sent_at))))));
  if (state.selectedEmail !== null) renderEmailDetail();
}

function selectEmail(id) {
  state.selectedEmail = id;
  showView("inbox");
  renderEmails();
}

function pinCard(email) {
  const copy = el("button", { type: "button", class: "primary", id: "copy-pin", onclick: (e) => copyText(email.pin, e.currentTarget) }, "Copy PIN");
  return el("div", { class: "pin-card", "aria-label": "PIN" },
    el("span", { class: "pin-big", id: "pin-value" }, email.pin),
    copy,
    pinStatus(email),
    facts([
      ["Extension", email.extension || "—"],
      ["Access numbers", (email.access_numbers || []).join(", ") || "—"],
    ]));
}

function renderEmailDetail() {
  const detail = $("email-detail");
  const email = state.emails.get(state.selectedEmail);
  if (!email) { detail.replaceChildren(); return; }
  const tabNames = [["text", "Text"], ["html", "HTML"], ["raw", "Raw MIME"], ["headers", "Headers"]];
  const tabs = tabNames.map(([key, label]) => el("button", {
    type: "button", role: "tab", id: "etab-" + key, "aria-controls": "epanel-" + key,
    "aria-selected": state.emailTab === key ? "true" : "false",
    tabindex: state.emailTab === key ? "0" : "-1",
    onclick: () => { state.emailTab = key; selectTab(tabs, tabs.find((t) => t.id === "etab-" + key)); fillEmailPanel(email, key); },
  }, label));
  const tablist = el("div", { role: "tablist", class: "tabs", "aria-label": "Email parts" }, tabs);
  tabKeys(tablist, (tab) => { state.emailTab = tab.id.slice(5); selectTab(tabs, tab); fillEmailPanel(email, state.emailTab); });
  const panels = tabNames.map(([key]) => el("div", {
    role: "tabpanel", id: "epanel-" + key, class: "tabpanel", "aria-labelledby": "etab-" + key,
    tabindex: "0", hidden: state.emailTab !== key,
  }));
  const request = email.request_id != null ? state.requests.get(email.request_id) : null;
  detail.replaceChildren(
    el("div", { class: "pane-head" },
      // `lang` lets the browser pick the right fonts and hyphenation for the email's language.
      el("h2", { lang: email.language }, email.subject),
      el("a", { class: "json", href: API + "/emails/" + email.id }, "JSON")),
    el("p", { class: "meta" }, "To ", email.to, " · from ", email.from, " · in ", el("span", { class: "language" }, email.language),
      " · ", timeEl(email.sent_at), " · email #" + email.id),
    pinCard(email),
    causeOf(email, request),
    tablist, ...panels);
  fillEmailPanel(email, state.emailTab);
}

/** The request that sent `email`, in short, linked to its full entry (bodies included). */
function causeOf(email, request) {
  if (email.request_id == null) return el("p", {}, "Not sent by a request.");
  const link = el("a", {
    href: "#requests/" + email.request_id,
    onclick: (e) => { e.preventDefault(); selectRequest(email.request_id); },
  }, "request #" + email.request_id);
  if (!request) return el("p", {}, "Sent by ", link, " (no longer in the journal).");
  return el("div", { class: "cause" },
    el("p", {}, "Sent by ", link, " (bodies there)"),
    facts([
      ["Identity", request.identity || "—"],
      ["Operation", request.operation || "—"],
      ["Outcome", typeof request.outcome === "string" ? request.outcome : JSON.stringify(request.outcome)],
      ["Scenario", request.scenario != null ? "#" + request.scenario : "—"],
      ["Status", statusBadge(request)],
      request.reason && ["Reason", request.reason],
    ]));
}

async function fillEmailPanel(email, key) {
  const panel = $("epanel-" + key);
  if (!panel) return;
  if (key === "text") {
    panel.replaceChildren(pre(email.text_body, { lang: email.language }));
  } else if (key === "html") {
    // No permission at all (sandbox=""): no script, no same origin, no forms, no navigation.
    panel.replaceChildren(el("iframe", {
      class: "html-body", sandbox: "", referrerpolicy: "no-referrer",
      title: "HTML body of email " + email.id, src: withToken("/emails/" + email.id + "/html"),
    }), el("p", { class: "hint" }, el("a", { href: API + "/emails/" + email.id + "/html" }, "Open the HTML on its own")));
  } else {
    try {
      const raw = await api("/emails/" + email.id + "/raw", { raw: true });
      if (key === "raw") {
        panel.replaceChildren(pre(raw, { id: "raw-mime", "aria-label": "Raw MIME source" }),
          el("p", { class: "hint" }, el("a", { href: API + "/emails/" + email.id + "/raw" }, "Raw source")));
      } else {
        panel.replaceChildren(facts(parseHeaders(raw)));
      }
    } catch (error) {
      panel.replaceChildren(el("p", { class: "error" }, String(error.message)));
    }
  }
}

/** The header fields of a MIME message, unfolded, in order. */
function parseHeaders(raw) {
  const head = raw.split(/\r?\n\r?\n/)[0];
  const fields = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1][1] += " " + line.trim();
    else {
      const colon = line.indexOf(":");
      if (colon > 0) fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
    }
  }
  return fields;
}

// ---- requests --------------------------------------------------------------------------------

function renderRequests() {
  const requests = Array.from(state.requests.values()).sort((a, b) => b.id - a.id);
  $("count-requests").textContent = requests.length ? "(" + requests.length + ")" : "";
  fillFilter($("filter-mailbox"), requests.map((r) => r.mailbox));
  fillFilter($("filter-operation"), requests.map((r) => r.operation));
  const mailbox = $("filter-mailbox").value;
  const operation = $("filter-operation").value;
  const shown = requests.filter((r) => (!mailbox || r.mailbox === mailbox) && (!operation || r.operation === operation));
  $("request-empty").hidden = shown.length > 0;
  showOlder("requests", "request-older");
  $("request-list").replaceChildren(...shown.map((r) => el("li", {},
    el("button", {
      type: "button", class: "item", "data-request": r.id,
      "aria-current": state.selectedRequest === r.id ? "true" : null,
      onclick: () => selectRequest(r.id),
    },
    el("span", { class: "who" }, "#" + r.id + " " + (r.operation || r.method + " " + r.path)),
    el("span", { class: "pin-small" }, statusBadge(r)),
    el("span", { class: "what" }, (r.mailbox || r.identity || "anonymous"), r.reason ? " · " + r.reason : "", " · ", timeEl(r.received_at))))));
  if (state.selectedRequest !== null) renderRequestDetail();
}

function statusBadge(r) {
  if (r.status == null) return badge("no answer", "bad");
  const kind = r.status >= 400 ? "bad" : r.status >= 300 ? "warn" : "ok";
  return badge(String(r.status), kind);
}

function fillFilter(select, values) {
  const chosen = select.value;
  const options = Array.from(new Set(values.filter(Boolean))).sort();
  const have = Array.from(select.options).slice(1).map((o) => o.value);
  if (have.join("\n") === options.join("\n")) return;
  select.replaceChildren(el("option", { value: "" }, "all"), ...options.map((v) => el("option", { value: v }, v)));
  select.value = options.includes(chosen) ? chosen : "";
}

async function selectRequest(id) {
  state.selectedRequest = id;
  showView("requests");
  renderRequests();
}

async function renderRequestDetail() {
  const detail = $("request-detail");
  const id = state.selectedRequest;
  let r = state.requests.get(id);
  if (!r) { detail.replaceChildren(); return; }
  if (r.body === undefined) {
    // Events carry no bodies; the journal has them.
    try {
      const page = await api("/requests?after_id=" + (id - 1) + "&limit=1");
      if (page.requests[0] && page.requests[0].id === id) {
        r = page.requests[0];
        state.requests.set(id, r);
      }
    } catch (error) { showError(error); }
    if (state.selectedRequest !== id) return;
  }
  const emails = Array.from(state.emails.values()).filter((e) => e.request_id === id);
  detail.replaceChildren(
    el("div", { class: "pane-head" },
      el("h2", {}, "Request #" + r.id),
      el("a", { class: "json", href: API + "/requests?after_id=" + (r.id - 1) + "&limit=1" }, "JSON"),
      el("button", { type: "button", id: "copy-curl", onclick: (e) => copyText(curl(r), e.currentTarget) }, "Copy as curl")),
    el("p", { class: "meta" }, r.method + " " + r.path, " · ", timeEl(r.received_at), " · " + r.duration_ms + " ms"),
    r.reason ? el("p", { class: "reason" }, el("strong", {}, "Reason: "), r.reason) : null,
    facts([
      ["Status", statusBadge(r)],
      ["Identity", r.identity || "—"],
      ["Mailbox", r.mailbox || "—"],
      ["Operation", r.operation || "—"],
      ["Outcome", typeof r.outcome === "string" ? r.outcome : JSON.stringify(r.outcome)],
      ["Scenario", r.scenario != null ? "#" + r.scenario : "—"],
      ["Auth scheme", r.auth_scheme || "—"],
      ["Listener", r.listener || "—"],
      ["Emails sent", emails.length ? emails.map((e) => [el("a", {
        href: "#inbox/" + e.id, onclick: (ev) => { ev.preventDefault(); selectEmail(e.id); },
      }, "email #" + e.id), " "]) : "none"],
    ]),
    el("h3", {}, "Request headers"),
    facts(Object.entries(r.headers || {})),
    el("h3", {}, "Request body"),
    pre(r.body || "(empty)", { "aria-label": "Request body" }),
    el("h3", {}, "Response body"),
    pre(r.response_body == null ? "(no answer)" : r.response_body || "(empty)", { "aria-label": "Response body" }));
}

function curl(r) {
  const parts = ["curl", "-X", r.method, shellQuote(location.origin + r.path)];
  for (const [name, value] of Object.entries(r.headers || {})) {
    if (["host", "content-length", "connection", "accept-encoding"].includes(name)) continue;
    if (name === "authorization") {
      if (/^basic/i.test(value)) parts.push("-u", shellQuote((r.identity || "USER") + ":PASSWORD"));
      continue;
    }
    parts.push("-H", shellQuote(name + ": " + value));
  }
  if (r.body) parts.push("--data-binary", shellQuote(r.body));
  return parts.join(" ");
}

// ---- mailboxes -------------------------------------------------------------------------------

function renderMailboxes() {
  const mailboxes = Array.from(state.mailboxes.values());
  $("count-mailboxes").textContent = "(" + mailboxes.length + ")";
  // A redraw must not take the caret from a PIN being typed.
  const focused = document.activeElement && document.activeElement.id;
  $("mailbox-list").replaceChildren(...mailboxes.map((m) => {
    const path = "/mailboxes/" + encodeURIComponent(m.smtp_address);
    const act = (label, patch) => el("button", {
      type: "button", onclick: async () => {
        try { state.mailboxes.set(m.smtp_address.toLowerCase(), await api(path, { method: "PATCH", json: patch })); renderAll(); }
        catch (error) { showError(error); }
      },
    }, label);
    return el("article", { class: "card", "data-mailbox": m.smtp_address, "aria-label": m.smtp_address },
      el("h3", {}, m.display_name ? m.display_name + " · " : "", m.smtp_address),
      el("p", {}, m.um_enabled ? badge("UM enabled", "ok") : badge("UM disabled", "warn"), " ",
        m.locked_out ? badge("locked out", "bad") : null, " ",
        m.pin_expired ? badge("PIN expired", "bad") : null),
      facts([
        ["PIN", el("span", { class: "mono" }, m.pin || "—")],
        ["PIN history", (m.pin_history || []).join(", ") || "—"],
        // Shown only by servers that report them (those with the double's clock).
        "pin_set_at" in m && ["PIN set", m.pin_set_at || "—"],
        "pin_expires_at" in m && ["PIN expires", m.pin_expires_at || "never"],
        ["Extension", m.extension || "—"],
        ["Policy", m.policy],
        ["Dial plan", m.dial_plan || "—"],
        ["Failed logons", String(m.failed_logons)],
        ["Logons", (m.logons || []).join(", ") || "—"],
      ]),
      el("div", { class: "actions" },
        act("Unlock", { locked_out: false, failed_logons: 0 }),
        act("Expire the PIN", { pin_expired: true }),
        act(m.um_enabled ? "Disable UM" : "Enable UM", { um_enabled: !m.um_enabled }),
        el("a", { class: "json", href: API + path }, "JSON")),
      phoneLogon(m, path));
  }));
  if (focused && focused.startsWith("logon-pin-") && $(focused)) $(focused).focus();
}

// A phone logon with a PIN typed here: what Outlook Voice Access would decide.
function phoneLogon(m, path) {
  const key = m.smtp_address.toLowerCase();
  const id = "logon-pin-" + key.replace(/[^a-z0-9]/g, "-");
  // What is typed is kept in the state too: a mailbox event redraws the card at any time.
  const input = el("input", {
    id, name: "pin", type: "text", inputmode: "numeric", autocomplete: "off", pattern: "[0-9]*", required: true,
    value: state.logonPins.get(key) || "", oninput: (event) => state.logonPins.set(key, event.target.value),
  });
  const resultId = "logon-result-" + key.replace(/[^a-z0-9]/g, "-");
  const result = el("output", { id: resultId, for: id, "aria-live": "polite" }, state.logons.get(key) || "");
  return el("form", {
    class: "logon", "aria-label": "Phone logon for " + m.smtp_address,
    onsubmit: async (event) => {
      event.preventDefault();
      try {
        const r = await api(path + "/logon", { method: "POST", json: { pin: input.value } });
        const said = ["result: " + r.result, "failed logons: " + r.failed_logons];
        if (r.locked_out) said.push("locked out");
        if (r.pin_reset) said.push("PIN reset automatically, an email was sent");
        state.logons.set(key, said.join(" · "));
        // The mailbox event of this logon may have redrawn the card before this answer came.
        const shown = $(resultId);
        if (shown) shown.textContent = state.logons.get(key);
      } catch (error) { showError(error); }
    },
  }, el("label", { for: id }, "Phone logon with PIN "), input, " ",
    el("button", { type: "submit" }, "Phone logon"), " ", result);
}

// ---- scenarios and the server ----------------------------------------------------------------

function renderScenarios() {
  const scenarios = Array.from(state.scenarios.values()).sort((a, b) => b.id - a.id);
  $("count-scenarios").textContent = scenarios.length ? "(" + scenarios.length + ")" : "";
  $("scenario-empty").hidden = scenarios.length > 0;
  $("scenario-list").replaceChildren(...scenarios.map((s) => {
    const answered = Array.from(state.requests.values()).filter((r) => r.scenario === s.id).sort((a, b) => a.id - b.id);
    return el("article", { class: "card", "aria-label": "Scenario " + s.id },
      el("h3", {}, "Scenario #" + s.id + " · " + s.operation + " for " + s.mailbox),
      facts([
        ["Remaining", (s.remaining || []).map((o) => typeof o === "string" ? o : JSON.stringify(o)).join(", ") || "none"],
        ["Then", s.then],
        ["Given", String(s.given)],
        ["Answered", answered.length ? answered.map((r) => [el("a", {
          href: "#requests/" + r.id, onclick: (e) => { e.preventDefault(); selectRequest(r.id); },
        }, "#" + r.id), " "]) : "none"],
      ]),
      el("div", { class: "actions" }, el("button", {
        type: "button", class: "danger", onclick: async () => {
          try { await api("/scenarios/" + s.id, { method: "DELETE" }); state.scenarios.delete(s.id); renderAll(); }
          catch (error) { showError(error); }
        },
      }, "Delete scenario #" + s.id)));
  }));
  const info = state.info;
  $("server-info").replaceChildren(...(info ? facts([
    ["Version", info.version],
    ["Seed", info.seed == null ? "random" : String(info.seed)],
    ["Fixtures", info.fixtures],
    ["Evicted emails", String(info.evicted.emails) + " (of at most " + info.max_emails + " kept)"],
    ["Evicted requests", String(info.evicted.requests) + " (of at most " + info.max_requests + " kept)"],
  ]).childNodes : []));
}

function renderAll() {
  renderEmails();
  renderRequests();
  renderMailboxes();
  renderScenarios();
}

// ---- loading and live updates ----------------------------------------------------------------

/** Items of a list the page loads at a time: the newest on load, older ones on demand. */
const PAGE = 500;

/**
 * The newest page of a list the server sends oldest first (`/emails`, `/requests`), and the
 * id of the oldest item it holds. Kept ids count up without gaps, so the newest page starts
 * `total - PAGE` after the oldest; should they not, the pages after it are fetched too.
 */
async function newest(path, key) {
  const head = await api(path + "?limit=1");
  if (!head[key].length) return { items: [], oldest: null };
  const oldest = head[key][0].id;
  let after = oldest - 1 + Math.max(0, head.total - PAGE);
  let items = [];
  for (;;) {
    const page = await api(path + "?after_id=" + after + "&limit=" + PAGE);
    items = items.concat(page[key]);
    if (page[key].length < PAGE || page.total <= page[key].length) return { items, oldest };
    after = page[key][page[key].length - 1].id;
  }
}

/** The page before the oldest loaded item of `list` ("emails" or "requests"), merged in. */
async function loadOlder(list) {
  const items = state[list];
  const first = firstId(items);
  const page = await api("/" + list + "?after_id=" + Math.max(0, first - 1 - PAGE) + "&limit=" + PAGE);
  const older = page[list].filter((item) => item.id < first);
  for (const item of older) items.set(item.id, item);
  // Nothing older came back: the server holds no more (evicted or cleared since).
  if (!older.length) state.oldest[list] = first;
}

/** Shows a list's "Load older" button while the server holds items before the loaded ones. */
function showOlder(list, button) {
  const oldest = state.oldest[list];
  $(button).hidden = oldest == null || !state[list].size || firstId(state[list]) <= oldest;
}

/** The smallest id among a map's keys (a loop: a spread of thousands of ids may not fit). */
function firstId(map) {
  let first = Infinity;
  for (const id of map.keys()) if (id < first) first = id;
  return first;
}

async function loadAll() {
  const [emails, requests, mailboxes, scenarios, info] = await Promise.all([
    newest("/emails", "emails"), newest("/requests", "requests"), api("/mailboxes"), api("/scenarios"), api("/info"),
  ]);
  state.emails = new Map(emails.items.map((e) => [e.id, e]));
  state.requests = new Map(requests.items.map((r) => [r.id, r]));
  state.oldest = { emails: emails.oldest, requests: requests.oldest };
  state.mailboxes = new Map(mailboxes.mailboxes.map((m) => [m.smtp_address.toLowerCase(), m]));
  state.scenarios = new Map(scenarios.scenarios.map((s) => [s.id, s]));
  state.info = info;
  renderAll();
}

function apply(kind, data) {
  if (kind === "email") state.emails.set(data.id, data);
  else if (kind === "request") state.requests.set(data.id, Object.assign(state.requests.get(data.id) || {}, data));
  else if (kind === "mailbox") {
    if (data.removed) state.mailboxes.delete(data.smtp_address.toLowerCase());
    else state.mailboxes.set(data.smtp_address.toLowerCase(), data);
  }
  else if (kind === "scenario") {
    if (data.removed) state.scenarios.delete(data.id);
    else state.scenarios.set(data.id, data);
  } else if (kind === "reset") {
    state.selectedEmail = null;
    state.selectedRequest = null;
    loadAll().catch(showError);
    return;
  }
}

function onEvent(kind, message) {
  const data = JSON.parse(message.data);
  if (state.paused) {
    state.queued.push([kind, data]);
    setConn("paused", "paused (" + state.queued.length + " updates waiting)");
    return;
  }
  apply(kind, data);
  scheduleRender();
}

function scheduleRender() {
  if (scheduleRender.pending) return;
  scheduleRender.pending = true;
  requestAnimationFrame(() => {
    scheduleRender.pending = false;
    renderAll();
    if (state.info) api("/info").then((info) => { state.info = info; renderScenarios(); }).catch(() => {});
  });
}

function setConn(kind, text) {
  const conn = $("conn");
  conn.className = "conn conn-" + kind;
  conn.textContent = text;
}

function connect() {
  if (state.source) state.source.close();
  const source = new EventSource(withToken("/events"));
  state.source = source;
  for (const kind of ["email", "request", "mailbox", "scenario", "reset"]) {
    source.addEventListener(kind, (message) => onEvent(kind, message));
  }
  source.onopen = () => {
    const missed = state.polling;
    state.streamOpen = true;
    if (!state.paused) setConn("live", "live");
    // While the stream was cut only emails were polled: catch up on the rest.
    if (missed) loadAll().catch(showError);
  };
  source.onerror = () => {
    state.streamOpen = false;
    if (state.needToken) return;
    if (!state.paused) setConn("polling", "reconnecting (polling for email)");
    poll();
    if (source.readyState === EventSource.CLOSED) setTimeout(() => { if (!state.needToken) connect(); }, 5000);
  };
}

/** The long-poll fallback while the stream is cut: waits for emails after the newest one. */
async function poll() {
  if (state.polling) return;
  state.polling = true;
  try {
    while (!state.streamOpen && !state.needToken) {
      const after = Math.max(0, ...state.emails.keys());
      try {
        const page = await api("/emails?wait_ms=20000&after_id=" + after);
        for (const email of page.emails) state.emails.set(email.id, email);
        if (page.emails.length && !state.paused) renderEmails();
      } catch (_) {
        if (!state.paused && !state.needToken) setConn("offline", "offline (retrying)");
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
    }
  } finally {
    state.polling = false;
  }
}

function askForToken(message) {
  state.needToken = true;
  if (state.source) { state.source.close(); state.source = null; }
  setConn("offline", "admin token needed");
  $("token-form").hidden = false;
  $("token-error").textContent = message || "";
  $("token-input").focus();
}

async function start() {
  try {
    await loadAll();
    connect();
  } catch (error) {
    showError(error);
    if (!state.needToken) { setConn("offline", "offline"); setTimeout(start, 3000); }
  }
}

// ---- wiring ----------------------------------------------------------------------------------

function init() {
  const views = $("views");
  const viewTabs = Array.from(views.querySelectorAll('[role="tab"]'));
  for (const tab of viewTabs) tab.addEventListener("click", () => selectTab(viewTabs, tab));
  tabKeys(views, (tab) => selectTab(viewTabs, tab));

  $("email-older").addEventListener("click", async () => {
    try { await loadOlder("emails"); renderEmails(); } catch (error) { showError(error); }
  });
  $("request-older").addEventListener("click", async () => {
    try { await loadOlder("requests"); renderRequests(); } catch (error) { showError(error); }
  });

  $("filter-mailbox").addEventListener("change", renderRequests);
  $("filter-operation").addEventListener("change", renderRequests);

  $("pause").addEventListener("click", () => {
    state.paused = !state.paused;
    $("pause").setAttribute("aria-pressed", String(state.paused));
    $("pause").textContent = state.paused ? "Resume" : "Pause";
    if (state.paused) { setConn("paused", "paused"); return; }
    for (const [kind, data] of state.queued.splice(0)) apply(kind, data);
    renderAll();
    setConn(state.streamOpen ? "live" : "polling", state.streamOpen ? "live" : "reconnecting (polling for email)");
  });

  $("reset").addEventListener("click", async () => {
    try { await api("/reset", { method: "POST" }); await loadAll(); } catch (error) { showError(error); }
  });

  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim());
    state.needToken = false;
    $("token-form").hidden = true;
    $("token-input").value = "";
    await start();
  });

  // Relative times stay true.
  setInterval(() => {
    for (const node of document.querySelectorAll("time[data-rel]")) node.textContent = relative(node.dataset.rel);
  }, 30000);

  start();
}

document.addEventListener("DOMContentLoaded", init);
