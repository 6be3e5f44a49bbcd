//! `roost admin …`

use clap::Subcommand;

use crate::app::AppState;
use crate::config::Config;
use crate::error::Result;
use crate::model::Role;
use crate::service::accounts::{self, Registration};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a local account, approved and ready to sign in.
    CreateAccount {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "user", value_parser = ["user", "moderator", "admin"])]
        role: String,
    },
    /// Delete a local account: its posts and relationships go, other servers
    /// are told (by the running server's delivery workers), the name stays taken.
    DeleteAccount {
        #[arg(long)]
        username: String,
    },
    /// Lift the IP block on a range (`1.2.3.4` or `10.0.0.0/8`), for an
    /// admin a `no_access` block locked out of the web and the API.
    DeleteIpBlock {
        #[arg(long)]
        ip: String,
    },
    /// This server's custom emoji.
    Emoji {
        #[command(subcommand)]
        command: EmojiCommand,
    },
}

#[derive(Subcommand)]
pub enum EmojiCommand {
    /// Add a custom emoji from an image file (PNG, GIF, WebP or JPEG, at most
    /// 256 KiB; animated GIFs stay animated): `roost admin emoji add blobcat blobcat.png`.
    Add {
        /// The shortcode, without colons (letters, digits, `_`).
        name: String,
        /// The image file.
        file: std::path::PathBuf,
        /// The group clients show it under in their pickers.
        #[arg(long)]
        category: Option<String>,
    },
    /// List this server's custom emoji.
    List,
    /// Remove a custom emoji (posts that name it show its `:shortcode:` again).
    Remove {
        /// The shortcode.
        name: String,
    },
}

pub async fn run(config: Config, command: AdminCommand) -> Result<()> {
    let app = AppState::open(config).await?;
    let result = match command {
        AdminCommand::CreateAccount {
            username,
            email,
            password,
            role,
        } => {
            let role = Role::parse(&role).unwrap_or(Role::User);
            let registration = Registration {
                username: &username,
                email: &email,
                password: &password,
                role,
                locale: "en",
                approved: true,
                // An operator vouches for the address.
                confirmed: true,
                allow_reserved: true,
                reason: None,
                app_id: None,
            };
            accounts::register(&app, registration).await.map(|account| {
                println!(
                    "created account @{} (id {}, role {})",
                    account.username,
                    account.id,
                    role.as_str()
                );
            })
        }
        AdminCommand::DeleteIpBlock { ip } => {
            crate::service::moderation::sign_up_blocks::delete_ip_block_by_range(&app, &ip)
                .await
                .map(|range| println!("lifted the IP block on {range}"))
        }
        AdminCommand::Emoji { command } => emoji(&app, command).await,
        AdminCommand::DeleteAccount { username } => {
            match app.store.get_local_account_by_username(&username).await {
                Ok(Some(account)) => accounts::delete_account(&app, &account)
                    .await
                    .map(|()| println!("deleted account @{}", account.username)),
                Ok(None) => Err(crate::error::Error::unprocessable(format!(
                    "no local account @{username}"
                ))),
                Err(e) => Err(e),
            }
        }
    };
    app.store.close().await;
    result
}

async fn emoji(app: &AppState, command: EmojiCommand) -> Result<()> {
    use crate::service::emojis;
    match command {
        EmojiCommand::Add {
            name,
            file,
            category,
        } => {
            let meta = tokio::fs::metadata(&file).await.map_err(|e| {
                crate::error::Error::unprocessable(format!("cannot read {}: {e}", file.display()))
            })?;
            // Checked before reading, so a huge file is not read at all.
            if meta.len() > crate::media::process::EMOJI_MAX_BYTES {
                return Err(crate::error::Error::unprocessable(format!(
                    "{} is larger than 256 KiB",
                    file.display()
                )));
            }
            let bytes = tokio::fs::read(&file).await.map_err(|e| {
                crate::error::Error::unprocessable(format!("cannot read {}: {e}", file.display()))
            })?;
            let e = emojis::add_local(app, &name, bytes, category.as_deref()).await?;
            println!("added :{}: ({})", e.shortcode, e.content_type);
            Ok(())
        }
        EmojiCommand::List => {
            for e in emojis::local(app).await? {
                println!(
                    ":{}:\t{}\t{}",
                    e.shortcode,
                    e.category.as_deref().unwrap_or("-"),
                    emojis::image_url(app, &e).unwrap_or_default()
                );
            }
            Ok(())
        }
        EmojiCommand::Remove { name } => emojis::remove_local(app, &name)
            .await
            .map(|e| println!("removed :{}:", e.shortcode)),
    }
}
