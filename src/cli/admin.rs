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
