//! E-mail (issue 15): a real SMTP exchange with a mail sink running in the
//! test process, and the password reset it carries, followed as a person
//! would: the form, the mailed link, the new password.

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::common::*;

/// A minimal SMTP server (RFC 5321's commands, no extensions) keeping
/// every message it is given.
#[derive(Clone, Default)]
struct Sink {
    messages: Arc<Mutex<Vec<Mail>>>,
}

#[derive(Clone, Debug)]
struct Mail {
    to: Vec<String>,
    data: String,
}

impl Sink {
    async fn start() -> (Sink, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let sink = Sink::default();
        let kept = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let _ = kept.session(stream).await;
                });
            }
        });
        (sink, url)
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink ESMTP\r\n").await?;
        let mut to = Vec::new();
        while let Some(line) = lines.next_line().await? {
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" => write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?,
                "HELO" | "MAIL" | "RSET" | "NOOP" => write.write_all(b"250 OK\r\n").await?,
                "RCPT" => {
                    let addr = line.split(['<', '>']).nth(1).unwrap_or("").to_string();
                    to.push(addr);
                    write.write_all(b"250 OK\r\n").await?;
                }
                "DATA" => {
                    write.write_all(b"354 go ahead\r\n").await?;
                    let mut data = String::new();
                    while let Some(l) = lines.next_line().await? {
                        if l == "." {
                            break;
                        }
                        data.push_str(l.strip_prefix('.').unwrap_or(&l));
                        data.push('\n');
                    }
                    self.messages.lock().unwrap().push(Mail {
                        to: std::mem::take(&mut to),
                        data,
                    });
                    write.write_all(b"250 queued\r\n").await?;
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    return Ok(());
                }
                _ => write.write_all(b"502 not here\r\n").await?,
            }
        }
        Ok(())
    }

    fn all(&self) -> Vec<Mail> {
        self.messages.lock().unwrap().clone()
    }
}

/// The reset link in a mail, undoing quoted-printable if it was used.
fn link_in(mail: &Mail) -> String {
    let text = mail.data.replace("=\n", "").replace("=3D", "=");
    let start = text.find("http").expect("a link");
    text[start..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_mailed_link() {
    let (sink, smtp) = Sink::start().await;
    let s = TestServer::start_with(|c| c.mail.smtp_url = smtp).await;
    let alice = s.user("alice").await;
    let b = browser();
    let (status, sign_in) = form_page(&b, &s.url("/auth/sign_in")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(sign_in.contains("/auth/password/new"), "{sign_in}");

    // The same answer for an address with an account and one without.
    let (status, page) = form_page(&b, &s.url("/auth/password/new")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, unknown) = submit(
        &b,
        &s.url("/auth/password"),
        &page,
        &[("email", "nobody@example.org")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, known) = submit(
        &b,
        &s.url("/auth/password"),
        &page,
        &[("email", "ALICE@example.org")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unknown, known);

    let mail = eventually("the reset mail", || async { sink.all().first().cloned() }).await;
    drained(&s.app).await;
    assert_eq!(sink.all().len(), 1, "mail for an unknown address");
    assert_eq!(mail.to, ["alice@example.org"]);
    let link = link_in(&mail);
    assert!(
        link.starts_with(&s.url("/auth/password/edit?reset_password_token=")),
        "{link}"
    );

    let (status, form) = form_page(&b, &link).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    let url = s.url("/auth/password/edit");
    let (status, _) = submit(
        &b,
        &url,
        &form,
        &[
            ("password", "a new secret"),
            ("password_confirmation", "another"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = submit(
        &b,
        &url,
        &form,
        &[
            ("password", "a new secret"),
            ("password_confirmation", "a new secret"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Every token of the account is revoked; the new password works, the
    // old one does not; the link works once.
    let (status, _) = s
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (id, secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let grant = |password: &'static str| {
        let s = &s;
        let (id, secret) = (id.clone(), secret.clone());
        async move {
            s.post_form(
                "/oauth/token",
                None,
                &[
                    ("grant_type", "password"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("username", "alice"),
                    ("password", password),
                    ("scope", "read"),
                ],
            )
            .await
            .0
        }
    };
    assert_eq!(grant(PASSWORD).await, StatusCode::BAD_REQUEST);
    assert_eq!(grant("a new secret").await, StatusCode::OK);
    assert_eq!(form_page(&b, &link).await.0, StatusCode::NOT_FOUND);
    let (status, _) = submit(
        &b,
        &url,
        &form,
        &[
            ("password", "third secret"),
            ("password_confirmation", "third secret"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn without_mail_there_is_no_reset_to_offer() {
    let s = TestServer::start().await;
    let b = browser();
    let (_, sign_in) = form_page(&b, &s.url("/auth/sign_in")).await;
    assert!(!sign_in.contains("/auth/password/new"));
    assert_eq!(
        form_page(&b, &s.url("/auth/password/new")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_reset_form_without_its_csrf_token_changes_nothing() {
    let (sink, smtp) = Sink::start().await;
    let s = TestServer::start_with(|c| c.mail.smtp_url = smtp).await;
    s.user("alice").await;
    let resp = browser()
        .post(s.url("/auth/password"))
        .form(&[("email", "alice@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    drained(&s.app).await;
    assert!(sink.all().is_empty());
}

/// With e-mail configured, a sign-up's token is refused (Mastodon's 403)
/// until the mailed link is opened; the link can be sent again, to a
/// corrected address, which retires the first one.
#[tokio::test]
async fn a_new_account_acts_only_once_its_address_is_confirmed() {
    let (sink, smtp) = Sink::start().await;
    let s = TestServer::start_with(|c| c.mail.smtp_url = smtp).await;
    let app_token = s.app_token().await;
    let (status, grant) = s
        .request(
            reqwest::Method::POST,
            "/api/v1/accounts",
            Some(&app_token),
            Some(serde_json::json!({
                "username": "newcomer", "email": "typo@example.org",
                "password": "long enough pw", "agreement": true, "locale": "en",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    let token = grant["access_token"].as_str().unwrap().to_string();
    let me = || async {
        s.get("/api/v1/accounts/verify_credentials", Some(&token))
            .await
    };
    let (status, err) = me().await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        err["error"],
        "Your login is missing a confirmed e-mail address"
    );
    let first = eventually("the confirmation mail", || async {
        sink.all().first().cloned()
    })
    .await;
    assert_eq!(first.to, ["typo@example.org"]);
    let first_link = link_in(&first);
    assert!(
        first_link.starts_with(&s.url("/auth/confirmation?confirmation_token=")),
        "{first_link}"
    );

    // Again, to the corrected address: the first link stops working.
    let resend = |email: Option<&'static str>| {
        let s = &s;
        let token = token.clone();
        async move {
            let body = email.map(|e| serde_json::json!({"email": e}));
            s.request(
                reqwest::Method::POST,
                "/api/v1/emails/confirmations",
                Some(&token),
                body,
            )
            .await
            .0
        }
    };
    assert_eq!(resend(Some("right@example.org")).await, StatusCode::OK);
    let second = eventually("the second mail", || async { sink.all().get(1).cloned() }).await;
    assert_eq!(second.to, ["right@example.org"]);
    let b = browser();
    assert_eq!(form_page(&b, &first_link).await.0, StatusCode::NOT_FOUND);
    assert_eq!(me().await.0, StatusCode::FORBIDDEN);
    let (status, page) = form_page(&b, &link_in(&second)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, account) = me().await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["username"], "newcomer");
    // Nothing left to confirm.
    assert_eq!(resend(None).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_email_change_waits_for_the_new_addresss_link_and_tells_the_old_one() {
    let (sink, smtp) = Sink::start().await;
    let s = TestServer::start_with(|c| c.mail.smtp_url = smtp).await;
    let alice = s.user("alice").await;
    let b = browser();
    let (_, page) = form_page(&b, &s.url("/auth/sign_in")).await;
    let (status, _) = submit(
        &b,
        &s.url("/auth/sign_in"),
        &page,
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = form_page(&b, &s.url("/settings/email")).await;
    let csrf = hidden_inputs(&html)
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .unwrap()
        .1;
    let resp = b
        .post(s.url("/settings/email"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "alice@new.example"),
            ("current_password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"],
        "/settings/email?notice=email_sent"
    );
    let mails = eventually("two mails", || async {
        let all = sink.all();
        (all.len() >= 2).then_some(all)
    })
    .await;
    let notice = mails
        .iter()
        .find(|m| m.to == ["alice@example.org"])
        .expect("a notice to the old address");
    let text = notice.data.replace("=\n", "").replace("=3D", "=");
    assert!(text.contains("alice@new.example"), "{notice:?}");
    let confirm = mails
        .iter()
        .find(|m| m.to == ["alice@new.example"])
        .expect("a link to the new address");
    // Until the link is opened the old address stays, and she can still act.
    let (_, html) = form_page(&b, &s.url("/settings/email")).await;
    assert!(
        html.contains("id=\"unconfirmed-email\">alice@new.example"),
        "{html}"
    );
    assert!(
        html.contains("id=\"current-email\">alice@example.org"),
        "{html}"
    );
    let (status, _) = s
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = form_page(&browser(), &link_in(confirm)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = form_page(&b, &s.url("/settings/email")).await;
    assert!(
        html.contains("id=\"current-email\">alice@new.example"),
        "{html}"
    );
    assert!(!html.contains("unconfirmed-email"), "{html}");
    let (status, _) = form_page(&browser(), &link_in(confirm)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the link works once");
}

#[tokio::test]
async fn a_link_for_an_earlier_email_change_dies_with_the_next_change() {
    let (sink, smtp) = Sink::start().await;
    let s = TestServer::start_with(|c| c.mail.smtp_url = smtp).await;
    let _alice = s.user("alice").await;
    let b = browser();
    let (_, page) = form_page(&b, &s.url("/auth/sign_in")).await;
    submit(
        &b,
        &s.url("/auth/sign_in"),
        &page,
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    let change = |email: &'static str| {
        let (b, s) = (&b, &s);
        async move {
            let (_, html) = form_page(b, &s.url("/settings/email")).await;
            let resp = b
                .post(s.url("/settings/email"))
                .form(&[
                    ("csrf_token", csrf_of(&html).as_str()),
                    ("email", email),
                    ("current_password", PASSWORD),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        }
    };
    // A link for an address the requester holds...
    change("mine@attacker.example").await;
    let first = eventually("the first link", || async {
        sink.all()
            .into_iter()
            .find(|m| m.to == ["mine@attacker.example"])
    })
    .await;
    drained(&s.app).await;
    // ...does not confirm the next address asked for.
    change("victim@example.net").await;
    drained(&s.app).await;
    let (status, _) = form_page(&browser(), &link_in(&first)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, html) = form_page(&b, &s.url("/settings/email")).await;
    assert!(
        html.contains("id=\"current-email\">alice@example.org"),
        "{html}"
    );
}

#[tokio::test]
async fn a_moderation_warning_is_mailed_when_asked_and_only_then() {
    let (sink, smtp) = Sink::start().await;
    let s = TestServer::start_with(|c| c.mail.smtp_url = smtp).await;
    let boss = s.admin("boss").await;
    let carol = s.user("carol").await;
    let (status, body) = s
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/admin/accounts/{}/action", carol.id),
            Some(&boss.token),
            Some(
                serde_json::json!({"type": "none", "text": "Please stop posting ads.",
                "send_email_notification": false}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    drained(&s.app).await;
    assert!(sink.all().is_empty(), "mailed without being asked");

    let (status, _) = s
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/admin/accounts/{}/action", carol.id),
            Some(&boss.token),
            Some(serde_json::json!({"type": "silence", "text": "Second warning: no more ads."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mail = eventually("the warning mail", || async { sink.all().first().cloned() }).await;
    assert_eq!(mail.to, ["carol@example.org"]);
    let text = mail.data.replace("=\n", "");
    assert!(text.contains("Second warning: no more ads."), "{text}");
    assert!(text.contains("only your followers"), "{text}");
    drained(&s.app).await;
    assert_eq!(sink.all().len(), 1);
}
