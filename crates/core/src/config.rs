//! Settings from flags and `PORTICO_*` environment variables, parsed once into typed values.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::attachments::settings::AttachmentSettings;
use crate::events::DispatchSettings;
use crate::mail::settings::MailSettings;
use crate::proxies::TrustedProxies;
use crate::secret_key::SecretKey;
use portico_domain::portal::address::{PortalAddress, PortalAddressing};
use portico_domain::portal::document::PortalSettings;

/// Where the data lives: shared by `serve` and every other command, so the CLI works on the
/// same database as a running server.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Directory for the embedded database and the generated secret key.
    #[arg(long, env = "PORTICO_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Database URL: `postgres://user:pass@host/db` for PostgreSQL, `sqlite://path` for SQLite.
    /// Default: the SQLite file `portico.db` in the data directory, created on first run.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,
}

impl StorageArgs {
    /// The database URL to open, creating the data directory for the embedded default.
    pub fn resolve_database_url(&self) -> anyhow::Result<SecretString> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        crate::private_files::ensure_dir(&self.data_dir)?;
        let file = self.data_dir.join("portico.db");
        crate::private_files::create_file(&file)
            .map_err(|e| anyhow::anyhow!("cannot create the database file {}: {e}", file.display()))?;
        Ok(SecretString::from(format!("sqlite://{}?mode=rwc", file.display())))
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub storage: StorageArgs,

    /// Address to listen on.
    #[arg(long, env = "PORTICO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// The address people reach Portico at (default: http://{addr}). Cookies are marked
    /// Secure when it is https.
    #[arg(long, env = "PORTICO_PUBLIC_URL")]
    pub public_url: Option<Url>,

    /// Key material (at least 32 characters) for encrypting secrets and signing. When absent,
    /// a random key is generated once into `{data_dir}/secret.key`. Every instance sharing a
    /// database must use the same key.
    #[arg(long, env = "PORTICO_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<SecretString>,

    /// Seed a demo MSP (customers, groups, team members) unless data exists, and print an
    /// admin sign-in.
    #[arg(long)]
    pub demo: bool,

    /// Console sessions end after this many minutes without a request.
    #[arg(long, env = "PORTICO_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: u64,

    /// Console sessions end this many hours after sign-in, however active.
    #[arg(long, env = "PORTICO_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u64,

    /// Database connections per instance (default: 4 for SQLite, 10 for PostgreSQL).
    #[arg(long, env = "PORTICO_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,

    /// End users' portal sessions end after this many minutes without a request.
    #[arg(long, env = "PORTICO_PORTAL_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub portal_session_idle_minutes: u64,

    /// End users' portal sessions end this many hours after sign-in, however active.
    #[arg(long, env = "PORTICO_PORTAL_SESSION_MAX_HOURS", default_value_t = 12)]
    pub portal_session_max_hours: u64,

    /// Serve portals as `https://{slug}.{domain}` (a wildcard DNS name pointing at Portico)
    /// instead of `{public_url}/p/{slug}`; path mode keeps working.
    #[arg(long, env = "PORTICO_PORTAL_DOMAIN")]
    pub portal_domain: Option<String>,

    /// Allow identity providers on plain http or on loopback/private addresses. Only for tests
    /// and demos: in production IdPs are reached over https on public addresses.
    #[arg(long, env = "PORTICO_ALLOW_INSECURE_IDP", default_value_t = false, value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_insecure_idp: bool,

    /// Reverse proxies (addresses or CIDR ranges, comma-separated) whose `X-Forwarded-For` names
    /// the client, for sign-in rate limits. Empty: the connecting address is the client.
    #[arg(long, env = "PORTICO_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,

    /// Seconds an instance keeps the right to deliver events to a consumer without renewing it;
    /// after a crash another instance takes over when it runs out.
    #[arg(long, env = "PORTICO_EVENT_LEASE_SECONDS", default_value_t = 10, hide = true)]
    pub event_lease_seconds: u64,

    /// Deliver events to consumers only once they are this many milliseconds old. For tests that
    /// stop a process between a change and its delivery; zero in production.
    #[arg(long, env = "PORTICO_EVENT_DELIVERY_DELAY_MS", default_value_t = 0, hide = true)]
    pub event_delivery_delay_ms: u64,

    /// Seconds between writes of the article views counted in memory (they are written at a
    /// graceful stop too; a crash loses at most this many seconds of views).
    #[arg(long, env = "PORTICO_ARTICLE_VIEWS_FLUSH_SECONDS", default_value_t = 5, hide = true)]
    pub article_views_flush_seconds: u64,

    /// Bearer token Prometheus must send to read `/metrics`. Without it `/metrics` is refused:
    /// behind a reverse proxy on the same host every request looks local, so "loopback only"
    /// would not protect it.
    #[arg(long, env = "PORTICO_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,

    #[command(flatten)]
    pub mail: crate::mail::settings::MailArgs,

    #[command(flatten)]
    pub attachments: crate::attachments::settings::AttachmentArgs,

    #[command(flatten)]
    pub console_sso: crate::auth::console_sso::ConsoleSsoArgs,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "PORTICO_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

/// Limits on failed console sign-ins, counted over a sliding window in the database.
#[derive(Debug, Clone)]
pub struct SignInLimits {
    pub window: Duration,
    pub per_account: i64,
    pub per_address: i64,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self { window: Duration::from_secs(15 * 60), per_account: 5, per_address: 30 }
    }
}

/// Everything the running service needs to know, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub public_url: Url,
    pub data_dir: PathBuf,
    pub database_url: SecretString,
    pub secret_key: SecretKey,
    pub session_idle: Duration,
    pub session_max: Duration,
    pub sign_in_limits: SignInLimits,
    /// As set; `None` takes the database's own default ([`portico_store::Backend::default_connections`]).
    pub db_max_connections: Option<u32>,
    pub portal_session_idle: Duration,
    pub portal_session_max: Duration,
    /// `help.example.com` serves `{slug}.help.example.com`.
    pub portal_domain: Option<String>,
    pub allow_insecure_idp: bool,
    /// With `serve --demo`: the built-in provider's issuer, the one provider allowed at a local
    /// plain-http address (see [`crate::sso::outbound::Outbound::with_exception`]).
    pub demo_idp_issuer: Option<String>,
    pub trusted_proxies: TrustedProxies,
    /// How events reach their consumers.
    pub events: DispatchSettings,
    /// How often article views counted in memory are written.
    pub article_views_flush: Duration,
    /// What `/metrics` requires as a bearer token; none: `/metrics` is refused.
    pub metrics_token: Option<SecretString>,
    /// Notifications out, replies and new tickets in.
    pub mail: MailSettings,
    /// Where ticket attachments live, and their limits.
    pub attachments: AttachmentSettings,
    /// Console sign-in through the MSP's own identity provider, when configured.
    pub console_sso: Option<crate::auth::console_sso::ConsoleSso>,
    /// Whether the console still takes passwords.
    pub console_password_sign_in: bool,
}

impl Config {
    pub fn from_args(args: &ServeArgs) -> anyhow::Result<Self> {
        let public_url = match &args.public_url {
            Some(url) => normalise_public_url(url.clone())?,
            None => Url::parse(&format!("http://{}", args.addr))?,
        };
        if args.session_idle_minutes == 0 || args.session_max_hours == 0 {
            anyhow::bail!("session timeouts must be at least one minute / one hour");
        }
        let secret_key = match &args.secret_key {
            Some(material) => SecretKey::from_material(material.expose_secret())?,
            None => SecretKey::load_or_create(&args.storage.data_dir.join("secret.key"))?,
        };
        let (console_sso, console_password_sign_in) =
            crate::auth::console_sso::ConsoleSso::from_args(&args.console_sso, args.allow_insecure_idp)?;
        Ok(Self {
            addr: args.addr,
            public_url,
            data_dir: args.storage.data_dir.clone(),
            database_url: args.storage.resolve_database_url()?,
            secret_key,
            session_idle: Duration::from_secs(args.session_idle_minutes * 60),
            session_max: Duration::from_secs(args.session_max_hours * 3600),
            sign_in_limits: SignInLimits::default(),
            db_max_connections: args.db_max_connections,
            portal_session_idle: Duration::from_secs(args.portal_session_idle_minutes.max(1) * 60),
            portal_session_max: Duration::from_secs(args.portal_session_max_hours.max(1) * 3600),
            portal_domain: args
                .portal_domain
                .as_deref()
                .map(|d| d.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|d| !d.is_empty()),
            allow_insecure_idp: args.allow_insecure_idp,
            demo_idp_issuer: None,
            console_sso,
            console_password_sign_in,
            trusted_proxies: TrustedProxies::parse(&args.trusted_proxies)
                .map_err(|error| anyhow::anyhow!("PORTICO_TRUSTED_PROXIES: {error}"))?,
            events: DispatchSettings {
                lease: Duration::from_secs(args.event_lease_seconds.max(1)),
                delivery_delay: Duration::from_millis(args.event_delivery_delay_ms),
                ..DispatchSettings::default()
            },
            article_views_flush: Duration::from_secs(args.article_views_flush_seconds.max(1)),
            metrics_token: args.metrics_token.clone().filter(|t| !t.expose_secret().trim().is_empty()),
            mail: MailSettings::from_args(&args.mail)?,
            attachments: AttachmentSettings::from_args(&args.attachments, &args.storage.data_dir)?,
        })
    }

    /// The settings of a one-off command (team members, tokens): the server's, as its
    /// environment sets them, over `storage`, so a command changes data exactly as the running
    /// server would, through the same use cases.
    pub fn for_commands(storage: &StorageArgs) -> anyhow::Result<Self> {
        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let mut args = <Defaults as clap::Parser>::try_parse_from(["portico"])?.serve;
        args.storage = storage.clone();
        Self::from_args(&args)
    }

    /// Records the address the listener really got (`--addr 127.0.0.1:0` asks the system for a free
    /// port). A public URL that was only the listen address follows it; a configured one stays.
    pub fn listening_on(&mut self, bound: SocketAddr) {
        let defaulted = Url::parse(&format!("http://{}", self.addr)).is_ok_and(|url| url == self.public_url);
        if defaulted && let Ok(url) = Url::parse(&format!("http://{bound}")) {
            self.public_url = url;
        }
        self.addr = bound;
    }

    /// Cookies get `Secure` when people reach Portico over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// How this deployment addresses portals (path mode, subdomains, custom domains).
    pub fn addressing(&self) -> PortalAddressing {
        PortalAddressing::new(self.public_url.clone(), self.portal_domain.clone())
    }

    /// Where end users reach a portal (its canonical address).
    pub fn portal_address(&self, settings: &PortalSettings) -> PortalAddress {
        self.addressing().address(&settings.slug, settings.custom_domain.as_ref())
    }

    /// The portal's address to share, with a trailing slash.
    pub fn portal_url(&self, settings: &PortalSettings) -> String {
        self.portal_address(settings).url()
    }

    /// The callback URL of an SSO configuration, to register at the IdP.
    pub fn sso_redirect_uri(&self, settings: &PortalSettings, sso_id: uuid::Uuid) -> String {
        self.portal_address(settings).sso_redirect_uri(sso_id)
    }

    /// An absolute URL for a local path, for links shown to people (e.g. printed by the CLI).
    pub fn url_for(&self, path: &str) -> String {
        format!("{}{}", self.public_url.as_str().trim_end_matches('/'), path)
    }
}

fn normalise_public_url(url: Url) -> anyhow::Result<Url> {
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        anyhow::bail!("PORTICO_PUBLIC_URL must be an http(s) URL, got {url}");
    }
    if url.query().is_some() || url.fragment().is_some() {
        anyhow::bail!("PORTICO_PUBLIC_URL must not have a query or fragment");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Harness {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> ServeArgs {
        let mut argv = vec!["portico"];
        argv.extend_from_slice(args);
        Harness::parse_from(argv).serve
    }

    #[test]
    fn the_public_url_defaults_to_the_listen_address() {
        let dir = std::env::temp_dir().join(format!("portico-config-{}", uuid::Uuid::now_v7()));
        let args = parse(&[
            "--data-dir",
            dir.to_str().unwrap(),
            "--addr",
            "127.0.0.1:9999",
            "--secret-key",
            "0123456789abcdef0123456789abcdef",
        ]);
        let config = Config::from_args(&args).unwrap();
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:9999/");
        assert!(!config.secure_cookies());
        assert_eq!(config.url_for("/admin"), "http://127.0.0.1:9999/admin");
        assert!(config.database_url.expose_secret().ends_with("portico.db?mode=rwc"));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_public_url_taken_from_port_zero_follows_the_port_the_listener_got() {
        let dir = std::env::temp_dir().join(format!("portico-config-{}", uuid::Uuid::now_v7()));
        let key = ["--secret-key", "0123456789abcdef0123456789abcdef"];
        let data = ["--data-dir", dir.to_str().unwrap()];
        let bound: SocketAddr = "127.0.0.1:41234".parse().unwrap();

        let mut defaulted =
            Config::from_args(&parse(&[&data[..], &key[..], &["--addr", "127.0.0.1:0"]].concat())).unwrap();
        defaulted.listening_on(bound);
        assert_eq!(defaulted.public_url.as_str(), "http://127.0.0.1:41234/");
        assert_eq!(defaulted.addr, bound);

        let configured = ["--addr", "127.0.0.1:0", "--public-url", "https://help.example.com"];
        let mut configured =
            Config::from_args(&parse(&[&data[..], &key[..], &configured[..]].concat())).unwrap();
        configured.listening_on(bound);
        assert_eq!(configured.public_url.as_str(), "https://help.example.com/", "what was configured stays");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_public_url_that_is_not_http_is_refused() {
        let url = Url::parse("ftp://portal.example").unwrap();
        assert!(normalise_public_url(url).is_err());
        let https = Url::parse("https://portal.example").unwrap();
        assert!(normalise_public_url(https).is_ok());
    }
}
