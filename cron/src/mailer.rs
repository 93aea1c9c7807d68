//! Sends the outbox over SMTP with lettre. Delivery is at-least-once (see
//! `tower_backend::store::mail`): every attempt of a mail carries the Message-ID fixed when the
//! mail was written, so a resend after a crash is recognisable as the same message.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tower_backend::config::Config;
use tower_backend::store::mail::OutboxMail;

/// An SMTP relay and the sender address.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// `host:port`, for logs.
    pub relay: String,
}

impl Mailer {
    /// The relay of `TOWER_SMTP_*`, or `None` when `TOWER_SMTP_HOST` is not set.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Mailer>> {
        let m = &config.mail;
        let Some(host) = m.smtp_host.clone() else { return Ok(None) };
        let tls = if m.smtp_port == 465 {
            Tls::Wrapper(TlsParameters::new(host.clone())?)
        } else if m.starttls_required {
            Tls::Required(TlsParameters::new(host.clone())?)
        } else if m.starttls_enabled {
            Tls::Opportunistic(TlsParameters::new(host.clone())?)
        } else {
            Tls::None
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
            .port(m.smtp_port)
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(30)));
        if let Some((user, password)) = &m.smtp_credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from = sender(config).parse().map_err(|e| anyhow::anyhow!("TOWER_CONTACT_EMAIL: not a usable sender address: {e}"))?;
        Ok(Some(Mailer { transport: builder.build(), from, relay: format!("{host}:{}", m.smtp_port) }))
    }

    /// Hands one mail to the relay.
    pub async fn send(&self, mail: &OutboxMail) -> anyhow::Result<()> {
        let to: Mailbox = mail.recipient.parse().map_err(|e| anyhow::anyhow!("recipient '{}': {e}", mail.recipient))?;
        let builder =
            Message::builder().message_id(Some(format!("<{}>", mail.message_id))).from(self.from.clone()).to(to).subject(&mail.subject);
        let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.body_text.clone());
        let message = match &mail.body_html {
            Some(html) => builder.multipart(
                MultiPart::alternative()
                    .singlepart(text)
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone())),
            )?,
            None => builder.singlepart(text)?,
        };
        self.transport.send(message).await?;
        Ok(())
    }
}

/// `TOWER_CONTACT_EMAIL`, or `tower@<server host>` when it is not set.
fn sender(config: &Config) -> String {
    config.contact_email.clone().unwrap_or_else(|| {
        let host = url::Url::parse(&config.server_url).ok().and_then(|u| u.host_str().map(str::to_string));
        format!("tower@{}", host.filter(|h| h.contains('.')).unwrap_or_else(|| "localhost.localdomain".into()))
    })
}
