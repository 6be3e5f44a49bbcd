// A moderator at work on roost's moderation pages, in a real headless
// Chromium (Debian's `chromium` package) driven by playwright-core: signs in
// from an /admin link, opens the open report, suspends the reported account
// with a warning, finds the action in the audit log, approves a held remote
// post in the review queue; a form posted without its CSRF token changes
// nothing; a plain user cannot open /admin.
//
// The Rust test `clients::chromium_moderates_a_report_and_the_review_queue`
// sets the scene (a report against REPORTED, one post held from HELD_ACCT)
// and checks the effects afterwards.
//
//   ROOST_BASE_URL=http://127.0.0.1:18181 ROOST_TEST_USERNAME=warden \
//   ROOST_TEST_PASSWORD='…' ROOST_PLAIN_USERNAME=bob ROOST_REPORTED=carol \
//   ROOST_HELD_ACCT=dave@127.0.0.1:18182 node tests/browser/admin.mjs
//
// Optional: CHROMIUM (default /usr/bin/chromium); ROOST_SCREENSHOTS, a
// directory to save a phone-sized screenshot of each page in (docs/img).
// Prints one "ok: ..." line per check; exits 0 when all pass, 1 with a
// message (and the page's URL and HTML) when one fails.

import { existsSync, mkdirSync } from "node:fs";

const TIMEOUT_MS = 15_000;
const OVERALL_TIMEOUT_MS = 120_000;

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
const username = env("ROOST_TEST_USERNAME");
const password = env("ROOST_TEST_PASSWORD");
const plain = env("ROOST_PLAIN_USERNAME");
const reported = env("ROOST_REPORTED");
const heldAcct = env("ROOST_HELD_ACCT");
const adminName = env("ROOST_ADMIN_USERNAME");
const shots = process.env.ROOST_SCREENSHOTS ?? "";
const executablePath = env("CHROMIUM", "/usr/bin/chromium");
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

/** Clicks `button` and waits for the document its form's POST leads to. */
async function submit(page, button) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    button.click(),
  ]);
  await page.waitForLoadState("domcontentloaded");
}

async function notice(page) {
  const n = page.locator("p.notice");
  return (await n.count()) ? (await n.textContent()).trim() : "";
}

async function signIn(page, login) {
  await page.locator("#username").fill(login);
  await page.locator("#password").fill(password);
  await submit(page, page.getByRole("button", { name: "Sign in", exact: true }));
}

async function shot(page, name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

async function main() {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
  let page;
  try {
    // A phone-sized window: the pages must read well there.
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    context.setDefaultTimeout(TIMEOUT_MS);
    page = await context.newPage();

    // --- sign in from an /admin link ---------------------------------------
    await page.goto(`${base}/admin`);
    check(new URL(page.url()).pathname === "/auth/sign_in", `/admin did not ask to sign in (${page.url()})`);
    await signIn(page, username);
    check(new URL(page.url()).pathname === "/admin", `sign-in did not lead back to /admin (${page.url()})`);
    check((await page.locator("#open-reports").textContent()).trim() === "1", "the dashboard counts one open report");
    check((await page.locator("#held-statuses").textContent()).trim() === "1", "the dashboard counts one held post");
    ok("an /admin link asks to sign in, then shows the dashboard");
    // The activity charts: five, drawn, within the phone's width.
    const charts = page.locator("svg.chart");
    check((await charts.count()) === 5, `five charts on the dashboard, not ${await charts.count()}`);
    for (let i = 0; i < 5; i++) {
      const box = await charts.nth(i).boundingBox();
      check(box && box.width > 200 && box.height > 50, `chart ${i} is drawn (${JSON.stringify(box)})`);
    }
    check((await page.locator("#opened-reports").textContent()).trim() === "1", "the report is counted as opened");
    check((await page.locator("#servers td").first().textContent()).trim() !== "", "the servers table has a row");
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 420, `the dashboard fits the phone (${wide}px)`);
    await shot(page, "admin-dashboard");
    ok("the dashboard charts the last 30 days and fits a phone");

    // --- the report ----------------------------------------------------------
    await page.getByRole("link", { name: "Open reports" }).click();
    await page.waitForLoadState("domcontentloaded");
    await shot(page, "admin-reports");
    const reportLink = page.locator("#reports a", { hasText: "#" }).first();
    await reportLink.click();
    await page.waitForLoadState("domcontentloaded");
    const reportPath = new URL(page.url()).pathname;
    check(/^\/admin\/reports\/\d+$/.test(reportPath), `the report link leads to a report (${page.url()})`);
    check((await page.locator("#report-target").textContent()).trim() === `@${reported}`, "the report is about the reported account");
    check((await page.locator("article.reported").count()) === 1, "the reported post is shown");
    await shot(page, "admin-report");
    ok("the open report shows its account and post");

    // --- a form posted without its CSRF token changes nothing ----------------
    const forged = await page.request.post(`${base}${reportPath}/resolve`, { form: { csrf_token: "" } });
    check(forged.status() === 403, `a form without its token answered ${forged.status()}`);
    await page.reload();
    check((await page.locator("#report-state").textContent()).trim() === "open", "the report is still open");
    ok("a form posted without its CSRF token is refused and changes nothing");

    // --- suspend with a warning ----------------------------------------------
    await page.locator("#type").selectOption("suspend");
    await page.locator("#text").fill("Spam is not welcome here.");
    await submit(page, page.locator("#take-action"));
    check(new URL(page.url()).pathname === reportPath, `the action leads back to the report (${page.url()})`);
    check((await notice(page)).startsWith("Done."), `no notice after the action: "${await notice(page)}"`);
    check((await page.locator("#report-state").textContent()).trim() === "resolved", "the report is resolved");
    check((await page.locator("#warnings").textContent()).includes("Spam is not welcome here."), "the warning is in the account's history");
    ok("suspending from the report resolves it and keeps the warning");

    // --- the audit log -------------------------------------------------------
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.waitForLoadState("domcontentloaded");
    const first = page.locator("#action-logs tr").nth(1);
    const line = (await first.textContent()).replace(/\s+/g, " ");
    check(line.includes("suspend") && line.includes(`@${reported}`) && line.includes("Spam is not welcome here.") && line.includes(`@${username}`),
      `the newest audit line is the suspension: "${line}"`);
    await shot(page, "admin-action-logs");
    ok("the audit log says who suspended whom and why");

    // --- the account page ----------------------------------------------------
    await first.getByRole("link").click();
    await page.waitForLoadState("domcontentloaded");
    check((await page.locator("#account-flags").textContent()).includes("suspended"), "the account page shows the suspension");
    await shot(page, "admin-account");
    ok("the account page shows the suspension");

    // --- the review queue ----------------------------------------------------
    await page.getByRole("link", { name: "Review queue" }).click();
    await page.waitForLoadState("domcontentloaded");
    const held = page.locator("article.held");
    check((await held.count()) === 1, "one post waits in the review queue");
    check((await held.locator(".meta").textContent()).includes(`@${heldAcct}`), "the held post names its author");
    await shot(page, "admin-review");
    await submit(page, held.locator("button.approve"));
    check((await notice(page)) === "Approved.", `no notice after approving: "${await notice(page)}"`);
    check((await page.locator("#queue-empty").count()) === 1, "the queue is empty after approving");
    ok("approving the held post empties the queue");

    await page.getByRole("link", { name: "Accounts" }).click();
    await page.waitForLoadState("domcontentloaded");
    await shot(page, "admin-accounts");

    // --- a plain user --------------------------------------------------------
    const other = await browser.newContext({ viewport: { width: 420, height: 900 } });
    other.setDefaultTimeout(TIMEOUT_MS);
    page = await other.newPage();
    await page.goto(`${base}/auth/sign_in`);
    await signIn(page, plain);
    const refused = await page.goto(`${base}/admin`);
    check(refused.status() === 403, `a plain user got ${refused.status()} for /admin`);
    check((await page.content()).includes("Staff only"), "the refusal says why");
    ok("a plain user cannot open /admin");

    // --- an admin: rules, shown on /about; domain blocks -----------------------
    const third = await browser.newContext({ viewport: { width: 420, height: 900 } });
    third.setDefaultTimeout(TIMEOUT_MS);
    page = await third.newPage();
    await page.goto(`${base}/admin/rules`);
    await signIn(page, adminName);
    check(new URL(page.url()).pathname === "/admin/rules", `the admin lands on /admin/rules (${page.url()})`);
    await page.locator("#new-text").fill("Be kind to one another");
    await page.locator("#new-hint").fill("No harassment, no hate.");
    await submit(page, page.locator("#add-rule"));
    check((await notice(page)) === "Saved.", `no notice after adding a rule: "${await notice(page)}"`);
    await page.locator("#extended_description").fill("A small server for bird watchers.");
    await submit(page, page.locator("#save-texts"));
    await shot(page, "admin-rules");
    await page.goto(`${base}/about`);
    const about = await page.content();
    check(about.includes("Be kind to one another") && about.includes("A small server for bird watchers."),
      "/about shows the new rule and the description");
    ok("an admin adds a rule and a description; /about shows them");
    await page.goto(`${base}/admin/domain_blocks`);
    await page.locator("#domain").fill("spam.example");
    await page.locator("#severity").selectOption("suspend");
    await page.locator("#public_comment").fill("Spam farm");
    await submit(page, page.getByRole("button", { name: "Block", exact: true }));
    check((await page.locator("#domain-blocks").textContent()).includes("spam.example"), "the block is listed");
    await shot(page, "admin-domain-blocks");
    ok("an admin blocks a server");
  } catch (e) {
    if (e instanceof CheckError) {
      let where = "";
      if (page) where = `\nat ${page.url()}\n${(await page.content()).slice(0, 4000)}`;
      fail(`${e.message}${where}`);
    }
    throw e;
  } finally {
    await browser.close();
  }
}

await main();
console.log("all checks passed");
