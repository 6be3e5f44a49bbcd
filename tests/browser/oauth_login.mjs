// A person signing in to roost through its OAuth web pages, in a real
// headless Chromium (Debian's `chromium` package) driven by playwright-core.
//
//   cd tests/browser && npm ci
//   ROOST_BASE_URL=http://127.0.0.1:18181 ROOST_TEST_USERNAME=alice \
//   ROOST_TEST_EMAIL=alice@example.org ROOST_TEST_PASSWORD='correct horse battery' \
//   node tests/browser/oauth_login.mjs
//
// Optional: CHROMIUM (default /usr/bin/chromium), ROOST_SCREENSHOT (a PNG path
// for a screenshot of the consent page). Prints one "ok: ..." line per check;
// exits 0 when all pass, 1 with a message (and the page's URL and HTML) when
// one fails.

import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";

const OOB = "urn:ietf:wg:oauth:2.0:oob";
// Nothing listens on the discard port: the browser's navigation there is
// intercepted by a route below and never reaches the network.
const CALLBACK = "http://127.0.0.1:9/cb";
const SCOPE = "read write";
const TIMEOUT_MS = 15_000;
const OVERALL_TIMEOUT_MS = 120_000;

function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === "") {
    fail(`environment variable ${name} is not set`);
  }
  return value;
}

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function ok(message) {
  console.log(`ok: ${message}`);
}

class CheckError extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckError(message);
}

const base = env("ROOST_BASE_URL").replace(/\/+$/, "");
const username = env("ROOST_TEST_USERNAME");
const email = env("ROOST_TEST_EMAIL");
const password = env("ROOST_TEST_PASSWORD");
const executablePath = env("CHROMIUM", "/usr/bin/chromium");
const screenshotPath = process.env.ROOST_SCREENSHOT || null;

if (!existsSync(executablePath)) {
  fail(
    `${executablePath} is missing: install Debian's chromium package (apt-get install chromium) or set CHROMIUM`,
  );
}

let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch (e) {
  fail(`cannot load playwright-core (${e.message}): run \`npm ci\` in tests/browser`);
}

// A hung browser or server must not hang the caller.
setTimeout(() => fail(`gave up after ${OVERALL_TIMEOUT_MS / 1000}s`), OVERALL_TIMEOUT_MS).unref();

function base64url(buffer) {
  return buffer.toString("base64url");
}

function pkcePair() {
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash("sha256").update(verifier).digest());
  return { verifier, challenge };
}

async function fetchJson(url, init, what) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    throw new CheckError(`${what}: request to ${url} failed: ${e.message}`);
  }
  const text = await response.text();
  check(response.ok, `${what}: ${response.status} from ${url}: ${text}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new CheckError(`${what}: ${url} did not answer JSON: ${text}`);
  }
}

function authorizeUrl(app, redirectUri, challenge, state) {
  const url = new URL(`${base}/oauth/authorize`);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", app.client_id);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("scope", SCOPE);
  url.searchParams.set("code_challenge", challenge);
  url.searchParams.set("code_challenge_method", "S256");
  if (state !== undefined) url.searchParams.set("state", state);
  return url.toString();
}

/** Submits the form the button is in and waits for the resulting document. */
async function submitAndWait(page, button, urlPart) {
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => r.request().method() === "POST" && r.url().includes(urlPart),
    ),
    button.click(),
  ]);
  await page.waitForLoadState("domcontentloaded");
  return response;
}

async function expectConsentPage(page, app, what) {
  const heading = page.getByRole("heading", { level: 1 });
  await heading.waitFor();
  const text = (await heading.textContent()).trim();
  check(
    text === `Authorize ${app.name}?`,
    `${what}: expected the consent page "Authorize ${app.name}?", got heading "${text}" at ${page.url()}`,
  );
  const scopes = (await page.locator("ul.scopes li").allTextContents()).map((s) => s.trim());
  for (const scope of SCOPE.split(" ")) {
    check(
      scopes.includes(scope),
      `${what}: the consent page does not list scope "${scope}" (it lists ${JSON.stringify(scopes)})`,
    );
  }
  check(
    (await page.locator("main").textContent()).includes(`@${username}`),
    `${what}: the consent page does not say who is signed in (@${username})`,
  );
  check(
    await page.getByRole("button", { name: "Authorize", exact: true }).isVisible(),
    `${what}: no visible "Authorize" button`,
  );
  check(
    await page.getByRole("button", { name: "Deny", exact: true }).isVisible(),
    `${what}: no visible "Deny" button`,
  );
  return scopes;
}

async function main() {
  // --- register an app with both redirect URIs -----------------------------
  const app = await fetchJson(
    `${base}/api/v1/apps`,
    {
      method: "POST",
      body: new URLSearchParams({
        client_name: "roost browser test",
        redirect_uris: `${OOB}\n${CALLBACK}`,
        scopes: SCOPE,
      }),
    },
    "registering an app",
  );
  check(app.client_id && app.client_secret, `the app has no client_id/client_secret: ${JSON.stringify(app)}`);
  ok(`registered app "${app.name}" (client_id ${app.client_id})`);

  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  let page;
  try {
    ok(`launched ${executablePath} (Chromium ${browser.version()})`);
    const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
    context.setDefaultTimeout(TIMEOUT_MS);
    // The redirect to the app's callback is answered here, in the browser:
    // nothing is sent to 127.0.0.1:9.
    const callbacks = [];
    await context.route(`${new URL(CALLBACK).origin}/**`, (route) => {
      callbacks.push(route.request().url());
      return route.fulfill({ status: 200, contentType: "text/plain", body: "callback reached" });
    });
    page = await context.newPage();

    // --- (a) wrong password --------------------------------------------------
    const pkce = pkcePair();
    const oobUrl = authorizeUrl(app, OOB, pkce.challenge);
    const first = await page.goto(oobUrl);
    check(first.status() === 200, `GET ${oobUrl}: status ${first.status()}`);
    await page.locator("#username").waitFor();
    check(
      (await page.getByRole("heading", { level: 1 }).textContent()).includes("Sign in"),
      `the authorize URL did not show a sign-in page at ${page.url()}`,
    );
    ok("the authorize URL shows the sign-in form to a signed-out browser");

    await page.locator("#username").fill(username);
    await page.locator("#password").fill(`${password} but wrong`);
    const wrong = await submitAndWait(page, page.getByRole("button", { name: "Sign in" }), "/auth/sign_in");
    check(wrong.status() === 401, `a wrong password: POST /auth/sign_in answered ${wrong.status()}, want 401`);
    const alert = page.getByRole("alert");
    check(await alert.isVisible(), "a wrong password: no visible error (role=alert) on the page");
    const alertText = (await alert.textContent()).trim();
    check(alertText.length > 0, "a wrong password: the error alert is empty");
    check(await page.locator("#password").isVisible(), "a wrong password: the sign-in form is not shown again");
    check(
      (await page.locator("#authorization-code").count()) === 0,
      "a wrong password: an authorization code is on the page",
    );
    check(
      !(await context.cookies(base)).some((c) => c.name === "roost_session"),
      "a wrong password: the browser got a roost_session cookie",
    );
    ok(`a wrong password gives 401 and the alert "${alertText}", no code, no session`);

    // --- (b) right password (e-mail as login), consent, approve, oob code ----
    await page.locator("#username").fill(email);
    await page.locator("#password").fill(password);
    await submitAndWait(page, page.getByRole("button", { name: "Sign in" }), "/auth/sign_in");
    const scopes = await expectConsentPage(page, app, "after signing in");
    ok(`signing in with the e-mail address leads to the consent page listing ${scopes.join(", ")}`);
    if (screenshotPath) {
      await page.screenshot({ path: screenshotPath, fullPage: true });
      ok(`screenshot of the consent page saved to ${screenshotPath}`);
    }

    await submitAndWait(page, page.getByRole("button", { name: "Authorize", exact: true }), "/oauth/authorize");
    const codeElement = page.locator("code#authorization-code");
    await codeElement.waitFor();
    const code = (await codeElement.textContent()).trim();
    check(code.length >= 16, `the oob page shows a suspicious code "${code}"`);
    ok(`Authorize shows the out-of-band code (${code.length} characters)`);

    const token = await fetchJson(
      `${base}/oauth/token`,
      {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code,
          client_id: app.client_id,
          client_secret: app.client_secret,
          redirect_uri: OOB,
          code_verifier: pkce.verifier,
        }),
      },
      "exchanging the code",
    );
    check(token.access_token, `no access_token in ${JSON.stringify(token)}`);
    check(
      String(token.token_type).toLowerCase() === "bearer",
      `token_type is ${JSON.stringify(token.token_type)}, want Bearer`,
    );
    ok(`the code and PKCE verifier exchange for a token with scope "${token.scope}"`);

    const me = await fetchJson(
      `${base}/api/v1/accounts/verify_credentials`,
      { headers: { authorization: `Bearer ${token.access_token}` } },
      "verify_credentials",
    );
    check(me.username === username, `verify_credentials says username ${JSON.stringify(me.username)}, want ${username}`);
    ok(`verify_credentials with the token returns @${me.username}`);

    // --- (c) signed in already: straight to consent, Deny, redirect -----------
    const pkce2 = pkcePair();
    const state = `st-${randomBytes(6).toString("hex")}`;
    const httpUrl = authorizeUrl(app, CALLBACK, pkce2.challenge, state);
    const second = await page.goto(httpUrl);
    check(second.status() === 200, `GET ${httpUrl}: status ${second.status()}`);
    check(
      (await page.locator("#password").count()) === 0,
      "signed in already, the authorize URL asked for the password again",
    );
    await expectConsentPage(page, app, "signed in already");
    ok("signed in already, the authorize URL goes straight to the consent page");

    const [callbackRequest] = await Promise.all([
      page.waitForRequest((r) => r.url().startsWith(CALLBACK) && r.isNavigationRequest()),
      page.getByRole("button", { name: "Deny", exact: true }).click(),
    ]);
    await page.waitForURL((u) => u.toString().startsWith(CALLBACK));
    const denied = new URL(callbackRequest.url());
    check(
      denied.origin + denied.pathname === CALLBACK,
      `Deny redirected to ${callbackRequest.url()}, want ${CALLBACK}?...`,
    );
    check(
      denied.searchParams.get("error") === "access_denied",
      `Deny redirected with error=${denied.searchParams.get("error")}, want access_denied (${denied})`,
    );
    check(
      denied.searchParams.get("state") === state,
      `Deny redirected with state=${denied.searchParams.get("state")}, want ${state} (${denied})`,
    );
    check(!denied.searchParams.has("code"), `Deny redirected with a code (${denied})`);
    check(callbacks.length === 1, `the callback was requested ${callbacks.length} times, want once`);
    ok(`Deny redirects the browser to ${CALLBACK} with error=access_denied and the state`);

    // --- (e) the session cookie ----------------------------------------------
    const cookies = await context.cookies(base);
    const session = cookies.find((c) => c.name === "roost_session");
    check(session, `no roost_session cookie (cookies: ${cookies.map((c) => c.name).join(", ")})`);
    check(session.httpOnly, "the roost_session cookie is not HttpOnly");
    check(session.sameSite === "Lax", `the roost_session cookie is SameSite=${session.sameSite}, want Lax`);
    check(
      !(await page.evaluate(() => document.cookie)).includes("roost_session"),
      "page scripts can read roost_session through document.cookie",
    );
    ok("the roost_session cookie is HttpOnly and SameSite=Lax");

    // --- (d) the home page and signing out -----------------------------------
    const home = await page.goto(`${base}/`);
    check(home.status() === 200, `GET / answered ${home.status()}`);
    const signedIn = page.getByText(`Signed in as @${username}`);
    check(await signedIn.isVisible(), `the home page does not show "Signed in as @${username}"`);
    ok(`the home page shows "Signed in as @${username}"`);

    await submitAndWait(page, page.getByRole("button", { name: "Sign out" }), "/auth/sign_out");
    await page.goto(`${base}/`);
    check(
      (await page.getByText(`Signed in as @${username}`).count()) === 0,
      `after "Sign out" the home page still shows "Signed in as @${username}"`,
    );
    check(
      (await page.getByRole("button", { name: "Sign out" }).count()) === 0,
      'after "Sign out" the home page still has a "Sign out" button',
    );
    ok('after "Sign out" the home page no longer shows who is signed in');

    await page.goto(authorizeUrl(app, OOB, pkcePair().challenge));
    check(
      await page.locator("#password").isVisible(),
      "after signing out, the authorize URL does not ask for the password",
    );
    ok("after signing out, the authorize URL asks to sign in again");

    await context.close();
  } catch (e) {
    if (page) {
      try {
        const html = await page.content();
        console.error(`at ${page.url()}:\n${html.replace(/<style>[\s\S]*?<\/style>/, "<style>…</style>")}`);
      } catch {
        // The page is gone; the message below is what there is.
      }
    }
    throw e;
  } finally {
    await browser.close();
  }
}

try {
  await main();
  console.log("all browser checks passed");
  process.exit(0);
} catch (e) {
  fail(e instanceof CheckError ? e.message : e.stack || String(e));
}
