// A person managing their account on roost's settings pages, in a real
// headless Chromium (Debian's `chromium` package) driven by playwright-core:
// profile with an avatar, two-factor sign-in set up from the page's secret
// (codes computed here as an authenticator app would, RFC 6238), the second
// sign-in step with a code and with a recovery code, signing out another
// browser, revoking an app, changing the e-mail address and the password,
// and turning two-factor off.
//
//   cd tests/browser && npm ci
//   ROOST_BASE_URL=http://127.0.0.1:18181 ROOST_TEST_USERNAME=alice \
//   ROOST_TEST_EMAIL=alice@example.org ROOST_TEST_PASSWORD='correct horse battery' \
//   node tests/browser/settings.mjs
//
// The server must not have mail configured (the e-mail change then happens
// at once). Optional: CHROMIUM (default /usr/bin/chromium). Prints one
// "ok: ..." line per check; exits 0 when all pass, 1 with a message (and the
// page's URL and HTML) when one fails.

import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";

const OOB = "urn:ietf:wg:oauth:2.0:oob";
const TIMEOUT_MS = 15_000;
const OVERALL_TIMEOUT_MS = 150_000;
// A 1×1 PNG, as an avatar.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

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

/** RFC 4648 base 32 to bytes. */
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, "")) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new CheckError(`the secret ${text} is not base 32`);
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 6-digit TOTP code for `secret`, `offset` seconds from now (RFC 6238, SHA-1, 30 s). */
function totp(secret, offset = 0) {
  const counter = Math.floor((Date.now() / 1000 + offset) / 30);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const h = createHmac("sha1", base32(secret)).update(message).digest();
  const o = h[h.length - 1] & 0x0f;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, "0");
}

/** Clicks `button` and waits for the document its form's POST leads to. */
async function submit(page, button) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    button.click(),
  ]);
  await page.waitForLoadState("domcontentloaded");
}

async function button(page, name) {
  return page.getByRole("button", { name, exact: true });
}

async function notice(page) {
  const n = page.locator("p.notice");
  return (await n.count()) ? (await n.textContent()).trim() : "";
}

async function error(page) {
  const n = page.locator("p.error");
  return (await n.count()) ? (await n.textContent()).trim() : "";
}

/** Fills the sign-in form the page shows and submits it. */
async function passwordStep(page, pass) {
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(pass);
  await submit(page, await button(page, "Sign in"));
}

async function otpStep(page, code) {
  await page.locator("#otp").waitFor();
  await page.locator("#otp").fill(code);
  await submit(page, await button(page, "Sign in"));
}

async function fetchJson(url, init, what) {
  const response = await fetch(url, init);
  const text = await response.text();
  check(response.ok, `${what}: ${response.status} from ${url}: ${text}`);
  return JSON.parse(text);
}

async function main() {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
  let page;
  try {
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    context.setDefaultTimeout(TIMEOUT_MS);
    page = await context.newPage();

    // --- sign in from a settings link ----------------------------------------
    await page.goto(`${base}/settings/profile`);
    check(new URL(page.url()).pathname === "/auth/sign_in", `/settings/profile did not ask to sign in (${page.url()})`);
    await passwordStep(page, password);
    check(new URL(page.url()).pathname === "/settings/profile", `sign-in did not lead back to the profile page (${page.url()})`);
    ok("a settings link asks to sign in, then leads back");

    // --- profile ---------------------------------------------------------------
    await page.locator("#display_name").fill("Alice in Chromium");
    await page.locator("#note").fill("Testing roost's settings pages.");
    await page.setInputFiles("#avatar", { name: "avatar.png", mimeType: "image/png", buffer: PNG });
    await page.getByLabel("Approve followers by hand (locked account)").check();
    await submit(page, await button(page, "Save"));
    check((await notice(page)) === "Your profile was saved.", `profile: no notice (error: ${await error(page)})`);
    check((await page.locator("#display_name").inputValue()) === "Alice in Chromium", "profile: the name did not stick");
    check(await page.getByLabel("Approve followers by hand (locked account)").isChecked(), "profile: locked did not stick");
    const avatar = await page.locator("img.avatar").getAttribute("src");
    check(!avatar.endsWith("/missing.png"), `profile: the avatar is still the placeholder (${avatar})`);
    const img = await page.request.get(avatar);
    check(img.ok(), `the avatar ${avatar} answers ${img.status()}`);
    await page.goto(`${base}/@${username}`);
    check((await page.content()).includes("Alice in Chromium"), "the public profile does not show the new name");
    ok("profile saved: name, bio, avatar (served), locked");

    // --- two-factor on ---------------------------------------------------------
    await page.goto(`${base}/settings/two_factor`);
    const secret = await page.locator("[data-otp-secret]").getAttribute("data-otp-secret");
    check(/^[A-Z2-7]{32}$/.test(secret), `the page's secret is not 160 bits of base 32: ${secret}`);
    check(await page.locator(".qr svg").isVisible(), "no QR code drawn");
    await page.locator("#code").fill(totp(secret) === "000000" ? "111111" : "000000");
    await submit(page, await button(page, "Turn on two-factor authentication"));
    check((await error(page)) === "Invalid two-factor code.", `a wrong code was not refused (${await error(page)})`);
    // Kept: the replay below must send this very code, whichever 30-second
    // step the clock has reached by then.
    const enablingCode = totp(secret);
    await page.locator("#code").fill(enablingCode);
    await submit(page, await button(page, "Turn on two-factor authentication"));
    const codes = (await page.locator("ul.codes li").allTextContents()).map((c) => c.trim());
    check(codes.length === 10, `expected 10 recovery codes, got ${JSON.stringify(codes)}`);
    check((await page.locator("#two-factor-status").getAttribute("data-enabled")) === "true", "two-factor is not on");
    ok("two-factor turned on with a computed code; 10 recovery codes shown");

    // --- sign out, sign in with a code -----------------------------------------
    await submit(page, await button(page, "Sign out"));
    await page.goto(`${base}/settings/sessions`);
    await passwordStep(page, password);
    check((await page.locator("#otp").count()) === 1, `the password alone signed in (${page.url()})`);
    await otpStep(page, enablingCode);
    check((await error(page)) === "Invalid two-factor code.", "the code used to turn two-factor on was accepted again");
    await otpStep(page, totp(secret, 30));
    check(new URL(page.url()).pathname === "/settings/sessions", `the code did not sign in (${page.url()})`);
    ok("sign-in asks for the code; a used code is refused, the next one signs in");

    // --- a second browser, with a recovery code --------------------------------
    const other = await browser.newContext();
    other.setDefaultTimeout(TIMEOUT_MS);
    const page2 = await other.newPage();
    await page2.goto(`${base}/settings/profile`);
    await passwordStep(page2, password);
    await otpStep(page2, codes[0]);
    check(new URL(page2.url()).pathname === "/settings/profile", `the recovery code did not sign in (${page2.url()})`);
    ok("a recovery code signs a second browser in");

    await page.reload();
    const rows = page.locator("#sessions tr:has(form)");
    check((await rows.count()) === 2, `the sessions page lists ${await rows.count()} browsers, not 2`);
    const otherRow = page.locator("#sessions tr:has(form):not(.current)");
    await submit(page, otherRow.getByRole("button", { name: "Sign out" }));
    check((await notice(page)) === "That browser was signed out.", "no notice after signing the other browser out");
    await page2.goto(`${base}/settings/profile`);
    check(new URL(page2.url()).pathname === "/auth/sign_in", "the other browser is still signed in");
    await other.close();
    ok("the sessions page signs the other browser out");

    // --- an app, authorized then revoked ----------------------------------------
    const app = await fetchJson(
      `${base}/api/v1/apps`,
      { method: "POST", body: new URLSearchParams({ client_name: "Settings test app", redirect_uris: OOB, scopes: "read" }) },
      "registering an app",
    );
    await page.goto(
      `${base}/oauth/authorize?response_type=code&client_id=${app.client_id}&redirect_uri=${encodeURIComponent(OOB)}&scope=read`,
    );
    await submit(page, await button(page, "Authorize"));
    const code = (await page.locator("code").textContent()).trim();
    const token = await fetchJson(
      `${base}/oauth/token`,
      {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "authorization_code", code, client_id: app.client_id,
          client_secret: app.client_secret, redirect_uri: OOB,
        }),
      },
      "exchanging the code",
    );
    const me = () => fetch(`${base}/api/v1/accounts/verify_credentials`, { headers: { Authorization: `Bearer ${token.access_token}` } });
    check((await me()).status === 200, "the app's token does not work");
    await page.goto(`${base}/settings/applications`);
    const appRow = page.locator("#apps tr", { hasText: "Settings test app" });
    check((await appRow.count()) === 1, "the apps page does not list the app");
    await submit(page, appRow.getByRole("button", { name: "Revoke" }));
    check((await notice(page)) === "The app's access was revoked.", "no notice after revoking");
    check((await me()).status === 401, "the revoked app's token still works");
    ok("an authorized app is listed and revoked; its token stops working");

    // --- e-mail address ---------------------------------------------------------
    await page.goto(`${base}/settings/email`);
    await page.locator("#email").fill("alice.chromium@example.org");
    await page.locator("#current_password").fill("not my password");
    await submit(page, await button(page, "Change address"));
    check((await error(page)) === "Invalid password.", `a wrong password was not refused (${await error(page)})`);
    await page.locator("#email").fill("alice.chromium@example.org");
    await page.locator("#current_password").fill(password);
    await submit(page, await button(page, "Change address"));
    check((await page.locator("#current-email").textContent()) === "alice.chromium@example.org", "the address did not change");
    ok("the e-mail address changes after the password");

    // --- password ---------------------------------------------------------------
    const newPassword = `${password} and more`;
    await page.goto(`${base}/settings/password`);
    await page.locator("#current_password").fill(password);
    await page.locator("#password").fill(newPassword);
    await page.locator("#password_confirmation").fill(newPassword);
    await submit(page, await button(page, "Change password"));
    check((await notice(page)).startsWith("Your password was changed."), `no notice (${await error(page)})`);
    ok("the password changes");

    // --- two-factor off ---------------------------------------------------------
    await page.goto(`${base}/settings/two_factor`);
    await page.locator("#disable-password").fill(newPassword);
    await submit(page, await button(page, "Turn off two-factor authentication"));
    check((await notice(page)) === "Two-factor authentication is off.", "no notice after turning two-factor off");
    await submit(page, await button(page, "Sign out"));
    await page.goto(`${base}/settings/profile`);
    await passwordStep(page, newPassword);
    check(new URL(page.url()).pathname === "/settings/profile", "with two-factor off the password did not sign in");
    ok("two-factor off: the new password alone signs in");

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
  console.log("all settings checks passed");
  process.exit(0);
} catch (e) {
  fail(e instanceof CheckError ? e.message : e.stack || String(e));
}
