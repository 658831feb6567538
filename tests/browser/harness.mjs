// The browser suite's harness: a real consent-link (the release binary of
// this checkout, a fresh SQLite file), an integrator's host page on another
// origin, a stranger's page on a third, and Debian's Chromium.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

import { startProvider } from "./oidc-provider.mjs";

/// How long sessions live on the second Link (`env.short`), in seconds.
export const SHORT_TTL = 5;

export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../screenshots");

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function waitFor(url, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/// The integrator's page: loads the SDK from Link and opens it from a
/// button. Its own CSP has no 'unsafe-inline'.
function hostServer(link, port) {
  const me = `http://127.0.0.1:${port}`;
  const csp = `default-src 'self'; script-src 'self' ${link}; frame-src ${link}; style-src 'self'`;
  const pages = {
    "/host.html": ["text/html", `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Acme host</title><script src="${link}/static/link.js" async></script>
<script src="/host.js" defer></script></head>
<body><main><h1>Acme Bank</h1><button id="open" type="button">Apply</button>
<div id="box"></div><pre id="events"></pre></main></body></html>`],
    "/host.js": ["text/javascript", `
window.events = [];
function record(kind) { return function (v) { window.events.push({ kind: kind, value: v });
  document.getElementById("events").textContent = JSON.stringify(window.events); }; }
document.getElementById("open").addEventListener("click", function () {
  var q = new URLSearchParams(location.search);
  window.handle = ConsentLink.open({
    clientId: q.get("client") || "web", scope: q.get("scope") || "info,income",
    callbackUri: q.get("cb") || "${me}/cb", locale: q.get("locale") || "en", test: true,
    state: q.get("state") || "st-1", stylesUri: q.get("styles") || undefined,
    container: q.get("container") ? "#box" : undefined,
    onSuccess: record("success"), onError: record("error"), onStatus: record("status"), onExit: record("exit"),
  });
});`],
    "/cb": ["text/html", `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Callback</title></head>
<body><main><h1>Callback</h1></main></body></html>`],
    "/theme.css": ["text/css", ":root { --cl-primary: rgb(120, 20, 90); }"],
    // Issue 11: a sheet that tries to hide the scope list, relabel and move
    // the buttons, and make text invisible through the custom properties.
    "/hostile.css": ["text/css", `@import url("/theme.css");
.scopes, .scopes li { display: none !important; visibility: hidden; opacity: 0; }
button[value=accept] { font-size: 0 !important; color: transparent; }
button[value=accept]::after { content: "Decline"; font-size: 1rem; }
button[value=decline] { position: absolute; left: -9999px; }
:root { --cl-primary: rgb(120, 20, 90); --cl-text: #ffffff; --cl-surface: #1b1f24;
  --cl-muted: #fefefe; --cl-font: Webdings, "Wingdings"; }
:root { --cl-primary-text: #fff; } } .scopes { display: none }`],
    "/authorize": ["text/html", `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>
<body><main><h1>A provider's sign-in page</h1></main></body></html>`],
  };
  const server = http.createServer((req, res) => {
    const page = pages[new URL(req.url, me).pathname];
    if (req.url === "/favicon.ico") { res.writeHead(204); res.end(); return; }
    if (!page) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { "content-type": `${page[0]}; charset=utf-8`, "content-security-policy": csp });
    res.end(page[1]);
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, origin: me })));
}

/// An OpenID provider's discovery on one origin whose sign-in page is on
/// another (as ID-porten's is): only far enough for the browser to arrive.
function splitProvider(port, loginOrigin) {
  const me = `http://127.0.0.1:${port}`;
  const json = {
    "/.well-known/openid-configuration": {
      issuer: me, authorization_endpoint: `${loginOrigin}/authorize`, token_endpoint: `${me}/token`,
      jwks_uri: `${me}/jwks`, response_types_supported: ["code"], subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
    },
    "/jwks": { keys: [] },
  };
  const server = http.createServer((req, res) => {
    const body = json[new URL(req.url, me).pathname];
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(body ?? {}));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, origin: me })));
}

export async function start() {
  const dir = mkdtempSync(path.join(tmpdir(), "consent-link-browser-"));
  const db = `sqlite://${dir}/link.db`;
  const bin = process.env.CONSENT_LINK_BIN;
  if (!bin) throw new Error("set CONSENT_LINK_BIN to the consent-link binary");
  const [linkPort, hostPort, strangerPort, opPort, shortPort, downPort, splitPort] = [
    await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort(),
    await freePort()];
  const link = `http://127.0.0.1:${linkPort}`;
  // The upstream identity provider: oidc-provider (OpenID Certified) with a
  // scripted login, configured as the method "BankID".
  const op = await startProvider({ port: opPort, clientId: "consent-link", clientSecret: "op-secret",
    redirectUris: [`${link}/oidc/callback`] });
  const methods = path.join(dir, "methods.toml");
  writeFileSync(methods, `
[[provider]]
id = "op"
issuer = "${op.issuer}"
client_id = "consent-link"
client_secret_env = "TEST_OP_SECRET"

[[method]]
id = "bankid"
provider = "op"
acr_values = "urn:grn:authn:no:bankid:high"
identity_claim = "pid"
name = { en = "BankID", nb = "BankID" }
`);
  const host = await hostServer(link, hostPort);
  const stranger = await hostServer(link, strangerPort);
  const split = await splitProvider(splitPort, stranger.origin);
  const env = { ...process.env, DATABASE_URL: db, RUST_LOG: "warn", TEST_OP_SECRET: "op-secret" };
  const created = JSON.parse(execFileSync(bin, [
    "client", "create", "--id", "web", "--name", "Acme Bank",
    "--callback", `${host.origin}/cb`, "--styles-origin", host.origin, "--test", "--json",
  ], { env }).toString());
  const proc = spawn(bin, ["serve", "--demo", "--bind", `127.0.0.1:${linkPort}`, "--metrics-bind", "127.0.0.1:0",
    "--public-url", link, "--methods", methods],
    { env, stdio: ["ignore", "inherit", "inherit"] });
  // A second Link, for the pages the main one never shows: sessions that
  // live SHORT_TTL seconds, and a method whose provider is down (nothing
  // listens on its port).
  const short = `http://127.0.0.1:${shortPort}`;
  const downMethods = path.join(dir, "methods-down.toml");
  writeFileSync(downMethods, `
[[provider]]
id = "down"
issuer = "http://127.0.0.1:${downPort}"
client_id = "consent-link"
client_secret = "unused"

[[method]]
id = "bankid"
provider = "down"
identity_claim = "pid"
name = { en = "BankID", nb = "BankID" }

[[provider]]
id = "split"
issuer = "${split.origin}"
client_id = "consent-link"
client_secret = "unused"

[[method]]
id = "elsewhere"
provider = "split"
identity_claim = "pid"
name = { en = "MinID", nb = "MinID" }
`);
  const shortEnv = { ...env, DATABASE_URL: `sqlite://${dir}/short.db` };
  execFileSync(bin, ["client", "create", "--id", "web", "--name", "Acme Bank",
    "--callback", `${host.origin}/cb`, "--test", "--json"], { env: shortEnv });
  const shortProc = spawn(bin, ["serve", "--bind", `127.0.0.1:${shortPort}`, "--public-url", short,
    "--methods", downMethods, "--session-ttl", String(SHORT_TTL), "--metrics-bind", "127.0.0.1:0"],
  { env: shortEnv, stdio: ["ignore", "inherit", "inherit"] });
  await waitFor(`${link}/readyz`);
  await waitFor(`${short}/readyz`);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    link, host: host.origin, stranger: stranger.origin, secret: created.client_secret, browser, op: op.issuer,
    short,
    async stop() {
      await browser.close();
      proc.kill();
      shortProc.kill();
      await op.stop();
      host.server.close();
      stranger.server.close();
      split.server.close();
    },
  };
}

/// A page that records console errors, page errors and CSP violations
/// (in Link's frames too).
export async function watchedPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (m) => { if (m.type() === "error") page.problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  return page;
}

export const axeSource = readFileSync(
  path.resolve(import.meta.dirname, "node_modules/axe-core/axe.min.js"), "utf8");

/// axe-core's WCAG 2.1 A and AA violations in `frame` (a page or a frame).
export async function axe(frame) {
  await frame.evaluate(axeSource);
  return frame.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}
