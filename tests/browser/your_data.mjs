// A person taking their data in and out of roost on /settings/import and
// /settings/export, in a real headless Chromium (Debian's `chromium`
// package) driven by playwright-core: importing a domain-blocks CSV file
// (and seeing a bad one refused with the line at fault), watching the
// import finish, downloading the CSV export through its link, and asking
// for the archive of posts and downloading its zip once it is ready.
//
//   cd tests/browser && npm ci
//   ROOST_BASE_URL=http://127.0.0.1:18181 ROOST_TEST_USERNAME=alice \
//   ROOST_TEST_PASSWORD='correct horse battery' node tests/browser/your_data.mjs
//
// Optional: CHROMIUM (default /usr/bin/chromium). Prints one "ok: ..." line
// per check; exits 0 when all pass, 1 with a message (and the page's URL
// and HTML) when one fails.

import { existsSync, readFileSync } from "node:fs";

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
  await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), button.click()]);
  await page.waitForLoadState("domcontentloaded");
}

async function text(page, selector) {
  const n = page.locator(selector);
  return (await n.count()) ? (await n.first().textContent()).trim() : "";
}

/** Reloads `path` until `done(page)` holds (a job finishing). */
async function until(page, path, done, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    await page.goto(`${base}${path}`);
    if (await done(page)) return;
    check(Date.now() < deadline, `timed out waiting for ${what}`);
    await page.waitForTimeout(250);
  }
}

/** Uploads `csv` as `label` on the import page. */
async function upload(page, label, csv) {
  await page.goto(`${base}/settings/import`);
  await page.locator("#type").selectOption({ label });
  await page.setInputFiles("#data", { name: "import.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await submit(page, page.getByRole("button", { name: "Import", exact: true }));
}

/** Clicks the link `selector` and reads what it downloads. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.locator(selector).click()]);
  return readFileSync(await file.path());
}

async function main() {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
  let page;
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 420, height: 900 } });
    context.setDefaultTimeout(TIMEOUT_MS);
    page = await context.newPage();

    // --- sign in from the export page -----------------------------------------
    await page.goto(`${base}/settings/export`);
    check(new URL(page.url()).pathname === "/auth/sign_in", `/settings/export did not ask to sign in (${page.url()})`);
    await page.locator("#username").fill(username);
    await page.locator("#password").fill(password);
    await submit(page, page.getByRole("button", { name: "Sign in", exact: true }));
    check(new URL(page.url()).pathname === "/settings/export", `sign-in did not lead back (${page.url()})`);
    ok("the export page asks to sign in, then leads back");

    // --- a bad file is refused, naming the line ---------------------------------
    await upload(page, "Domain blocking list", "#domain\nspam.example\nhttps://not.a.domain/\n");
    const refused = await text(page, "p.error");
    check(refused.includes("Line 3"), `the bad file was not refused with its line (${refused})`);
    check(!(await page.content()).includes("Recent imports"), "the refused file left an import behind");
    ok("a bad CSV file is refused whole, naming the line");

    // --- a good file is imported ------------------------------------------------
    await upload(page, "Domain blocking list", "#domain\nspam.example\nads.example\n");
    check((await text(page, "p.notice")).startsWith("The file was accepted"), "no notice after the upload");
    await until(
      page,
      "/settings/import",
      async (p) => (await text(p, "section.import .state")) === "finished",
      "the import to finish",
    );
    const progress = await text(page, "section.import p");
    check(progress.includes("2 of 2 rows processed, 2 imported"), `progress: ${progress}`);
    ok("the import finishes and says how many rows it imported");

    // --- the export has them -----------------------------------------------------
    await page.goto(`${base}/settings/export`);
    const csv = (await download(page, 'a[href="/settings/exports/domain_blocks.csv"]')).toString("utf8");
    check(csv === "spam.example\nads.example\n", `domain_blocks.csv: ${JSON.stringify(csv)}`);
    ok("the CSV export downloads through its link");

    // --- the archive ----------------------------------------------------------------
    await submit(page, page.locator("#request-archive"));
    check((await text(page, "p.notice")).startsWith("Your archive is being prepared"), "no notice for the archive");
    await until(page, "/settings/export", async (p) => (await p.locator("#archive-download").count()) > 0, "the archive");
    const zip = await download(page, "#archive-download");
    check(zip.subarray(0, 2).toString("latin1") === "PK", "the archive is not a zip file");
    check(zip.includes(Buffer.from("outbox.json")), "the zip has no outbox.json");
    check((await page.locator("#request-archive").count()) === 0, "another archive can be asked for at once");
    ok("the archive is built, downloads as a zip, and the next must wait");

    await context.close();
  } catch (e) {
    if (page && !page.isClosed()) {
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
  console.log("all your-data checks passed");
  process.exit(0);
} catch (e) {
  fail(e instanceof CheckError ? e.message : e.stack || String(e));
}
