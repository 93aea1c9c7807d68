//! The application state that handlers share: the database, the settings, the caches and the
//! live message channel. Only `main.rs`, `app.rs` and `api/` name it; the layers below take the
//! narrow part they need (`auth::AuthState`, a `Db`, a `Config`).

use std::sync::Arc;

use axum::extract::FromRef;

use crate::auth::AuthState;
use crate::config::Config;
use crate::store::Db;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub tokens: Arc<crate::auth::cache::TokenCache>,
    /// The OpenID provider's discovery document, fetched on first use.
    pub oidc: Arc<crate::auth::oidc::Discovery>,
    /// The shared cache (Redis, or in-process) and the messages replicas send each other.
    pub cache: Arc<dyn crate::cache::Cache>,
    /// This process's own small cache, in front of `cache` for values that never change (a run's
    /// owner), so the trace requests of a busy run need no round trip at all.
    pub local: Arc<crate::cache::memory::MemoryCache>,
    pub incoming: tokio::sync::broadcast::Sender<crate::cache::Incoming>,
    /// Sends messages to every replica, in batches.
    pub publisher: crate::live::Publisher,
    /// Turns true when the server shuts down, so endless responses (event streams) end and the
    /// graceful shutdown does not wait for them.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Seals and opens stored secrets (`TOWER_CRYPTO_SECRETKEY`).
    pub keyring: Arc<crate::domain::crypto::Keyring>,
}

impl AppState {
    /// Must run inside the runtime: with Redis, it starts the subscriber to the message channel.
    pub fn new(db: Db, config: Config) -> anyhow::Result<Self> {
        let shared = crate::cache::connect(&config)?;
        let keyring =
            crate::domain::crypto::Keyring::new(config.crypto_secret_key.as_deref(), config.crypto_previous_secret_key.as_deref());
        let publisher = crate::live::Publisher::start(shared.cache.clone(), shared.incoming.clone());
        let state = AppState {
            db,
            config: Arc::new(config),
            tokens: Default::default(),
            oidc: Default::default(),
            cache: shared.cache,
            local: Arc::new(crate::cache::memory::MemoryCache::new(tokio::sync::broadcast::channel(1).0)),
            incoming: shared.incoming,
            publisher,
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
            keyring: Arc::new(keyring),
        };
        tokio::spawn(crate::live::forget_revoked_tokens(state.tokens.clone(), state.incoming.subscribe()));
        Ok(state)
    }

    /// What sign-in and the caller checks need.
    pub fn auth(&self) -> AuthState {
        AuthState {
            db: self.db.clone(),
            config: self.config.clone(),
            tokens: self.tokens.clone(),
            oidc: self.oidc.clone(),
            cache: self.cache.clone(),
        }
    }

    /// What submits, watches and cancels head jobs.
    pub fn launcher(&self) -> crate::launch::submit::Launcher<'_> {
        crate::launch::submit::Launcher {
            db: &self.db,
            keyring: &self.keyring,
            api_url: &self.config.launch_api_url,
            server_url: &self.config.server_url,
            local_enabled: self.config.enable_local_platform,
        }
    }

    /// Tells every replica about something (a change to a run, a revoked token).
    pub fn publish(&self, message: crate::live::Message) {
        self.publisher.send(message);
    }

    /// Tells every replica's viewers about a change to a run.
    pub fn announce(
        &self,
        kind: crate::live::LiveEventType,
        run: &crate::store::workflow::RunOwner,
        status: Option<&str>,
        progress: Option<&crate::domain::trace::ProgressSnapshot>,
    ) {
        let event = crate::live::LiveEvent::new(kind, &run.id, run.owner_id, run.workspace_id, status, progress);
        self.publish(crate::live::Message::Run { event });
    }
}

impl FromRef<AppState> for AuthState {
    fn from_ref(s: &AppState) -> Self {
        s.auth()
    }
}
