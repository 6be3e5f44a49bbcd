// A person reading their insights on a phone, in a real headless Chromium
// (Debian's `chromium` package) driven by playwright-core: after a follow,
// a profile view, a post and a favourite made through the API, /insights
// shows the figures and two charts drawn on the server that fit a 390 px
// screen, and its switch turns recording off and on again.
//
//   cd tests/browser && npm ci
//   ROOST_BASE_URL=http://127.0.0.1:18181 ROOST_TEST_USERNAME=alice \
//   ROOST_TEST_EMAIL=alice@example.org ROOST_TEST_PASSWORD='correct horse battery' \
//   node tests/browser/insights.mjs
//
// Registrations must be open. Optional: CHROMIUM (default /usr/bin/chromium);
// ROOST_SCREENSHOTS, a directory to save the page's screenshot in
// (docs/img/insights.png). Prints one "ok: ..." line per check; exits 0
// when all pass, 1 with a message (and the page's HTML) when one fails.

import { existsSync, mkdirSync } from "node:fs";

const TIMEOUT_MS = 15_000;
const OVERALL_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

class CheckError extends Error {}

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function ok(message) {
  console.log(`ok: ${message}`);
}

function check(condition, message) {
  if (!condition) throw new CheckError(message);
}

function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === "") fail(`environment variable ${name} is not set`);
  return value;
}

const base = env("ROOST_BASE_URL").replace(/\/+$/, "");
const email = env("ROOST_TEST_EMAIL");
const username = env("ROOST_TEST_USERNAME");
const password = env("ROOST_TEST_PASSWORD");
const executablePath = env("CHROMIUM", "/usr/bin/chromium");
const shots = process.env.ROOST_SCREENSHOTS ?? "";
if (!existsSync(executablePath)) {
  fail(`${executablePath} is missing: install Debian's chromium package or set CHROMIUM`);
}
let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch (e) {
  fail(`cannot load playwright-core (${e.message}): run \`npm ci\` in tests/browser`);
}
setTimeout(() => fail(`gave up after ${OVERALL_TIMEOUT_MS / 1000}s`), OVERALL_TIMEOUT_MS).unref();

async function api(method, path, token, body) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers["content-type"] = "application/json";
  const response = await fetch(`${base}${path}`, { method, headers, body: body && JSON.stringify(body) });
  const text = await response.text();
  check(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Clicks `button` and waits for the document its form's POST leads to. */
async function submit(page, button) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    button.click(),
  ]);
  await page.waitForLoadState("domcontentloaded");
}

async function main() {
  // The day's activity, through the API.
  const app = await api("POST", "/api/v1/apps", null, {
    client_name: "insights test",
    redirect_uris: "urn:ietf:wg:oauth:2.0:oob",
    scopes: "read write follow",
  });
  const grant = (extra) =>
    api("POST", "/oauth/token", null, {
      client_id: app.client_id,
      client_secret: app.client_secret,
      scope: "read write follow",
      ...extra,
    });
  const alice = (await grant({ grant_type: "password", username: email, password })).access_token;
  const appToken = (await grant({ grant_type: "client_credentials" })).access_token;
  const name = `bob_${Date.now().toString(36)}`;
  const bob = (
    await api("POST", "/api/v1/accounts", appToken, {
      username: name,
      email: `${name}@example.org`,
      password: "a long enough password 1",
      agreement: true,
      locale: "en",
    })
  ).access_token;
  const me = await api("GET", "/api/v1/accounts/verify_credentials", alice);
  await api("POST", `/api/v1/accounts/${me.id}/follow`, bob);
  await api("GET", `/api/v1/accounts/${me.id}`, bob);
  const status = await api("POST", "/api/v1/statuses", alice, { status: "a post worth measuring" });
  await api("POST", `/api/v1/statuses/${status.id}/favourite`, bob);
  // Views and reach are written every few seconds.
  const end = Date.now() + TIMEOUT_MS;
  for (;;) {
    const i = await api("GET", "/api/v1/roost/insights?days=7", alice);
    if (i.profile_views.total === 1 && i.posts.reach === 1) break;
    check(Date.now() < end, `the figures never arrived: ${JSON.stringify(i)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  ok("the day's follow, view, post and favourite are recorded");

  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  const page = await (await browser.newContext({ viewport: PHONE })).newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  try {
    await page.goto(`${base}/insights`);
    check(page.url().includes("/auth/sign_in"), `signed out, /insights asks to sign in: ${page.url()}`);
    await page.locator("#username").fill(username);
    await page.locator("#password").fill(password);
    await submit(page, page.getByRole("button", { name: "Sign in", exact: true }));
    if (!page.url().endsWith("/insights")) await page.goto(`${base}/insights`);
    check(page.url().endsWith("/insights"), `back on /insights after signing in: ${page.url()}`);
    ok("signing in leads to the insights page");

    const text = async (id) => (await page.locator(`#${id}`).textContent()).trim();
    check((await text("followers")) === "1", `followers: ${await text("followers")}`);
    check((await text("views")) === "1", `views: ${await text("views")}`);
    check((await text("engagement")) === "1", `engagement: ${await text("engagement")}`);
    check((await page.locator("#top tr").count()) === 2, "the top posts table has the post");
    ok("the figures are the day's");

    const charts = page.locator("svg.chart");
    check((await charts.count()) === 2, "two charts");
    for (let i = 0; i < 2; i += 1) {
      const box = await charts.nth(i).boundingBox();
      check(box && box.width > 250 && box.x + box.width <= PHONE.width, `chart ${i} fits the phone: ${JSON.stringify(box)}`);
      check(box.height > 40, `chart ${i} is drawn: ${JSON.stringify(box)}`);
    }
    check((await page.locator("#views-chart rect.bar").count()) === 30, "a bar a day for 30 days");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    check(overflow <= PHONE.width, `nothing wider than the phone: ${overflow}px`);
    ok("the charts are drawn and fit a 390 px screen");
    if (shots) {
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: `${shots}/insights.png`, fullPage: true });
    }

    await submit(page, page.getByRole("button", { name: "Turn insights off", exact: true }));
    check((await page.locator("#insights-off").count()) === 1, "the page says insights are off");
    const off = await api("GET", "/api/v1/roost/insights", alice);
    check(off.enabled === false, "the API says so too");
    await submit(page, page.getByRole("button", { name: "Turn insights on", exact: true }));
    check((await page.locator("#insights-off").count()) === 0, "and on again");
    ok("the switch turns recording off and on");
  } catch (e) {
    if (e instanceof CheckError) {
      console.error(`FAIL: ${e.message}\nat ${page.url()}\n${await page.content()}`);
      process.exit(1);
    }
    throw e;
  } finally {
    await browser.close();
  }
}

main().catch((e) => fail(e.stack ?? String(e)));
