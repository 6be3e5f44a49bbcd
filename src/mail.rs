//! Outgoing e-mail through the SMTP server of `mail.smtp_url`. Mail is
//! queued (a `send_mail` job), so a slow or unreachable mail server never
//! holds a request, and a message accepted for sending survives a restart
//! and is retried.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;
use crate::error::{Error, Kind, Result};

/// The configured mail server, if any.
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    /// The mailer `config` describes; none when `mail.smtp_url` is empty.
    pub fn new(config: &Config) -> Result<Self> {
        let from = if config.mail.from.trim().is_empty() {
            let host = config
                .server
                .domain
                .split(':')
                .next()
                .unwrap_or("localhost");
            format!("{} <notifications@{host}>", config.instance.title)
        } else {
            config.mail.from.trim().to_string()
        };
        let from: Mailbox = from
            .parse()
            .map_err(|e| Error::internal(format!("mail.from {from:?}: {e}")))?;
        let url = config.mail.smtp_url.trim();
        if url.is_empty() {
            return Ok(Self {
                transport: None,
                from,
            });
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&with_starttls(url))
            .map_err(|e| Error::internal(format!("mail.smtp_url: {e}")))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        Ok(Self {
            transport: Some(transport),
            from,
        })
    }

    /// Whether e-mail is configured.
    pub fn enabled(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends one plain-text message now (the `send_mail` job calls this).
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<()> {
        let Some(transport) = &self.transport else {
            return Ok(());
        };
        let to: Mailbox = to
            .parse()
            .map_err(|e| Error::unprocessable(format!("bad recipient address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(body.to_string())
            .map_err(|e| Error::internal(format!("building mail: {e}")))?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| Error::new(Kind::Unavailable, format!("sending mail: {e}")))
    }
}

/// `smtp://` without a `tls` parameter upgrades with STARTTLS when the
/// server offers it (lettre's default would be plain text only).
fn with_starttls(url: &str) -> String {
    let plain = url.starts_with("smtp://");
    let has_tls = url::Url::parse(url)
        .map(|u| u.query_pairs().any(|(k, _)| k == "tls"))
        .unwrap_or(false);
    if !plain || has_tls {
        return url.to_string();
    }
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}tls=opportunistic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_urls_upgrade_when_they_can() {
        assert_eq!(
            with_starttls("smtp://u:p@mail.example:587"),
            "smtp://u:p@mail.example:587?tls=opportunistic"
        );
        assert_eq!(
            with_starttls("smtp://mail.example?tls=required"),
            "smtp://mail.example?tls=required"
        );
        assert_eq!(
            with_starttls("smtps://mail.example"),
            "smtps://mail.example"
        );
    }

    #[test]
    fn the_sender_defaults_to_the_instance() {
        let mut c = Config::default();
        c.mail.smtp_url = "smtp://127.0.0.1:2525".into();
        let m = Mailer::new(&c).unwrap();
        assert!(m.enabled());
        assert_eq!(m.from.email.to_string(), "notifications@localhost");
        c.mail.from = "not an address".into();
        assert!(Mailer::new(&c).is_err());
    }
}
