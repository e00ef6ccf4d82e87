// The web inbox in a real browser: Debian's headless Chromium driven by playwright-core.
// Starts the double's binary (EXUM_BIN) on free ports, and checks what a person sees.
//
//   EXUM_BIN=target/debug/exchange-um-mock node tests/browser/inbox.test.mjs
//
// Writes docs/inbox.png and docs/email.png (docs/web-inbox.md shows them) when SCREENSHOTS is set.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const BIN = process.env.EXUM_BIN;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ROOT = resolve(import.meta.dirname, "../..");
const STEP_TIMEOUT = 10_000;

/** Starts the double; resolves with its base URL and a way to stop it. */
function startServer(extra = []) {
  return new Promise((ok, fail) => {
    const child = spawn(BIN, ["serve", "--listen", "127.0.0.1:0", "--seed", "7", ...extra], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/\S+)/);
      if (match) ok({ base: match[1], stop: () => child.kill("SIGTERM") });
    });
    child.on("exit", (code) => fail(new Error("the server exited with " + code + ": " + out)));
  });
}

function basic(user, password) {
  return "Basic " + Buffer.from(user + ":" + password).toString("base64");
}

async function resetPin(base, user, password = "any password") {
  return fetch(base + "/EWS/UM2007Legacy.asmx", {
    method: "POST",
    headers: {
      Authorization: basic(user, password),
      "Content-Type": "text/xml; charset=utf-8",
      SOAPAction: '"http://schemas.microsoft.com/exchange/services/2006/messages/ResetPIN"',
    },
    body: '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></soap:Body></soap:Envelope>',
  });
}

/** Starts a session (`POST /__admin/sessions`); resolves with its list entry. */
async function createSession(base, name) {
  const response = await fetch(base + "/__admin/sessions", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  assert.equal(response.status, 201, "POST /__admin/sessions");
  return response.json();
}

async function adminJson(base, path, token) {
  const response = await fetch(base + "/__admin" + path, {
    headers: token ? { Authorization: "Bearer " + token } : {},
  });
  assert.equal(response.status, 200, path);
  return response.json();
}

/** Collects what must not happen: console errors, page errors, requests to other hosts. */
function watch(page, base, allowed = []) {
  const problems = [];
  const host = new URL(base).host;
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    if (allowed.some((pattern) => pattern.test(message.text()))) return;
    problems.push("console error: " + message.text());
  });
  page.on("pageerror", (error) => problems.push("page error: " + error.message));
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol === "data:" || url.protocol === "about:") return;
    if (url.host !== host) problems.push("request to another host: " + request.url());
  });
  return problems;
}

async function axeScan(page, where) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => v.id + ": " + v.help + " @ " + v.nodes.map((n) => n.target.join(" ")).join(", ")),
    [],
    "axe found serious or critical violations on " + where,
  );
}

/**
 * Sessions, on a server of their own: the root inbox lists them live and links to each one's
 * inbox, which names its session and shows its mail only.
 */
async function sessionSteps(context) {
  const multi = await startServer();
  const page = await context.newPage();
  const problems = watch(page, multi.base);
  try {
    let left, right;
    await step("the root inbox lists the sessions, and one started or ended while it is open comes and goes live", async () => {
      left = await createSession(multi.base, "left");
      right = await createSession(multi.base, "right");
      await page.goto(multi.base + "/__admin/ui/");
      await page.locator("#conn", { hasText: "live" }).waitFor();
      assert.equal(await page.locator("#session-banner").isVisible(), false);
      await page.locator("#tab-sessions").click();
      for (const session of [left, right]) {
        const row = page.locator(`[data-session="${session.id}"]`);
        await row.locator(".who", { hasText: session.name }).waitFor();
        assert.equal(await row.getByRole("link", { name: "Open the inbox of session " + session.name }).getAttribute("href"),
          "/sessions/" + session.id + "/__admin/ui/");
      }
      const third = await createSession(multi.base, "third");
      const row = page.locator(`[data-session="${third.id}"]`);
      await row.locator(".who", { hasText: "third" }).waitFor();
      const ended = await fetch(multi.base + "/__admin/sessions/" + third.id, { method: "DELETE" });
      assert.equal(ended.status, 204);
      await row.waitFor({ state: "detached" });
      assert.equal(await page.locator("#session-list tr").count(), 2);
      await axeScan(page, "the sessions view");
      await page.emulateMedia({ colorScheme: "dark" });
      await axeScan(page, "the sessions view in dark mode");
      await page.emulateMedia({ colorScheme: "light" });
    });

    await step("a session's email stays out of the root inbox, and the list counts it", async () => {
      assert.equal((await resetPin(multi.base, "carol")).status, 200);
      assert.equal((await resetPin(left.base_url, "alice@contoso.com")).status, 200);
      assert.equal((await adminJson(left.base_url, "/emails")).total, 1);
      // A root email after the session's: had the session's reached the root's stream, it would be listed by now.
      assert.equal((await resetPin(multi.base, "carol")).status, 200);
      await page.locator("#tab-inbox").click();
      await page.locator("#email-list [data-email]").nth(1).waitFor();
      const shown = await page.locator("#email-list .who").allTextContents();
      assert.deepEqual(shown, ["carol@contoso.com", "carol@contoso.com"]);
      await page.locator("#tab-sessions").click();
      const row = page.locator(`[data-session="${left.id}"]`);
      await row.locator('[data-count="emails"]', { hasText: /^1$/ }).waitFor();
      await row.locator('[data-count="requests"]', { hasText: /^1$/ }).waitFor();
      assert.equal(await page.locator(`[data-session="${right.id}"] [data-count="emails"]`).textContent(), "0");
    });

    await step("a session's link opens its inbox, which names the session and shows its email only, live", async () => {
      await page.getByRole("link", { name: "Open the inbox of session left" }).click();
      await page.waitForURL(multi.base + "/sessions/" + left.id + "/__admin/ui/");
      await page.locator("#conn", { hasText: "live" }).waitFor();
      assert.equal(await page.locator("#session-name").textContent(), "left");
      assert.equal(await page.locator("#session-service-url").textContent(), left.service_url);
      assert.equal(await page.locator("#tab-sessions").count(), 0, "no Sessions view in a session");
      const items = page.locator("#email-list [data-email]");
      await items.first().waitFor();
      assert.deepEqual(await page.locator("#email-list .who").allTextContents(), ["alice@contoso.com"]);
      await items.first().click();
      const mailbox = await adminJson(left.base_url, "/mailboxes/alice@contoso.com");
      assert.equal((await page.locator("#pin-value").textContent()).trim(), mailbox.pin);
      // The links to the JSON are the session's too.
      assert.equal(new URL(await page.locator("#view-inbox a.json").first().evaluate((a) => a.href)).pathname,
        "/sessions/" + left.id + "/__admin/emails");
      assert.equal((await resetPin(left.base_url, "alice@contoso.com")).status, 200);
      await items.nth(1).waitFor();
      assert.equal(await items.count(), 2);
      await axeScan(page, "a session's inbox");
      await page.emulateMedia({ colorScheme: "dark" });
      await axeScan(page, "a session's inbox in dark mode");
      await page.emulateMedia({ colorScheme: "light" });
      await page.getByRole("link", { name: "Root inbox and all sessions" }).click();
      await page.waitForURL(multi.base + "/__admin/ui/");
      await page.locator("#conn", { hasText: "live" }).waitFor();
      await page.locator("#email-list [data-email]").nth(1).waitFor();
      assert.deepEqual(await page.locator("#email-list .who").allTextContents(), ["carol@contoso.com", "carol@contoso.com"]);
    });

    await step("no console error and no request to another host, across the sessions' inboxes", async () => {
      assert.deepEqual(problems, []);
    });

    // A session's inbox whose session ends says so (the API's 404 for it is logged, as expected).
    const gone = await context.newPage();
    const goneProblems = watch(gone, multi.base, [/status of 404/]);
    await step("a session's inbox says so when its session ends", async () => {
      await gone.goto(right.base_url + "/__admin/ui/");
      await gone.locator("#conn", { hasText: "live" }).waitFor();
      assert.equal(await gone.locator("#session-name").textContent(), "right");
      const ended = await fetch(multi.base + "/__admin/sessions/" + right.id, { method: "DELETE" });
      assert.equal(ended.status, 204);
      await gone.locator("#conn", { hasText: "session ended" }).waitFor();
      await gone.locator("#error", { hasText: "This session has ended" }).waitFor();
      assert.deepEqual(goneProblems, []);
    });
    await gone.close();
  } finally {
    await page.close();
    multi.stop();
  }
}

const results = [];
async function step(name, body) {
  try {
    await body();
    results.push(["ok", name]);
    console.log("ok   " + name);
  } catch (error) {
    results.push(["FAIL", name]);
    console.log("FAIL " + name + "\n     " + String(error && error.stack ? error.stack : error).split("\n").join("\n     "));
  }
}

async function main() {
  assert.ok(BIN, "set EXUM_BIN to the exchange-um-mock binary");
  const profile = mkdtempSync(join(tmpdir(), "exum-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    viewport: { width: 1280, height: 860 },
  });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const open = await startServer();
  const locked = await startServer(["--admin-token", "s3cret-token"]);
  try {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: open.base });
    const page = await context.newPage();
    const problems = watch(page, open.base);

    await step("GET / leads to the page, which goes live", async () => {
      await page.goto(open.base + "/");
      assert.equal(new URL(page.url()).pathname, "/__admin/ui/");
      await page.locator("#conn", { hasText: "live" }).waitFor();
      assert.equal(await page.locator("h1").count(), 1);
      assert.equal(await page.locator("main").count(), 1);
    });

    let pin;
    await step("a ResetPIN made while the page is open appears without a reload, PIN as the API says", async () => {
      assert.equal((await resetPin(open.base, "carol")).status, 200);
      assert.equal((await resetPin(open.base, "alice")).status, 200);
      const first = page.locator("#email-list [data-email]").first();
      await first.locator(".who", { hasText: "alice@contoso.com" }).waitFor();
      await first.click();
      pin = (await page.locator("#pin-value").textContent()).trim();
      const mailbox = await adminJson(open.base, "/mailboxes/alice@contoso.com");
      assert.equal(pin, mailbox.pin);
      assert.match(pin, /^\d+$/);
    });

    await step("screenshots of the inbox and of one email", async () => {
      if (!process.env.SCREENSHOTS) return;
      await page.screenshot({ path: join(ROOT, "docs/inbox.png") });
      await page.locator("#etab-html").click();
      await page.frameLocator("iframe.html-body").locator("body", { hasText: pin }).waitFor();
      await page.screenshot({ path: join(ROOT, "docs/email.png"), fullPage: true });
      await page.locator("#etab-text").click();
    });

    await step("the copy button puts the PIN on the clipboard", async () => {
      await page.locator("#copy-pin").click();
      await page.locator("#copy-pin", { hasText: "Copied" }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), pin);
    });

    await step("the email's tabs work with the arrow keys, Home and End", async () => {
      await page.locator("#etab-text").click();
      await page.locator("#etab-text").focus();
      await page.keyboard.press("ArrowRight");
      assert.equal(await page.evaluate(() => document.activeElement.id), "etab-html");
      assert.equal(await page.locator("#etab-html").getAttribute("aria-selected"), "true");
      assert.equal(await page.locator("#epanel-html").isVisible(), true);
      assert.equal(await page.locator("iframe.html-body").getAttribute("sandbox"), "");
      await page.keyboard.press("End");
      assert.equal(await page.evaluate(() => document.activeElement.id), "etab-headers");
      await page.locator("#epanel-headers dt", { hasText: "Subject" }).first().waitFor();
      await page.keyboard.press("Home");
      assert.equal(await page.evaluate(() => document.activeElement.id), "etab-text");
      await page.keyboard.press("ArrowLeft");
      assert.equal(await page.evaluate(() => document.activeElement.id), "etab-headers");
    });

    await step("the raw tab shows the MIME source", async () => {
      await page.locator("#etab-raw").click();
      const raw = page.locator("#raw-mime");
      await raw.waitFor();
      const text = await raw.textContent();
      assert.match(text, /MIME-Version: 1\.0/i);
      assert.ok(text.includes(pin), "the raw source holds the PIN");
    });

    await step("axe finds no serious or critical problem on the inbox", () => axeScan(page, "the inbox"));

    await step("the view tabs work with the keyboard", async () => {
      await page.locator("#tab-inbox").focus();
      await page.keyboard.press("ArrowRight");
      assert.equal(await page.evaluate(() => document.activeElement.id), "tab-requests");
      assert.equal(await page.locator("#view-requests").isVisible(), true);
      assert.equal(await page.locator("#view-inbox").isVisible(), false);
    });

    await step("the requests view shows a 401 and its reason, live", async () => {
      assert.equal((await resetPin(open.base, "nobody")).status, 401);
      const item = page.locator("#request-list [data-request]").first();
      await item.locator(".what", { hasText: "no mailbox has logon 'nobody'" }).waitFor();
      await item.locator(".badge", { hasText: "401" }).waitFor();
      await item.click();
      await page.locator("#request-detail .reason", { hasText: "no mailbox has logon 'nobody'" }).waitFor();
      await page.locator("#request-detail pre", { hasText: "ResetPIN" }).first().waitFor();
    });

    await step("an email links to its request and back", async () => {
      await page.locator("#tab-inbox").click();
      await page.locator("#email-list [data-email]").first().click();
      await page.locator("#email-detail a", { hasText: /^request #/ }).click();
      assert.equal(await page.locator("#view-requests").isVisible(), true);
      await page.locator("#request-detail a", { hasText: /^email #/ }).click();
      assert.equal(await page.locator("#view-inbox").isVisible(), true);
    });

    await step("the mailboxes view shows state and its actions change it", async () => {
      await page.locator("#tab-mailboxes").click();
      const card = page.locator('[data-mailbox="alice@contoso.com"]');
      await card.waitFor();
      assert.ok((await card.textContent()).includes(pin));
      await card.getByRole("button", { name: "Expire the PIN" }).click();
      await card.locator(".badge", { hasText: "PIN expired" }).waitFor();
      assert.equal((await adminJson(open.base, "/mailboxes/alice@contoso.com")).pin_expired, true);
      await card.getByRole("button", { name: "Disable UM" }).click();
      await card.locator(".badge", { hasText: "UM disabled" }).waitFor();
      assert.equal((await adminJson(open.base, "/mailboxes/alice@contoso.com")).um_enabled, false);
      await card.getByRole("button", { name: "Enable UM" }).click();
      await card.locator(".badge", { hasText: "UM enabled" }).waitFor();
      // A phone logon with a wrong PIN counts a failure; its result survives the redraw that
      // the mailbox event causes.
      await card.getByLabel("Phone logon with PIN").fill("000001");
      await card.getByRole("button", { name: "Phone logon" }).click();
      await card.locator("output", { hasText: "failed logons: 1" }).waitFor();
      assert.ok((await card.locator("output").textContent()).includes("result: wrong_pin"));
      assert.equal((await adminJson(open.base, "/mailboxes/alice@contoso.com")).failed_logons, 1);
      await axeScan(page, "the mailboxes view");
    });

    await step("the scenarios view shows server info and reset empties the inbox", async () => {
      await page.locator("#tab-scenarios").click();
      await page.locator("#server-info dd", { hasText: "embedded" }).waitFor();
      await page.locator("#scenario-list article").first().waitFor();
      await axeScan(page, "the scenarios view");
      await page.locator("#reset").click();
      await page.locator("#tab-inbox").click();
      await page.locator("#email-empty").waitFor({ state: "visible" });
    });

    await step("pause holds live updates until resumed", async () => {
      await page.locator("#tab-inbox").click();
      await page.locator("#pause").click();
      await page.locator("#conn", { hasText: "paused" }).waitFor();
      assert.equal((await resetPin(open.base, "carol")).status, 200);
      await page.locator("#conn", { hasText: "waiting" }).waitFor();
      assert.equal(await page.locator("#email-list [data-email]").count(), 0);
      await page.locator("#pause").click();
      await page.locator("#email-list [data-email]").first().waitFor();
      await page.locator("#conn", { hasText: "live" }).waitFor();
    });

    await step("no console error and no request to another host", async () => {
      assert.deepEqual(problems, []);
    });

    // With the event stream cut (every attempt refused), the page long-polls for emails.
    // The browser logs each refused attempt; those are expected here.
    const cut = await context.newPage();
    const cutProblems = watch(cut, open.base, [/ERR_FAILED/]);
    await step("with the event stream cut, new emails still arrive by long-polling", async () => {
      await cut.route("**/__admin/events*", (route) => route.abort());
      await cut.goto(open.base + "/__admin/ui/");
      await cut.locator("#conn", { hasText: "polling" }).waitFor();
      const before = await cut.locator("#email-list [data-email]").count();
      assert.equal((await resetPin(open.base, "alice")).status, 200);
      await cut.locator("#email-list [data-email]").nth(before).waitFor();
      assert.deepEqual(cutProblems, []);
    });
    await cut.close();

    await step("a session's inbox shows that session's emails and reads its own admin API", async () => {
      const response = await fetch(open.base + "/__admin/sessions", { method: "POST" });
      assert.equal(response.status, 201);
      const session = await response.json();
      const sessionPage = await context.newPage();
      const sessionProblems = watch(sessionPage, open.base);
      try {
        assert.equal((await resetPin(session.base_url, "erin")).status, 200);
        await sessionPage.goto(session.base_url);
        assert.equal(new URL(sessionPage.url()).pathname, `/sessions/${session.id}/__admin/ui/`);
        await sessionPage.locator("#conn", { hasText: "live" }).waitFor();
        const items = sessionPage.locator("#email-list [data-email]");
        await items.first().locator(".who", { hasText: "erin@contoso.com" }).waitFor();
        // Live: an email at the root does not come; the session's next one does, after it.
        assert.equal((await resetPin(open.base, "carol")).status, 200);
        assert.equal((await resetPin(session.base_url, "alice")).status, 200);
        await items.first().locator(".who", { hasText: "alice@contoso.com" }).waitFor();
        assert.equal(await items.count(), 2);
        const json = await sessionPage.locator("#view-inbox a.json").first().evaluate((a) => a.href);
        assert.equal(json, `${session.base_url}/__admin/emails`);
        assert.deepEqual(sessionProblems, []);
      } finally {
        await sessionPage.close();
      }
    });

    // A server with --admin-token: the page loads, asks for the token, then works. The
    // browser logs the 401 answers that tell the page to ask; those are expected here.
    const tokenPage = await context.newPage();
    const tokenProblems = watch(tokenPage, locked.base, [/status of 401/]);
    await step("with --admin-token the page asks for the token and then goes live", async () => {
      await tokenPage.goto(locked.base + "/__admin/ui/");
      await tokenPage.locator("#token-form").waitFor({ state: "visible" });
      await tokenPage.locator("#token-input").fill("s3cret-token");
      await tokenPage.getByRole("button", { name: "Use token" }).click();
      await tokenPage.locator("#conn", { hasText: "live" }).waitFor();
      assert.equal((await resetPin(locked.base, "alice")).status, 200);
      await tokenPage.locator("#email-list [data-email]").first().click();
      const mailbox = await adminJson(locked.base, "/mailboxes/alice@contoso.com", "s3cret-token");
      assert.equal((await tokenPage.locator("#pin-value").textContent()).trim(), mailbox.pin);
      await tokenPage.locator("#etab-html").click();
      await tokenPage.frameLocator("iframe.html-body").locator("body", { hasText: mailbox.pin }).waitFor();
      // The link to the JSON behind the inbox carries the token, so it opens (in a new tab,
      // as a ctrl-click does).
      const [jsonTab] = await Promise.all([
        context.waitForEvent("page"),
        tokenPage.locator("#view-inbox a.json").first().click({ modifiers: ["Control"] }),
      ]);
      await jsonTab.waitForLoadState();
      assert.ok(jsonTab.url().includes("/__admin/emails?token="), jsonTab.url());
      assert.ok(JSON.parse(await jsonTab.locator("body").innerText()).emails.length >= 1);
      await jsonTab.close();
      assert.deepEqual(tokenProblems, []);
    });

    await step("a long journal loads its newest page, and older ones on demand", async () => {
      const paged = await startServer();
      const pagedPage = await context.newPage();
      try {
        for (let sent = 0; sent < 620; sent += 62) {
          await Promise.all(Array.from({ length: 62 }, () => fetch(paged.base + "/EWS/UM2007Legacy.asmx", { method: "POST" })));
        }
        await pagedPage.goto(paged.base + "/__admin/ui/");
        await pagedPage.locator("#tab-requests").click();
        const items = pagedPage.locator("#request-list [data-request]");
        await items.first().waitFor();
        assert.equal(await items.count(), 500);
        assert.equal(await items.first().getAttribute("data-request"), "620");
        const older = pagedPage.getByRole("button", { name: "Load older requests" });
        await older.click();
        await items.nth(619).waitFor();
        assert.equal(await items.count(), 620);
        assert.equal(await items.last().getAttribute("data-request"), "1");
        await older.waitFor({ state: "hidden" });
      } finally {
        await pagedPage.close();
        paged.stop();
      }
    });

    await sessionSteps(context);
  } finally {
    await context.close();
    open.stop();
    locked.stop();
    rmSync(profile, { recursive: true, force: true });
  }
  const failed = results.filter(([status]) => status !== "ok");
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
