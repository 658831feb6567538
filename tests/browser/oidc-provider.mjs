// A real OpenID Connect provider for the browser suite: npm `oidc-provider`
// (v9) in-process, standing in for the upstream identity provider (BankID
// through a broker). One confidential client; any login string becomes the
// account, whose `sub` and `pid` (national identity number) are that string.
//
// The built-in dev interactions are off: their page loads Google Fonts (a
// console error with no network) and each prints a warning. Instead a small
// login page of our own, with no script and no inline style, and consent is
// granted without a screen, as an identity provider's broker does.
//
// Note: oidc-provider v9 prints one line at import on Node 20
// ("Unsupported runtime. Use Node.js v22.x LTS"); it works on Node 20.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import Provider, { interactionPolicy } from "oidc-provider";

const ACR_VALUES = [
  "urn:grn:authn:no:bankid:high",
  "urn:grn:authn:no:bankid:substantial",
  "urn:grn:authn:no:bankid",
];

/// oidc-provider's storage, in memory and per provider (the built-in one is
/// process-wide and warns at startup).
function memoryAdapter() {
  const store = new Map(); // `${model}:${id}` -> { payload, expiresAt }
  const uids = new Map(); // session uid -> session id
  return class MemoryAdapter {
    constructor(model) { this.model = model; }
    key(id) { return `${this.model}:${id}`; }
    async upsert(id, payload, expiresIn) {
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
      store.set(this.key(id), { payload, expiresAt });
      if (this.model === "Session" && payload.uid) uids.set(payload.uid, id);
    }
    async find(id) {
      const entry = store.get(this.key(id));
      if (!entry) return undefined;
      if (entry.expiresAt <= Date.now()) { store.delete(this.key(id)); return undefined; }
      return entry.payload;
    }
    async findByUid(uid) { const id = uids.get(uid); return id ? this.find(id) : undefined; }
    async findByUserCode() { return undefined; }
    async consume(id) {
      const payload = await this.find(id);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id) { store.delete(this.key(id)); }
    async revokeByGrantId(grantId) {
      for (const [key, { payload }] of store) if (payload.grantId === grantId) store.delete(key);
    }
  };
}

/// The default prompts, but every authorization request asks for a login
/// (no single sign-on from an earlier sign-in in the same browser context).
function freshLoginPolicy() {
  const policy = interactionPolicy.base();
  policy.get("login").checks.add(new interactionPolicy.Check(
    "fresh_login", "every request signs in anew", "login_required",
    (ctx) => !ctx.oidc.result?.login));
  return policy;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function html(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

function send(res, status, body) {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; base-uri 'none'",
  });
  res.end(body);
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

/// Starts the provider on http://127.0.0.1:${port}. `acrValues` (optional)
/// is what discovery advertises; any requested acr_values is accepted, and
/// the first requested one becomes the ID token's `acr`.
export async function startProvider({ port, clientId, clientSecret, redirectUris, acrValues = ACR_VALUES }) {
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: "test-rs256", alg: "RS256", use: "sig" };

  const provider = new Provider(issuer, {
    adapter: memoryAdapter(),
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      application_type: "web", // http redirect URIs are fine for web clients in the code flow
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic", // client_secret_post is accepted too
      id_token_signed_response_alg: "RS256",
    }],
    jwks: { keys: [jwk] },
    // Cookies are per host, not per port: keep clear of the RP's names.
    cookies: {
      keys: [randomBytes(32).toString("hex")],
      names: { session: "op_session", interaction: "op_interaction", resume: "op_interaction_resume" },
    },
    claims: { acr: null, sid: null, auth_time: null, iss: null, openid: ["sub", "pid"] },
    conformIdTokenClaims: false, // scope openid alone puts pid in the ID token
    acrValues,
    features: { devInteractions: { enabled: false } },
    interactions: { policy: freshLoginPolicy() },
    async findAccount(ctx, id) {
      return { accountId: id, async claims() { return { sub: id, pid: id }; } };
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = html("Error", `<p>${escapeHtml(out.error)}: ${escapeHtml(out.error_description ?? "")}</p>`);
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  });

  const callback = provider.callback();

  async function interaction(req, res, uid, action) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error("interaction mismatch");
    const { prompt, params } = details;
    if (action === "abort") {
      return provider.interactionFinished(req, res,
        { error: "access_denied", error_description: "End-User aborted interaction" },
        { mergeWithLastSubmission: false });
    }
    if (prompt.name === "login" && action === "login" && req.method === "POST") {
      const login = (await readForm(req)).get("login")?.trim();
      if (!login) return send(res, 400, html("Sign in", "<p>Enter a login.</p>"));
      const acr = params.acr_values?.split(" ").find(Boolean) ?? acrValues[0];
      return provider.interactionFinished(req, res,
        { login: { accountId: login, acr, amr: ["BID"], remember: false } },
        { mergeWithLastSubmission: false });
    }
    if (prompt.name === "login") {
      return send(res, 200, html("Sign in", `
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<p><label for="login">National identity number</label>
<input id="login" name="login" type="text" required autofocus></p>
<p><button type="submit" id="submit">Sign in</button></p></form>
<p><a id="cancel" href="/interaction/${escapeHtml(uid)}/abort">Cancel</a></p>`));
    }
    if (prompt.name === "consent") {
      // Grant what was asked, with no screen.
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      const d = prompt.details;
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(" "));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(" "));
      }
      return provider.interactionFinished(req, res,
        { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    }
    return send(res, 501, html("Error", `<p>prompt ${escapeHtml(prompt.name)} not supported</p>`));
  }

  const server = http.createServer((req, res) => {
    const m = new URL(req.url, issuer).pathname.match(/^\/interaction\/([^/]+)(?:\/(login|abort))?$/);
    if (!m) return callback(req, res);
    interaction(req, res, m[1], m[2]).catch((err) => {
      if (!res.headersSent) send(res, 400, html("Error", `<p>${escapeHtml(err.message)}</p>`));
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });

  return {
    issuer,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function originOf(page) {
  return new URL(page.url()).origin;
}

/// On the provider's login page: signs in as `login` and waits until the
/// browser has left the provider (the RP's redirect_uri with code and state).
export async function loginAtProvider(page, login) {
  const op = originOf(page);
  await page.fill("#login", login);
  await Promise.all([
    page.waitForURL((u) => u.origin !== op),
    page.click("#submit"),
  ]);
}

/// On the provider's login page: cancels, so the RP gets
/// error=access_denied with its state.
export async function cancelAtProvider(page) {
  const op = originOf(page);
  await Promise.all([
    page.waitForURL((u) => u.origin !== op),
    page.click("#cancel"),
  ]);
}
