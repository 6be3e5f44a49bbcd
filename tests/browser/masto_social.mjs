// The JavaScript client family: masto.js (npm `masto`, pinned in
// package.json) drives roost through login -> post -> home timeline ->
// notifications, the path every Mastodon web and mobile client walks.
//
//   cd tests/browser && npm ci
//   ROOST_BASE_URL=http://127.0.0.1:18181 node tests/browser/masto_social.mjs
//
// Only ROOST_BASE_URL is read: the test signs up its own two accounts
// (a_<nonce>, b_<nonce>) through the API, as an app would (POST /api/v1/apps,
// a client_credentials token, POST /api/v1/accounts), so reruns against one
// server do not collide. Prints one "ok: ..." line per check; exits 0 when all
// pass, 1 on a failed check (with the last request and response), 2 on an
// unexpected error.
//
// What masto.js 7 needs from the server (node_modules/masto/dist/esm/adapters):
// every answer, errors included, is JSON with `Content-Type: application/json`
// (anything else is a MastoUnexpectedError); request bodies are JSON with
// snake_case keys, and POSTs without parameters have no body and no
// Content-Type; array query parameters are `key[]=`; pagination follows the
// absolute URL in `Link: <...>; rel="next"` until a page comes without one.

import { randomBytes } from "node:crypto";

const SCOPES = "read write follow push";
const OOB = "urn:ietf:wg:oauth:2.0:oob";
const EVENTUAL_MS = 10_000;
const OVERALL_TIMEOUT_MS = 120_000;

class CheckError extends Error {}

let phase = "start";

function ok(message) {
  console.log(`ok: ${message}`);
}

function check(condition, message) {
  if (!condition) throw new CheckError(message);
}

const base = (process.env.ROOST_BASE_URL ?? "").replace(/\/+$/, "");
if (!base) {
  console.error("FAIL: environment variable ROOST_BASE_URL is not set");
  process.exit(2);
}

let masto;
try {
  masto = await import("masto");
} catch (e) {
  console.error(`ERROR: cannot load masto (${e.message}): run \`npm ci\` in tests/browser`);
  process.exit(2);
}
const { createRestAPIClient, MastoHttpError } = masto;

// A hung server must not hang the caller.
setTimeout(() => {
  console.error(`FAIL: gave up after ${OVERALL_TIMEOUT_MS / 1000}s`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS).unref();

// Every request (masto.js calls the global fetch) is recorded so a failure
// can show what was asked and answered.
const exchanges = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const request = input instanceof Request && init === undefined ? input : new Request(input, init);
  const sent = await request.clone().text().catch(() => "");
  const response = await realFetch(request);
  const received = await response.clone().text().catch(() => "");
  exchanges.push({
    line: `${request.method} ${request.url}${sent ? ` body=${JSON.stringify(sent.slice(0, 300))}` : ""}`,
    status: response.status,
    type: response.headers.get("content-type"),
    link: response.headers.get("link"),
    body: received.slice(0, 800),
  });
  if (exchanges.length > 4) exchanges.shift();
  return response;
};

function lastExchanges() {
  return exchanges
    .map(
      (x) =>
        `  ${x.line} -> ${x.status} (${x.type})${x.link ? `; Link: ${x.link}` : ""}; body=${JSON.stringify(x.body)}`,
    )
    .join("\n");
}

const idKey = (id) => [id.length, id];
function descending(ids) {
  for (let i = 1; i < ids.length; i++) {
    const [la, a] = idKey(ids[i - 1]);
    const [lb, b] = idKey(ids[i]);
    if (la < lb || (la === lb && a <= b)) return false;
  }
  return true;
}

async function eventually(fetchValue, predicate, what) {
  const deadline = Date.now() + EVENTUAL_MS;
  for (;;) {
    const value = await fetchValue();
    if (predicate(value)) return value;
    if (Date.now() >= deadline) {
      throw new CheckError(`${what}: still not so after ${EVENTUAL_MS / 1000}s; last answer: ${short(value)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function short(value) {
  const text = JSON.stringify(value, (key, v) =>
    ["emojis", "fields", "mediaAttachments", "source", "card", "application"].includes(key) ? undefined : v,
  );
  return text && text.length > 900 ? text.slice(0, 900) + "...[cut]" : text;
}

async function expectHttpError(what, status, promise) {
  let result;
  try {
    result = await promise;
  } catch (e) {
    check(e instanceof MastoHttpError, `${what}: expected an HTTP ${status} error, got ${e?.name}: ${e?.message}`);
    check(e.statusCode === status, `${what}: expected HTTP ${status}, got ${e.statusCode} (${e.message})`);
    check(typeof e.message === "string" && e.message, `${what}: the error body has no JSON "error" string`);
    return e;
  }
  throw new CheckError(`${what}: expected HTTP ${status}, but it succeeded: ${short(result)}`);
}

// -- sign-up through the API, with plain fetch
async function post(path, body, token, encoding = "form") {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (encoding === "json") {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  } else {
    payload = new URLSearchParams(body);
  }
  const response = await fetch(base + path, { method: "POST", headers, body: payload });
  const text = await response.text();
  check(response.ok, `POST ${path}: HTTP ${response.status}: ${text.slice(0, 500)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new CheckError(`POST ${path}: the answer is not JSON: ${text.slice(0, 500)}`);
  }
}

const nonce = randomBytes(4).toString("hex");

async function signUp(appToken, name) {
  const username = `${name}_${nonce}`;
  const email = `${username}@example.org`;
  const password = randomBytes(18).toString("base64url");
  const token = await post(
    "/api/v1/accounts",
    { username, email, password, agreement: "true", locale: "en" },
    appToken,
  );
  check(typeof token.access_token === "string" && token.access_token, `sign-up of ${username}: no access_token`);
  const client = createRestAPIClient({ url: base, accessToken: token.access_token, timeout: 15_000 });
  const me = await client.v1.accounts.verifyCredentials();
  check(me.username === username, `verifyCredentials as ${username}: username=${me.username}`);
  // masto.js turns snake_case into camelCase: the counters must be numbers.
  check(
    typeof me.followersCount === "number" && typeof me.statusesCount === "number",
    `verifyCredentials: followers_count/statuses_count are not numbers: ${short(me)}`,
  );
  ok(`signed up @${username} (id ${me.id}); masto.js v1.accounts.verifyCredentials() works`);
  return { username, id: me.id, client };
}

async function scenario() {
  phase = "sign-up";
  const app = await post(
    "/api/v1/apps",
    { client_name: "roost masto.js test", redirect_uris: OOB, scopes: SCOPES, website: "https://example.org/roost-test" },
    null,
    "json",
  );
  check(app.client_id && app.client_secret, `POST /api/v1/apps: no client_id/client_secret: ${short(app)}`);
  const appToken = await post("/oauth/token", {
    grant_type: "client_credentials",
    client_id: app.client_id,
    client_secret: app.client_secret,
    scope: SCOPES,
  });
  check(appToken.access_token, `client_credentials: no access_token: ${short(appToken)}`);
  ok("registered an app and got an app token (client_credentials)");

  const a = await signUp(appToken.access_token, "a");
  const b = await signUp(appToken.access_token, "b");

  // -- A follows B
  phase = "A follows B";
  const rel = await a.client.v1.accounts.$select(b.id).follow();
  check(rel.id === b.id && rel.following === true && rel.requested === false, `A follows B: ${short(rel)}`);
  const [rel2] = await a.client.v1.accounts.relationships.fetch({ id: [b.id] });
  check(rel2?.following === true, `GET /api/v1/accounts/relationships?id[]=: ${short(rel2)}`);
  ok("A follows B (relationship following=true, also via relationships?id[]=)");

  // -- B posts; the same Idempotency-Key gives the same post
  phase = "B posts";
  const text = `hello from masto ${nonce}`;
  const key = { requestInit: { headers: { "Idempotency-Key": `masto-${nonce}` } } };
  const status = await b.client.v1.statuses.create({ status: text, visibility: "public" }, key);
  check(status.account?.id === b.id && status.visibility === "public", `B's post: ${short(status)}`);
  check(status.content.includes(text), `B's post content ${JSON.stringify(status.content)} lacks ${JSON.stringify(text)}`);
  const again = await b.client.v1.statuses.create({ status: text, visibility: "public" }, key);
  check(again.id === status.id, `the same Idempotency-Key made a second post: ${status.id} and ${again.id}`);
  ok("B posted (JSON body); a retry with the same Idempotency-Key returned the same post");

  // -- A's home timeline
  phase = "A's home timeline";
  await eventually(
    async () => (await a.client.v1.timelines.home.list({ limit: 20 })).map((s) => s.id),
    (ids) => ids.includes(status.id),
    "A's home timeline shows B's post",
  );
  ok("A's home timeline (v1.timelines.home.list) shows B's post");

  const more = [];
  for (let i = 0; i < 3; i++) {
    more.push((await b.client.v1.statuses.create({ status: `more ${i} ${nonce}` })).id);
  }
  await eventually(
    async () => (await a.client.v1.timelines.home.list({ limit: 5 })).map((s) => s.id),
    (ids) => ids.includes(more[2]),
    "A's home shows B's newest post",
  );
  const seen = [];
  let pages = 0;
  for await (const page of a.client.v1.timelines.home.list({ limit: 2 })) {
    pages += 1;
    check(pages <= 20, `more than 20 pages for a handful of posts: the Link rel="next" header does not end (seen ${seen})`);
    check(page.length <= 2, `a page of ${page.length} items with limit=2`);
    seen.push(...page.map((s) => s.id));
  }
  check(new Set(seen).size === seen.length, `ids repeated while paging: ${seen}`);
  check(descending(seen), `paged ids not newest first: ${seen}`);
  for (const id of [status.id, ...more]) check(seen.includes(id), `post ${id} never came while paging: ${seen}`);
  ok(`paged A's home with limit=2 through Link rel="next": ${seen.length} ids in ${pages} pages, each once, newest first`);

  // -- A favourites it; B's notifications show it
  phase = "favourite and notifications";
  const fav = await a.client.v1.statuses.$select(status.id).favourite();
  check(fav.id === status.id && fav.favourited === true && fav.favouritesCount === 1, `favourite: ${short(fav)}`);
  ok("A favourited B's post (favourited=true, favouritesCount=1)");
  const notes = await eventually(
    () => b.client.v1.notifications.list({ types: ["favourite"] }),
    (ns) => ns.some((n) => n.type === "favourite" && n.account?.id === a.id && n.status?.id === status.id),
    "B's notifications (types[]=favourite) show A's favourite",
  );
  check(
    notes.every((n) => n.type === "favourite"),
    `types[]=favourite returned other types: ${notes.map((n) => n.type)}`,
  );
  ok("B's notifications (v1.notifications.list types[]=favourite) show A's favourite of the post");
  await eventually(
    () => b.client.v1.notifications.list(),
    (ns) => ns.some((n) => n.type === "follow" && n.account?.id === a.id),
    "B's notifications show A's follow",
  );
  ok("B's notifications show A's follow");
  const likers = await b.client.v1.statuses.$select(status.id).favouritedBy.list();
  check(likers.length === 1 && likers[0].id === a.id, `favourited_by: ${short(likers)}`);
  ok("favourited_by lists A");

  // -- B's own account
  phase = "B's verifyCredentials";
  const meB = await eventually(
    () => b.client.v1.accounts.verifyCredentials(),
    (me) => me.statusesCount === 4 && me.followersCount === 1,
    "B's verifyCredentials counts 4 statuses and 1 follower",
  );
  check(meB.username === b.username && meB.source, `B's verifyCredentials: ${short(meB)}`);
  ok("B's v1.accounts.verifyCredentials(): statusesCount=4, followersCount=1, source present");

  // -- an error answer masto.js can read
  phase = "error answers";
  await expectHttpError("favourite a status that does not exist", 404, a.client.v1.statuses.$select("1").favourite());
  ok("a missing status answers 404 with a JSON error that masto.js turns into MastoHttpError");

  console.log("PASS: masto.js social test");
}

try {
  await scenario();
  process.exit(0);
} catch (e) {
  if (e instanceof CheckError) {
    console.error(`FAIL [${phase}]: ${e.message}\nlast requests:\n${lastExchanges()}`);
    process.exit(1);
  }
  if (e instanceof MastoHttpError) {
    console.error(
      `FAIL [${phase}]: the server answered HTTP ${e.statusCode} (${e.message}) to a call that should succeed (the last request below)\nlast requests:\n${lastExchanges()}`,
    );
    process.exit(1);
  }
  if (e?.name === "MastoUnexpectedError" || e?.name === "MastoDeserializeError") {
    console.error(`FAIL [${phase}]: masto.js could not read an answer: ${e.message}\nlast requests:\n${lastExchanges()}`);
    process.exit(1);
  }
  console.error(e?.stack ?? e);
  console.error(`ERROR [${phase}]: unexpected exception\nlast requests:\n${lastExchanges()}`);
  process.exit(2);
}
