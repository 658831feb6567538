// The real-browser suite (issue 4): Debian's Chromium through
// playwright-core. `.ci/run` runs it after `cargo test`; by hand:
//   cargo build && cd tests/browser && npm ci && CONSENT_LINK_BIN=<target>/debug/consent-link npm test
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";

import { axe, start, watchedPage, SCREENSHOTS, SHORT_TTL } from "./harness.mjs";
import { cancelAtProvider, loginAtProvider } from "./oidc-provider.mjs";

let env;
before(async () => { env = await start(); });
after(async () => { await env?.stop(); });

const PHONE = { viewport: { width: 375, height: 667 } };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

function linkUrl(params, base = env.link) {
  const q = new URLSearchParams({ client_id: "web", scope: "info,income", test: "true", state: "st-1",
    callback_uri: `${env.host}/cb`, ...params });
  return `${base}/link?${q}`;
}

/// Checks what every Link page must be, and saves a screenshot.
async function checkPage(page, frame, name, locale) {
  assert.equal(await frame.getAttribute("html", "lang"), locale, `${name}: lang`);
  const violations = await axe(frame);
  assert.deepEqual(violations, [], `${name}: axe WCAG 2.1 AA`);
  if (frame === page) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: scrolls horizontally by ${overflow}px`);
    const size = page.viewportSize().width < 500 ? "phone" : "desktop";
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${locale}-${size}.png`), fullPage: true });
  }
}

/// Walks the redirect flow to the callback, checking each page.
async function redirectFlow(page, { locale = "en", person = "kari", decision = "accept", label = "redirect" } = {}) {
  await page.goto(linkUrl({ locale }));
  await checkPage(page, page, `${label}-1-method`, locale);
  await page.click("button[name=method][value=test_bankid]");
  await page.waitForSelector(`#person-${person}`);
  await checkPage(page, page, `${label}-2-bankid`, locale);
  await page.check(`#person-${person}`);
  await page.click("form button.primary");
  await page.waitForSelector(`button[name=decision][value=${decision}]`);
  await checkPage(page, page, `${label}-3-consent`, locale);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(`${env.host}/cb`)),
    page.click(`button[name=decision][value=${decision}]`),
  ]);
  return new URL(page.url()).searchParams;
}

// What an integrator does after the callback: read once a second until
// the collection's status is final (at most ten times).
async function pollData(path, token) {
  for (let i = 0; ; i++) {
    const data = await (await fetch(`${env.link}${path}`,
      { headers: { authorization: `Bearer ${token}` } })).json();
    if (!["new", "in_progress"].includes(data.status) || i >= 9) return data;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

for (const [viewport, locales] of [[PHONE, ["en", "nb", "sv", "da"]], [DESKTOP, ["en", "nb"]]]) {
  for (const locale of locales) {
    test(`redirect flow in ${locale} at ${viewport.viewport.width}px reaches the callback and the data`, async () => {
      const page = await watchedPage(env.browser, viewport);
      const params = await redirectFlow(page, { locale });
      assert.equal(params.get("state"), "st-1");
      const user = params.get("code");
      assert.match(user, /^[0-9a-f-]{36}$/);
      // The integrator's server: a token, then the data.
      const auth = await fetch(`${env.link}/api/1.0/auth`, {
        method: "POST", headers: { "Client-ID": "web", "Secret-Key": env.secret } });
      const { token } = await auth.json();
      const data = await pollData(`/api/1.0/personal/${user}`, token);
      assert.equal(data.status, "done");
      assert.equal(data.personal.ssn, "15878512345");
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });
  }
}

test("the nb flow is Norwegian throughout", async () => {
  const page = await watchedPage(env.browser, DESKTOP);
  await page.goto(linkUrl({ locale: "nb" }));
  const texts = [await page.textContent("main")];
  await page.click("button[name=method][value=test_bankid]");
  await page.waitForSelector("#person-kari");
  texts.push(await page.textContent("main"));
  await page.check("#person-kari");
  await page.click("form button.primary");
  await page.waitForSelector("button[name=decision]");
  texts.push(await page.textContent("main"));
  for (const t of texts) {
    assert.doesNotMatch(t, /\b(Choose|Sign in|Cancel|Continue|Share|Decline|consent to)\b/, t);
  }
  assert.match(texts[2], /Avslå|avslå/);
  await page.context().close();
});

test("the iframe-mode result page and the completed-session page are accessible", async () => {
  for (const locale of ["en", "nb"]) {
    const page = await watchedPage(env.browser, PHONE);
    // Iframe mode opened at top level: the result page is shown (and its
    // script posts nothing, as there is no parent).
    await page.goto(linkUrl({ locale, iframe: "true" }));
    await page.click("button[name=method][value=test_bankid]");
    await page.check("#person-kari");
    await page.click("form button.primary");
    const session = page.url();
    await page.click("button[name=decision][value=accept]");
    await page.waitForSelector("p[role=status]");
    await checkPage(page, page, "iframe-result", locale);
    // Not framed (a sign-in window that went on by itself ends here too):
    // with script on, the link to the integrator's callback is offered.
    const onward = page.locator("#cl-top-continue a");
    assert.ok(await onward.isVisible(), "the callback link is shown at top level");
    assert.match(await onward.getAttribute("href"), new RegExp(`^${env.host}/cb\\?code=`));
    // Coming back to a completed session shows a page saying so.
    const res = await page.goto(session);
    assert.equal(res.status(), 409, "a completed session answers 409");
    await checkPage(page, page, "session-completed", locale);
    assert.deepEqual(page.problems.filter((p) => !/status of 409/.test(p)), []);
    await page.context().close();
  }
});

test("an error page is accessible too", async () => {
  for (const locale of ["en", "nb"]) {
    const page = await watchedPage(env.browser, PHONE);
    const res = await page.goto(`${env.link}/link?client_id=nobody&scope=info&locale=${locale}`);
    assert.equal(res.status(), 400);
    await checkPage(page, page, "error-unknown-client", locale);
    await page.context().close();
  }
});

test("the whole flow works with the keyboard alone", async () => {
  const page = await watchedPage(env.browser, DESKTOP);
  await page.goto(linkUrl({}));
  // Tab to the first method and press Enter.
  await tabTo(page, "button[name=method][value=test_bankid]");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#person-kari");
  await tabTo(page, "input[name=person]");
  // Kari is pre-checked: choose Ola, the next person, by arrow key alone.
  assert.equal(await page.isChecked("#person-kari"), true);
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.isChecked("#person-ola"), true, "the arrow key chose Ola");
  assert.equal(await page.isChecked("#person-kari"), false);
  await tabTo(page, "form button.primary");
  await page.keyboard.press("Enter");
  await page.waitForSelector("button[name=decision]");
  await tabTo(page, "button[name=decision][value=accept]");
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(`${env.host}/cb`)),
    page.keyboard.press("Enter"),
  ]);
  const user = new URL(page.url()).searchParams.get("code");
  assert.ok(user);
  // The data is Ola's, not the pre-checked Kari's.
  const auth = await fetch(`${env.link}/api/1.0/auth`, {
    method: "POST", headers: { "Client-ID": "web", "Secret-Key": env.secret } });
  const { token } = await auth.json();
  const data = await pollData(`/api/1.0/personal/${user}`, token);
  assert.equal(data.personal.ssn, "03917823456", "Ola's national ID");
  await page.context().close();
});

/// Presses Tab until `selector` has focus (at most 20 times); each focus
/// must be visible (an outline or box shadow).
async function tabTo(page, selector) {
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press("Tab");
    const hit = await page.evaluate((sel) => document.activeElement?.matches(sel), selector);
    if (hit) {
      const visible = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
      });
      assert.ok(visible, `focus on ${selector} is visible`);
      return;
    }
  }
  assert.fail(`Tab never reached ${selector}`);
}

/// Opens Link with the SDK on the host page and returns the page and frame.
async function openInHost(origin, query = "", viewport = DESKTOP) {
  const page = await watchedPage(env.browser, viewport);
  await page.goto(`${origin}/host.html?${query}`);
  await page.waitForFunction(() => window.ConsentLink);
  await page.click("#open");
  const frameEl = await page.waitForSelector("iframe");
  return { page, frameEl };
}

async function events(page) {
  return page.evaluate(() => window.events);
}

test("iframe flow with the SDK: a status per step, then the code; state in every message", async () => {
  const { page, frameEl } = await openInHost(env.host, "", PHONE);
  const frame = await frameEl.contentFrame();
  await frame.waitForSelector("button[name=method][value=test_bankid]");
  await checkPage(page, frame, "iframe-method", "en");
  await page.screenshot({ path: path.join(SCREENSHOTS, "iframe-method-en-phone.png") });
  await frame.click("button[name=method][value=test_bankid]");
  await frame.waitForSelector("#person-kari");
  await frame.check("#person-kari");
  await frame.click("form button.primary");
  await frame.waitForSelector("button[name=decision][value=accept]");
  await checkPage(page, frame, "iframe-consent", "en");
  await frame.click("button[name=decision][value=accept]");
  await page.waitForFunction(() => window.events.some((e) => e.kind === "success"));
  const got = await events(page);
  const statuses = got.filter((e) => e.kind === "status").map((e) => e.value.status);
  assert.deepEqual(statuses, ["loaded", "method_selected", "authenticated", "consent_shown", "completed"]);
  for (const e of got) assert.equal(e.value.state, "st-1", JSON.stringify(e));
  const success = got.find((e) => e.kind === "success");
  assert.match(success.value.code, /^[0-9a-f-]{36}$/);
  assert.equal(got.filter((e) => e.kind === "success").length, 1);
  // The SDK cleaned up: no iframe, no overlay.
  assert.equal(await page.$("iframe"), null);
  assert.equal(await page.$("[role=dialog]"), null);
  assert.deepEqual(page.problems, [], "no console error or CSP violation, host CSP without unsafe-inline");
  await page.context().close();
});

test("iframe decline gives one USER_CANCELLED error", async () => {
  const { page, frameEl } = await openInHost(env.host, "container=1&state=st-2");
  const frame = await frameEl.contentFrame();
  await frame.click("button[name=method][value=test_bankid]");
  await frame.check("#person-kari");
  await frame.click("form button.primary");
  await frame.click("button[name=decision][value=decline]");
  await page.waitForFunction(() => window.events.some((e) => e.kind === "error"));
  const got = await events(page);
  const errors = got.filter((e) => e.kind === "error");
  assert.equal(errors.length, 1);
  assert.equal(errors[0].value.status, "USER_CANCELLED");
  assert.equal(errors[0].value.state, "st-2");
  assert.equal(got.filter((e) => e.kind === "success").length, 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("the SDK ignores messages from any window but its own Link frame", async () => {
  const { page } = await openInHost(env.host, "container=1&state=st-own");
  await page.waitForFunction(() => window.events.some((e) => e.kind === "status"));
  // A forged result from the host's own origin...
  await page.evaluate(() => window.postMessage(
    JSON.stringify({ type: "code", code: "forged", state: "st-own" }), "*"));
  // ...and real Link messages from another Link frame on the page (the
  // right origin, the wrong window).
  const other = new URLSearchParams({ client_id: "web", scope: "info", test: "true", iframe: "true",
    state: "st-other", callback_uri: `${env.host}/cb` });
  await page.evaluate((src) => {
    const f = document.createElement("iframe");
    f.src = src;
    f.title = "another Link";
    document.body.appendChild(f);
  }, `${env.link}/link?${other}`);
  const second = page.frameLocator("iframe[title='another Link']");
  await second.locator("button[name=method][value=test_bankid]").click();
  await second.locator("#person-kari").check();
  await second.locator("form button.primary").click();
  await second.locator("button[name=decision][value=accept]").click();
  await second.locator("p[role=status]").waitFor();
  await page.waitForTimeout(500);
  const got = await events(page);
  assert.equal(got.filter((e) => e.kind === "success").length, 0, JSON.stringify(got));
  for (const e of got) assert.equal(e.value.state, "st-own", JSON.stringify(e));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("Escape or the close button ends the overlay with one onExit; reopening leaks nothing", async () => {
  const { page, frameEl } = await openInHost(env.host);
  await page.waitForSelector("[role=dialog]");
  // Escape with the focus inside Link (a cross-origin frame).
  const frame = await frameEl.contentFrame();
  await frame.waitForSelector("button[name=method]");
  await frame.focus("button[name=method]");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector("[role=dialog]"));
  // Escape with the focus on the host's overlay.
  await page.click("#open");
  await page.focus("[role=dialog] button");
  await page.keyboard.press("Escape");
  assert.equal(await page.$("[role=dialog]"), null);
  // Two opens in a row: the first is replaced silently.
  await page.click("#open");
  await page.evaluate(() => document.getElementById("open").click());
  assert.equal((await page.$$("iframe")).length, 1);
  await page.click("[role=dialog] button");
  const got = await events(page);
  assert.equal(got.filter((e) => e.kind === "exit").length, 3, JSON.stringify(got));
  assert.equal(await page.$("iframe"), null);
  assert.equal(await page.$("[role=dialog]"), null);
  assert.equal(await page.evaluate(() => document.activeElement.id), "open", "focus returns to the opener");
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("a host that is not the registered callback's origin gets no message and cannot show Link", async () => {
  const page = await watchedPage(env.browser, DESKTOP);
  // The stranger claims the real host's callback: Link only lets that
  // callback's origin frame it, and only posts messages to it.
  await page.goto(`${env.stranger}/host.html?cb=${encodeURIComponent(`${env.host}/cb`)}`);
  await page.waitForFunction(() => window.ConsentLink);
  await page.click("#open");
  const frameEl = await page.waitForSelector("iframe");
  await page.waitForTimeout(1000);
  const frame = await frameEl.contentFrame();
  const shown = frame ? await frame.$("main").catch(() => null) : null;
  assert.equal(shown, null, "Link must not render in a frame it does not allow");
  assert.deepEqual(await events(page), []);
  assert.ok(page.problems.some((p) => /frame-ancestors|Refused to frame/.test(p)),
    `the browser refused the frame: ${page.problems}`);
  await page.context().close();
});

/// The URLs a page requests, to show what the browser itself fetched.
function recordRequests(page) {
  const urls = [];
  page.on("request", (r) => urls.push(r.url()));
  return urls;
}

test("a styles_uri sheet themes Link through its custom properties, served from Link's own origin", async () => {
  const page = await watchedPage(env.browser, DESKTOP);
  await page.goto(linkUrl({}));
  await page.click("button[name=method][value=test_bankid]");
  const plain = await page.$eval("form button.primary", (b) => getComputedStyle(b).backgroundColor);
  const requests = recordRequests(page);
  await page.goto(linkUrl({ styles_uri: `${env.host}/theme.css` }));
  const sheets = await page.$$eval("link[rel=stylesheet]", (ls) => ls.map((l) => l.href));
  assert.equal(sheets.length, 2, `${sheets}`);
  assert.ok(sheets.every((h) => h.startsWith(`${env.link}/`)), `only Link's own sheets: ${sheets}`);
  assert.match(sheets[1], /\/s\/[^/]+\/theme\.css$/);
  await page.click("button[name=method][value=test_bankid]");
  const themed = await page.$eval("form button.primary", (b) => getComputedStyle(b).backgroundColor);
  assert.notEqual(themed, plain);
  assert.equal(themed, "rgb(120, 20, 90)");
  assert.deepEqual(requests.filter((u) => u.startsWith(env.host)), [], "the browser never fetches the integrator's sheet");
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

/// The WCAG contrast ratio of two computed `rgb(…)` colours.
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[0-9.]+/g).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

test("a hostile styles_uri sheet cannot hide or relabel the scopes and buttons on the consent page", async () => {
  const page = await watchedPage(env.browser, DESKTOP);
  const requests = recordRequests(page);
  await page.goto(linkUrl({ styles_uri: `${env.host}/hostile.css` }));
  await page.click("button[name=method][value=test_bankid]");
  await page.check("#person-kari");
  await page.click("form button.primary");
  await page.waitForSelector("button[name=decision][value=accept]");
  const accept = page.locator("button[name=decision][value=accept]");
  const decline = page.locator("button[name=decision][value=decline]");

  // The scope list: both lines shown, in a readable colour and font.
  const lines = page.locator(".scopes li");
  assert.equal(await lines.count(), 2);
  for (const line of await lines.all()) assert.ok(await line.isVisible(), "a scope line is visible");
  assert.match(await page.locator(".scopes").innerText(), /Personal information[\s\S]*Income/);
  const scopes = await page.$eval(".scopes li", (li) => {
    const s = getComputedStyle(li);
    const card = getComputedStyle(li.closest(".card"));
    return { display: s.display, visibility: s.visibility, opacity: s.opacity, color: s.color,
      font: s.fontFamily, card: card.backgroundColor };
  });
  assert.equal(scopes.display, "list-item");
  assert.equal(scopes.visibility, "visible");
  assert.equal(scopes.opacity, "1");
  assert.doesNotMatch(scopes.font, /dings/i, "no symbol font on what is consented to");
  for (const sel of [".progress", "h1", ".footer"]) {
    assert.doesNotMatch(await page.$eval(sel, (e) => getComputedStyle(e).fontFamily), /dings/i, sel);
  }
  assert.ok(contrast(scopes.color, scopes.card) >= 4.5, `scope text ${scopes.color} on ${scopes.card}`);

  // The buttons: visible, in place, labelled as ours, readable.
  for (const [button, label] of [[accept, "Share my information"], [decline, "Decline"]]) {
    assert.ok(await button.isVisible(), `${label} is visible`);
    assert.equal((await button.innerText()).trim(), label);
    const box = await button.boundingBox();
    assert.ok(box && box.x >= 0 && box.y >= 0 && box.width > 100 && box.height >= 40, `${label} in place: ${JSON.stringify(box)}`);
    const s = await button.evaluate((b) => {
      const c = getComputedStyle(b);
      const card = getComputedStyle(b.closest(".card"));
      return { color: c.color, bg: c.backgroundColor, card: card.backgroundColor, size: parseFloat(c.fontSize),
        after: getComputedStyle(b, "::after").content, before: getComputedStyle(b, "::before").content };
    });
    assert.ok(s.size >= 14, `${label} font size ${s.size}`);
    assert.equal(s.after, "none", `${label} has no ::after content`);
    assert.equal(s.before, "none", `${label} has no ::before content`);
    const behind = s.bg === "rgba(0, 0, 0, 0)" ? s.card : s.bg;
    assert.ok(contrast(s.color, behind) >= 4.5, `${label}: ${s.color} on ${behind}`);
  }
  // What survived of the sheet applies: its primary colour.
  assert.equal(await accept.evaluate((b) => getComputedStyle(b).backgroundColor), "rgb(120, 20, 90)");
  assert.deepEqual(requests.filter((u) => u.startsWith(env.host)), [], "the browser never fetches the integrator's sheet");
  await checkPage(page, page, "hostile-theme-consent", "en");
  assert.deepEqual(page.problems, []);
  // And the end user's choice still goes through.
  await Promise.all([page.waitForURL((u) => u.href.startsWith(`${env.host}/cb`)), accept.click()]);
  assert.ok(new URL(page.url()).searchParams.get("code"));
  await page.context().close();
});

test("the demo page works with the SDK, in the browser's language", async () => {
  for (const [locale, browserLocale, amount] of [["en", "en-GB", /NOK [0-9]/], ["nb", "nb-NO", /[0-9] kr/]]) {
    const page = await watchedPage(env.browser, { ...PHONE, locale: browserLocale });
    await page.goto(`${env.link}/demo`);
    await checkPage(page, page, "demo", locale);
    await page.click("#demo-iframe-start");
    const frame = await (await page.waitForSelector("iframe")).contentFrame();
    await frame.click("button[name=method][value=test_bankid]");
    await frame.check("#person-ola");
    await frame.click("form button.primary");
    await Promise.all([
      page.waitForURL((u) => u.pathname === "/demo/callback"),
      frame.click("button[name=decision][value=accept]"),
    ]);
    await page.waitForSelector("#demo-data");
    assert.match(await page.textContent("#demo-data"), /03917823456/);
    assert.match(await page.textContent("#demo-summary"), amount);
    await checkPage(page, page, "demo-callback", locale);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});

// Issue 5: BankID through a real OpenID provider (oidc-provider from npm).

const KARI = "15878512345";

test("BankID through the OpenID provider by redirect: the same person gets the same user ID", async () => {
  const page = await watchedPage(env.browser, PHONE);
  await page.goto(linkUrl({ locale: "nb" }));
  await checkPage(page, page, "oidc-1-method", "nb");
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(env.op)),
    page.click("button[name=method][value=bankid]"),
  ]);
  await loginAtProvider(page, KARI);
  await page.waitForSelector("button[name=decision][value=accept]");
  await checkPage(page, page, "oidc-2-consent", "nb");
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(`${env.host}/cb`)),
    page.click("button[name=decision][value=accept]"),
  ]);
  const params = new URL(page.url()).searchParams;
  assert.equal(params.get("state"), "st-1");
  const user = params.get("code");
  assert.match(user, /^[0-9a-f-]{36}$/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
  // The test BankID's Kari has the same national ID: one person, one ID.
  const test = await watchedPage(env.browser, DESKTOP);
  const again = await redirectFlow(test, { label: "oidc-same-person" });
  assert.equal(again.get("code"), user);
  await test.context().close();
});

test("cancel at the OpenID provider gives USER_CANCELLED", async () => {
  const page = await watchedPage(env.browser, DESKTOP);
  await page.goto(linkUrl({ state: "st-c" }));
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(env.op)),
    page.click("button[name=method][value=bankid]"),
  ]);
  await cancelAtProvider(page);
  await page.waitForURL((u) => u.href.startsWith(`${env.host}/cb`));
  const params = new URL(page.url()).searchParams;
  assert.equal(params.get("error"), "USER_CANCELLED");
  assert.equal(params.get("state"), "st-c");
  assert.equal(params.get("code"), null);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("BankID in iframe mode opens the provider in a popup and the frame goes on", async () => {
  for (const locale of ["en", "nb"]) {
    const { page, frameEl } = await openInHost(env.host, `state=st-p&locale=${locale}`, PHONE);
    const frame = await frameEl.contentFrame();
    await frame.click("button[name=method][value=bankid]");
    await frame.waitForSelector("form.upstream button");
    await checkPage(page, frame, "oidc-iframe-wait", locale);
    await page.screenshot({ path: path.join(SCREENSHOTS, `oidc-iframe-wait-${locale}-phone.png`) });
    const [popup] = await Promise.all([
      page.waitForEvent("popup"),
      frame.click("form.upstream button"),
    ]);
    await popup.waitForURL((u) => u.href.startsWith(env.op));
    const popupProblems = [];
    popup.on("console", (m) => { if (m.type() === "error") popupProblems.push(m.text()); });
    if (locale === "nb") {
      // Hold the window open long enough to check its last page, noting
      // that it asked to close.
      await popup.addInitScript(() => {
        window.close = () => { window.closeRequested = true; };
      });
  }
  await loginAtProvider(popup, KARI);
  if (locale === "nb") {
    await popup.waitForFunction(() => window.closeRequested === true, null, { timeout: 10000 });
    await checkPage(popup, popup, "oidc-popup-done", locale);
    await popup.close();
  } else {
    // The sign-in window says where to go on, then closes itself.
    await popup.waitForEvent("close", { timeout: 10000 });
  }
  // The frame noticed by itself and shows consent.
  await frame.waitForSelector("button[name=decision][value=accept]", { timeout: 10000 });
  await frame.click("button[name=decision][value=accept]");
  await page.waitForFunction(() => window.events.some((e) => e.kind === "success"));
  const got = await events(page);
  const statuses = got.filter((e) => e.kind === "status").map((e) => e.value.status);
  assert.deepEqual(statuses, ["loaded", "method_selected", "authenticated", "consent_shown", "completed"]);
  for (const e of got) assert.equal(e.value.state, "st-p", JSON.stringify(e));
  assert.match(got.find((e) => e.kind === "success").value.code, /^[0-9a-f-]{36}$/);
  assert.deepEqual(page.problems, []);
  assert.deepEqual(popupProblems, []);
  await page.context().close();
  }
});

test("with window.open blocked, the sign-in still opens from the button and the frame goes on", async () => {
  const page = await watchedPage(env.browser, DESKTOP);
  // As a popup blocker would: window.open gives nothing, in every frame.
  await page.context().addInitScript(() => { window.open = () => null; });
  await page.goto(`${env.host}/host.html?container=1&state=st-b`);
  await page.waitForFunction(() => window.ConsentLink);
  await page.click("#open");
  const frame = await (await page.waitForSelector("iframe")).contentFrame();
  await frame.click("button[name=method][value=bankid]");
  const [tab] = await Promise.all([
    page.context().waitForEvent("page"),
    frame.click("form.upstream button"),
  ]);
  await tab.waitForURL((u) => u.href.startsWith(env.op));
  await loginAtProvider(tab, KARI);
  await frame.waitForSelector("button[name=decision][value=accept]", { timeout: 10000 });
  await frame.click("button[name=decision][value=accept]");
  await page.waitForFunction(() => window.events.some((e) => e.kind === "success"));
  const got = await events(page);
  assert.match(got.find((e) => e.kind === "success").value.code, /^[0-9a-f-]{36}$/);
  for (const e of got) assert.equal(e.value.state, "st-b", JSON.stringify(e));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("an expired session says so, accessibly, in en and nb", async () => {
  for (const locale of ["en", "nb"]) {
    const page = await watchedPage(env.browser, PHONE);
    await page.goto(linkUrl({ locale }, env.short));
    await page.waitForSelector("button[name=method][value=test_bankid]");
    await new Promise((r) => setTimeout(r, (SHORT_TTL + 1) * 1000));
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.click("button[name=method][value=test_bankid]"),
    ]);
    assert.equal(res.status(), 410);
    await page.waitForLoadState();
    await checkPage(page, page, "session-expired", locale);
    assert.ok(await page.locator("h1").count() === 1, "the page has a heading");
    assert.deepEqual(page.problems.filter((p) => !/status of 410/.test(p)), []);
    await page.context().close();
  }
});

test("a provider whose sign-in page is on another origin than its issuer is reached", async () => {
  // Browsers check form-action on every redirect after a form is sent.
  for (const iframe of ["false", "true"]) {
    const page = await watchedPage(env.browser, DESKTOP);
    await page.goto(linkUrl({ iframe }, env.short));
    if (iframe === "true") {
      await page.click("button[name=method][value=elsewhere]");
      await page.waitForSelector("form.upstream button");
      const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("form.upstream button")]);
      await popup.waitForURL((u) => u.href.startsWith(`${env.stranger}/authorize?`));
    } else {
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(`${env.stranger}/authorize?`)),
        page.click("button[name=method][value=elsewhere]"),
      ]);
    }
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});

test("a provider that is down: a clear page, then TEMPORARY_ERROR with state", async () => {
  for (const locale of ["en", "nb"]) {
    const page = await watchedPage(env.browser, PHONE);
    await page.goto(linkUrl({ locale, state: "st-down" }, env.short));
    await page.click("button[name=method][value=bankid]");
    await page.waitForSelector(`a[href^="${env.host}/cb"]`);
    await checkPage(page, page, "provider-down", locale);
    const link = page.locator(`a[href^="${env.host}/cb"]`);
    assert.equal(await link.count(), 1, "a link back to the integrator");
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(`${env.host}/cb`)),
      link.click(),
    ]);
    const params = new URL(page.url()).searchParams;
    assert.equal(params.get("error"), "TEMPORARY_ERROR");
    assert.equal(params.get("state"), "st-down");
    assert.equal(params.get("code"), null);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});

/// Consent fixation (issue 11), as an attacker would try it: the attacker
/// starts a flow in its own browser and sends the victim the link; the
/// victim signs in in its browser (a separate context: no shared
/// cookies). The attacker then opens the link again: it must see no
/// consent form and get nothing, while the victim's flow completes.
async function attackerTriesTheOldLink(link) {
  const attacker = await watchedPage(env.browser, DESKTOP);
  const res = await attacker.goto(link);
  assert.equal(res.status(), 409);
  assert.equal(await attacker.locator("button[name=decision]").count(), 0, "no consent form for the attacker");
  assert.equal(await attacker.locator("input[name=csrf]").count(), 0);
  assert.match(await attacker.textContent("main"), /another window/);
  await checkPage(attacker, attacker, "session-moved", "en");
  const status = await (await fetch(`${link}/status`)).json();
  assert.deepEqual(status, { step: null, moved: true });
  await attacker.context().close();
}

for (const method of ["test_bankid", "bankid"]) {
  test(`fixation: a stranger's link signed in with ${method} cannot be finished by the stranger`, async () => {
    // The attacker starts the flow at the lender, in its own name.
    const attacker = await watchedPage(env.browser, DESKTOP);
    await attacker.goto(linkUrl({ state: "attackers-state" }));
    const action = await attacker.getAttribute("form[action$='/method']", "action");
    const link = `${env.link}${action.replace(/\/method$/, "")}`;
    assert.match(link, /\/s\/[A-Za-z0-9_-]+$/);
    await attacker.context().close();

    // The victim opens the link it was sent and signs in.
    const victim = await watchedPage(env.browser, DESKTOP);
    await victim.goto(link);
    if (method === "bankid") {
      await Promise.all([
        victim.waitForURL((u) => u.href.startsWith(env.op)),
        victim.click("button[name=method][value=bankid]"),
      ]);
      await loginAtProvider(victim, KARI);
    } else {
      await victim.click("button[name=method][value=test_bankid]");
      await victim.check("#person-kari");
      await victim.click("form button.primary");
    }
    await victim.waitForSelector("button[name=decision][value=accept]");
    assert.notEqual(victim.url(), link, "the session has a new ID only the victim knows");

    await attackerTriesTheOldLink(link);

    // The victim's own flow still completes.
    await Promise.all([
      victim.waitForURL((u) => u.href.startsWith(`${env.host}/cb`)),
      victim.click("button[name=decision][value=accept]"),
    ]);
    assert.match(new URL(victim.url()).searchParams.get("code"), /^[0-9a-f-]{36}$/);
    assert.deepEqual(victim.problems, []);
    await victim.context().close();
    await attackerTriesTheOldLink(link);
  });
}
