//! "Your data" (issue 16): the CSV exports of `/settings/export`, imported
//! through `/settings/import` into a second instance; the archive job's
//! zip; and the refusals (no session, bad CSRF, bad or oversize files,
//! someone else's archive).

use std::collections::BTreeSet;
use std::io::Read;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::*;
use crate::federation::{follow_remote, post, relationship};
use crate::settings::signed_in;

/// Downloads `/settings/exports/{file}` with a signed-in browser.
async fn export(s: &TestServer, b: &reqwest::Client, file: &str) -> String {
    let resp = b
        .get(s.url(&format!("/settings/exports/{file}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{file}");
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/csv"), "{ct}");
    resp.text().await.unwrap()
}

/// The lines of a CSV file, as a set.
fn lines(csv: &str) -> BTreeSet<String> {
    csv.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Uploads `csv` to `/settings/import` as `kind` in `mode`, with the
/// page's CSRF token (or `csrf` when given); status and page.
async fn upload(
    s: &TestServer,
    b: &reqwest::Client,
    kind: &str,
    mode: &str,
    csv: &[u8],
    csrf: Option<&str>,
) -> (StatusCode, String) {
    let (status, page) = form_page(b, &s.url("/settings/import")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let token = csrf.map_or_else(|| csrf_of(&page), str::to_string);
    let form = Form::new()
        .text("csrf_token", token)
        .text("type", kind.to_string())
        .text("mode", mode.to_string())
        .part(
            "data",
            Part::bytes(csv.to_vec())
                .file_name(format!("{kind}.csv"))
                .mime_str("text/csv")
                .unwrap(),
        );
    let resp = b
        .post(s.url("/settings/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// Uploads `csv`, which must be accepted, and waits for its import to finish.
async fn import(s: &TestServer, b: &reqwest::Client, kind: &str, mode: &str, csv: &str) {
    let (status, page) = upload(s, b, kind, mode, csv.as_bytes(), None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{kind}: {page}");
    eventually(&format!("the {kind} import to finish"), || async {
        let open = sql_count(
            &s.app,
            "SELECT COUNT(*) FROM imports WHERE state <> 'finished'",
        )
        .await;
        (open == 0).then_some(())
    })
    .await;
}

async fn imports_count(s: &TestServer) -> i64 {
    sql_count(&s.app, "SELECT COUNT(*) FROM imports").await
}

/// The accounts a list of accounts answers, as `acct`s seen from `s`
/// (this server's own without a domain).
fn accts(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a["acct"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn export_then_import_elsewhere_gives_the_same_follows_lists_blocks_and_mutes() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let carol = a.user("carol").await;
    let dave = a.user("dave").await;
    let bob = b.user("bob").await;
    let erin = b.user("erin").await;
    let frank = b.user("frank").await;
    let (ad, bd) = (a.domain(), b.domain());

    // alice's world on a: carol (local, no boosts, notified) and bob (on
    // b) followed, both in a list; dave blocked; erin (on b) muted with
    // her notifications shown; a domain blocked; one of carol's posts
    // bookmarked.
    act(
        &a,
        &alice,
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{}/follow", carol.id),
        Some(json!({"reblogs": false, "notify": true})),
    )
    .await;
    let bob_on_a = follow_remote(&a, &alice, &format!("bob@{bd}")).await;
    eventually("alice to follow bob", || async {
        (relationship(&a, &alice.token, &bob_on_a).await["following"] == json!(true)).then_some(())
    })
    .await;
    let list = act(
        &a,
        &alice,
        reqwest::Method::POST,
        "/api/v1/lists",
        Some(json!({"title": "Friends, close"})),
    )
    .await;
    act(
        &a,
        &alice,
        reqwest::Method::POST,
        &format!("/api/v1/lists/{}/accounts", list["id"].as_str().unwrap()),
        Some(json!({"account_ids": [carol.id, bob_on_a]})),
    )
    .await;
    act(
        &a,
        &alice,
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{}/block", dave.id),
        None,
    )
    .await;
    let erin_on_a = a.resolve(&alice.token, &format!("erin@{bd}")).await;
    act(
        &a,
        &alice,
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{erin_on_a}/mute"),
        Some(json!({"notifications": false})),
    )
    .await;
    act(
        &a,
        &alice,
        reqwest::Method::POST,
        "/api/v1/domain_blocks",
        Some(json!({"domain": "spam.example"})),
    )
    .await;
    let carols = post(&a, &carol, json!({"status": "worth keeping"})).await;
    act(
        &a,
        &alice,
        reqwest::Method::POST,
        &format!(
            "/api/v1/statuses/{}/bookmark",
            carols["id"].as_str().unwrap()
        ),
        None,
    )
    .await;

    // The export page lists every file with its count; the files say
    // what alice has, in Mastodon's formats.
    let alice_browser = signed_in(&a, "alice").await;
    let (status, page) = form_page(&alice_browser, &a.url("/settings/export")).await;
    assert_eq!(status, StatusCode::OK);
    for file in [
        "follows.csv",
        "followers.csv",
        "lists.csv",
        "blocks.csv",
        "mutes.csv",
        "domain_blocks.csv",
        "bookmarks.csv",
    ] {
        assert!(
            page.contains(&format!("/settings/exports/{file}")),
            "{file}"
        );
    }
    let follows = export(&a, &alice_browser, "follows.csv").await;
    assert_eq!(
        lines(&follows),
        lines(&format!(
            "Account address,Show boosts,Notify on new posts,Languages\n\
             carol@{ad},false,true,\nbob@{bd},true,false,\n"
        )),
        "{follows}"
    );
    let lists = export(&a, &alice_browser, "lists.csv").await;
    assert_eq!(
        lines(&lists),
        lines(&format!(
            "\"Friends, close\",carol@{ad}\n\"Friends, close\",bob@{bd}\n"
        ))
    );
    let blocks = export(&a, &alice_browser, "blocks.csv").await;
    assert_eq!(blocks.trim(), format!("dave@{ad}"));
    let mutes = export(&a, &alice_browser, "mutes.csv").await;
    assert_eq!(
        mutes,
        format!("Account address,Hide notifications\nerin@{bd},false\n")
    );
    let domains = export(&a, &alice_browser, "domain_blocks.csv").await;
    assert_eq!(domains.trim(), "spam.example");
    let bookmarks = export(&a, &alice_browser, "bookmarks.csv").await;
    assert_eq!(bookmarks.trim(), carols["uri"].as_str().unwrap());
    // carol's followers: alice, one address per line.
    let carol_browser = signed_in(&a, "carol").await;
    let followers = export(&a, &carol_browser, "followers.csv").await;
    assert_eq!(followers.trim(), format!("alice@{ad}"));

    // frank imports them all on b, where bob and erin are local and
    // alice's other accounts remote.
    let frank_browser = signed_in(&b, "frank").await;
    import(&b, &frank_browser, "following", "merge", &follows).await;
    import(&b, &frank_browser, "lists", "merge", &lists).await;
    import(&b, &frank_browser, "blocks", "merge", &blocks).await;
    import(&b, &frank_browser, "mutes", "merge", &mutes).await;
    import(&b, &frank_browser, "domain_blocks", "merge", &domains).await;
    import(&b, &frank_browser, "bookmarks", "merge", &bookmarks).await;
    let (_, page) = form_page(&frank_browser, &b.url("/settings/import")).await;
    assert!(page.contains("finished"), "{page}");
    assert!(!page.contains("Why it failed"), "{page}");

    // carol's server accepts frank's follow; then b's exports say what a's did.
    let carol_on_b = b.resolve(&frank.token, &format!("carol@{ad}")).await;
    eventually("frank to follow carol", || async {
        (relationship(&b, &frank.token, &carol_on_b).await["following"] == json!(true))
            .then_some(())
    })
    .await;
    let rel = relationship(&b, &frank.token, &carol_on_b).await;
    assert_eq!(rel["showing_reblogs"], json!(false), "{rel}");
    assert_eq!(rel["notifying"], json!(true), "{rel}");
    let rel = relationship(&b, &frank.token, &erin.id).await;
    assert_eq!(rel["muting"], json!(true), "{rel}");
    assert_eq!(rel["muting_notifications"], json!(false), "{rel}");
    for (file, from_a) in [
        ("follows.csv", &follows),
        ("lists.csv", &lists),
        ("blocks.csv", &blocks),
        ("mutes.csv", &mutes),
        ("domain_blocks.csv", &domains),
        ("bookmarks.csv", &bookmarks),
    ] {
        let from_b = export(&b, &frank_browser, file).await;
        assert_eq!(lines(&from_b), lines(from_a), "{file}");
    }
    let (_, following) = b
        .get(
            &format!("/api/v1/accounts/{}/following", frank.id),
            Some(&frank.token),
        )
        .await;
    assert_eq!(
        accts(&following),
        BTreeSet::from(["bob".to_string(), format!("carol@{ad}")])
    );
    let (_, lists_b) = b.get("/api/v1/lists", Some(&frank.token)).await;
    assert_eq!(lists_b[0]["title"], "Friends, close");
    let (_, members) = b
        .get(
            &format!(
                "/api/v1/lists/{}/accounts",
                lists_b[0]["id"].as_str().unwrap()
            ),
            Some(&frank.token),
        )
        .await;
    assert_eq!(accts(&members).len(), 2, "{members}");

    // Overwrite: the file's blocks replace frank's, and importing again
    // adds nothing twice.
    let only_erin = format!("erin@{bd}\n");
    import(&b, &frank_browser, "blocks", "overwrite", &only_erin).await;
    import(&b, &frank_browser, "blocks", "merge", &only_erin).await;
    assert_eq!(
        export(&b, &frank_browser, "blocks.csv").await,
        format!("erin@{bd}\n")
    );
    // Lists the file does not name go; those it names keep only its members.
    import(
        &b,
        &frank_browser,
        "lists",
        "overwrite",
        &format!("Close,bob@{bd}\n"),
    )
    .await;
    assert_eq!(
        export(&b, &frank_browser, "lists.csv").await,
        format!("Close,bob@{bd}\n")
    );
    // The page shows the latest imports; older ones are not kept.
    assert_eq!(sql_count(&b.app, "SELECT COUNT(*) FROM imports").await, 5);
    let _ = bob;
}

/// Reads `name` from a zip held in memory.
fn zip_entry(zip: &[u8], name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut out = Vec::new();
    entry.read_to_end(&mut out).unwrap();
    out
}

#[tokio::test]
async fn the_archive_is_a_zip_whose_outbox_has_every_post() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let (status, media) = crate::media::upload(
        &s,
        &alice.token,
        crate::media::png_rgba(8, 8),
        "dot.png",
        "image/png",
    )
    .await;
    assert!(status.is_success(), "{media}");
    let public = post(
        &s,
        &alice,
        json!({"status": "hello archive", "media_ids": [media["id"]]}),
    )
    .await;
    post(
        &s,
        &alice,
        json!({"status": "for followers", "visibility": "private"}),
    )
    .await;
    let bobs = post(&s, &bob, json!({"status": "boost me"})).await;
    act(
        &s,
        &alice,
        reqwest::Method::POST,
        &format!("/api/v1/statuses/{}/reblog", bobs["id"].as_str().unwrap()),
        None,
    )
    .await;
    act(
        &s,
        &alice,
        reqwest::Method::POST,
        &format!(
            "/api/v1/statuses/{}/favourite",
            bobs["id"].as_str().unwrap()
        ),
        None,
    )
    .await;

    let browser = signed_in(&s, "alice").await;
    let (status, page) = form_page(&browser, &s.url("/settings/export")).await;
    assert_eq!(status, StatusCode::OK);
    let resp = browser
        .post(s.url("/settings/export"))
        .form(&[("csrf_token", csrf_of(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    drained(&s.app).await;
    let (_, page) = form_page(&browser, &s.url("/settings/export")).await;
    let link = page
        .split("href=\"/settings/exports/archive/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no archive link in {page}"))
        .to_string();
    let resp = browser
        .get(s.url(&format!("/settings/exports/archive/{link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let zip = resp.bytes().await.unwrap().to_vec();

    let outbox: Value = serde_json::from_slice(&zip_entry(&zip, "outbox.json")).unwrap();
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 3, "{outbox}");
    let items = outbox["orderedItems"].as_array().unwrap();
    let creates: Vec<&Value> = items.iter().filter(|i| i["type"] == "Create").collect();
    assert_eq!(creates.len(), 2);
    assert_eq!(creates[0]["object"]["id"], public["uri"]);
    assert!(
        creates[0]["object"]["content"]
            .as_str()
            .unwrap()
            .contains("hello archive")
    );
    assert!(
        creates[1]["object"]["content"]
            .as_str()
            .unwrap()
            .contains("for followers")
    );
    let announce = items.iter().find(|i| i["type"] == "Announce").unwrap();
    assert_eq!(announce["object"], bobs["uri"]);
    // The picture is in the zip where the Note says.
    let url = creates[0]["object"]["attachment"][0]["url"]
        .as_str()
        .unwrap();
    assert!(url.starts_with("media_attachments/"), "{url}");
    assert!(!zip_entry(&zip, url).is_empty());
    let actor: Value = serde_json::from_slice(&zip_entry(&zip, "actor.json")).unwrap();
    assert_eq!(actor["preferredUsername"], "alice");
    let likes: Value = serde_json::from_slice(&zip_entry(&zip, "likes.json")).unwrap();
    assert_eq!(likes["orderedItems"], json!([bobs["uri"]]));
    let marks: Value = serde_json::from_slice(&zip_entry(&zip, "bookmarks.json")).unwrap();
    assert_eq!(marks["totalItems"], 0);

    // One archive per 7 days.
    let (status, page) = form_page(&browser, &s.url("/settings/export")).await;
    assert!(!page.contains("request-archive"), "{page}");
    let csrf = csrf_of(&page);
    let resp = browser
        .post(s.url("/settings/export"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sql_count(&s.app, "SELECT COUNT(*) FROM archives").await, 1);

    // Nobody else gets it: not bob, not a stranger, not through /media.
    let bob_browser = signed_in(&s, "bob").await;
    let resp = bob_browser
        .get(s.url(&format!("/settings/exports/archive/{link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = browser_get(&s, &format!("/settings/exports/archive/{link}")).await;
    assert!(resp.status().is_redirection());
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/auth/sign_in")
    );
    let key = sql_texts(&s.app, "SELECT storage_key FROM archives").await;
    let resp = browser_get(&s, &format!("/media/{}", key[0])).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

async fn browser_get(s: &TestServer, path: &str) -> reqwest::Response {
    browser().get(s.url(path)).send().await.unwrap()
}

#[tokio::test]
async fn bad_files_stale_forms_and_strangers_change_nothing() {
    let s = TestServer::start_with(|c| {
        c.limits.import_max_bytes = 2048;
        c.limits.import_max_rows = 5;
    })
    .await;
    s.user("alice").await;
    let b = signed_in(&s, "alice").await;
    let domain = s.domain();

    // Not signed in: the pages and files send to sign-in.
    for path in [
        "/settings/export",
        "/settings/import",
        "/settings/exports/follows.csv",
    ] {
        let resp = browser_get(&s, path).await;
        assert!(resp.status().is_redirection(), "{path}");
    }
    let resp = browser()
        .post(s.url("/settings/import"))
        .multipart(Form::new().text("type", "blocks").part(
            "data",
            Part::bytes(b"x@y.example\n".to_vec()).file_name("b.csv"),
        ))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection());
    let resp = b
        .get(s.url("/settings/exports/passwords.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // A stale form.
    let (status, _) = upload(
        &s,
        &b,
        "blocks",
        "merge",
        b"x@y.example\n",
        Some("not-the-token"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Files that are not what they claim, or too much.
    for (kind, csv, says) in [
        ("following", &b"bob@b.example,maybe\n"[..], "Line 1"),
        ("following", b"Account address\n", "nothing to import"),
        ("blocks", b"\xff\xfe\x00\x00", "UTF-8"),
        ("lists", b"List name,Account address\nFriends,\n", "Line 2"),
        ("mutes", b"Hide notifications\ntrue\n", "Account address"),
        (
            "blocks",
            b"a@b.example\nb@b.example\nc@b.example\nd@b.example\ne@b.example\nf@b.example\n",
            "more than 5",
        ),
    ] {
        let (status, page) = upload(&s, &b, kind, "merge", csv, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}: {page}");
        assert!(page.contains(says), "{says}: {page}");
    }
    let big = format!("x{}@b.example\n", "y".repeat(3000));
    let (status, page) = upload(&s, &b, "blocks", "merge", big.as_bytes(), None).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{page}");
    assert_eq!(imports_count(&s).await, 0);
    assert_eq!(sql_count(&s.app, "SELECT COUNT(*) FROM blocks").await, 0);

    // A good file naming an account nobody has: the import finishes and
    // the page says which row failed and why.
    import(&s, &b, "blocks", "merge", &format!("nobody@{domain}\n")).await;
    let (_, page) = form_page(&b, &s.url("/settings/import")).await;
    assert!(page.contains("Why it failed"), "{page}");
    assert!(
        page.contains(&format!("nobody@{domain} could not be found")),
        "{page}"
    );
    assert!(page.contains("1 of 1 rows processed, 0 imported"), "{page}");
}
