//! The `portico` command: parses the command line, sets up logging, and hands each command to
//! the module that does it (serving in `app`, the others in `cli`, `demo` and `backup`).

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use portico::app;
use portico::config::{Config, ServeArgs, StorageArgs};
use portico::core::Context as Core;
use portico::demo_idp::DemoIdp;
use portico::store::{Store, StoreOptions, redact};
use portico::web::state::AppState;
use portico::{cli, demo};
use secrecy::ExposeSecret;
use tracing_subscriber::EnvFilter;

/// glibc's allocator was a tenth of a portal page's time under load (its arenas' locks and
/// consolidation, profiled with `bench/run --perf`); mimalloc's thread-local pages are not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Portico: self-service End User Portals for managed service providers.
#[derive(Parser)]
#[command(name = "portico", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrations are applied on start).
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate(StorageArgs),
    /// Manage team members.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a consistent copy of the whole database to a new file, also while the server runs.
    ///
    /// SQLite is copied with VACUUM INTO and checked; PostgreSQL is dumped with pg_dump in its
    /// custom format (restore with pg_restore). Keep the secret key apart from the backup: SSO
    /// client secrets in it are encrypted under that key.
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long, short)]
        output: std::path::PathBuf,
        /// The pg_dump program to use for PostgreSQL (its major version must be at least the server's).
        #[arg(long, env = "PORTICO_PG_DUMP", default_value = "pg_dump")]
        pg_dump: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a team member and print a generated password once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// `admin` (everything) or `technician` (tickets, knowledge base, read settings).
        #[arg(long, value_parser = ["admin", "technician"])]
        role: String,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Set a new password for a team member (generated unless --password-stdin); ends their sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Remove a team member's two-step sign-in (a lost phone and lost recovery codes); ends their
    /// sessions. For when no other admin can do it in the console.
    ResetMfa {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a team member; the token is the last line printed.
    Create {
        /// The team member the token acts for.
        #[arg(long)]
        email: String,
        /// A label saying what the token is for.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// List a team member's API tokens (never the tokens themselves).
    List {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Revoke an API token, named by its id (or by the token itself).
    Revoke {
        /// The token id printed by `token create` or `token list`, or the token.
        id: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

fn init_logging(json: bool, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

fn read_password(from_stdin: bool) -> anyhow::Result<Option<String>> {
    if !from_stdin {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            init_logging(args.log_format == "json", "info,sqlx=warn");
            serve(*args).await
        }
        command => {
            init_logging(false, "warn");
            run_command(command).await
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = Config::from_args(&args)?;
    // Bound first: with port 0 the system picks the port, and the public URL (printed by the demo,
    // given to identity providers) must name the one it picked.
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    config.listening_on(listener.local_addr()?);
    let attachment_dir = match &config.attachments.store {
        portico::attachments::settings::StoreLocation::Local(dir) => Some(dir.as_path()),
        portico::attachments::settings::StoreLocation::S3(_) => None,
    };
    portico::private_files::warn_when_open(&config.data_dir, attachment_dir);
    let max_connections = config.db_max_connections.unwrap_or_else(|| {
        portico::store::Backend::from_url(config.database_url.expose_secret())
            .map_or(StoreOptions::default().max_connections, portico::store::Backend::default_connections)
    });
    let options = StoreOptions { max_connections, ..Default::default() };
    let store = cli::open_store(&args.storage, &options).await?;
    let demo_idp = match args.demo {
        true => Some(Arc::new(DemoIdp::new(
            &config.public_url,
            config.portal_domain.clone(),
            &config.secret_key,
        )?)),
        false => None,
    };
    if let Some(idp) = &demo_idp {
        config.demo_idp_issuer = Some(idp.issuer().to_string());
    }
    let database = store.backend().name();
    let core = Core::new(config, store.clone())?;
    if let Some(idp) = &demo_idp {
        start_demo(&core, idp).await?;
    }
    let config = core.config().clone();
    let shutdown = app::shutdown_signal().context("cannot install the signal handlers")?;
    tracing::info!(addr = %listener.local_addr()?, public_url = %config.public_url, database, "Portico is serving");
    let state = AppState::with_demo_idp(core, demo_idp);
    app::serve(listener, state, shutdown).await?;
    store.close().await;
    Ok(())
}

/// Demo mode: the built-in demo identity provider (at Portico's own address, the one provider
/// allowed at a local plain-http address), the demo data, and where to look first.
async fn start_demo(core: &Core, idp: &DemoIdp) -> anyhow::Result<()> {
    let config = core.config();
    let context = demo::DemoContext { idp };
    println!("Demo mode: the built-in demo identity provider signs end users in at {}", idp.issuer());
    match demo::seed(core, &context).await? {
        Some(sign_in) => {
            println!("Demo data created.");
            println!("Console:  {}", config.url_for("/admin"));
            println!("E-mail:   {}", sign_in.email);
            println!("Password: {}", sign_in.password);
        }
        None => {
            println!("Demo data not added: the database already has data.");
            println!("Console:  {}", config.url_for("/admin"));
            println!(
                "Sign in with an existing account (the demo admin is {}); a new password: portico admin reset-password --email {}",
                demo::ADMIN_EMAIL,
                demo::ADMIN_EMAIL
            );
        }
    }
    for (name, url) in demo::portal_addresses(core).await? {
        println!(
            "Portal:   {url}  ({name}; sign in as any of its people through the demo identity provider)"
        );
    }
    Ok(())
}

async fn run_command(command: Command) -> anyhow::Result<()> {
    let options = StoreOptions { max_connections: 2, ..Default::default() };
    match command {
        Command::Serve(_) => unreachable!("handled in main"),
        Command::Migrate(storage) => {
            cli::open_store(&storage, &options).await?;
            println!("Database is up to date.");
        }
        Command::Admin(AdminCommand::Create { email, name, role, password_stdin, storage }) => {
            let chosen = read_password(password_stdin)?;
            let cx = cli::open(&storage, &options).await?;
            let (member, password) = cli::create_team_member(&cx, &email, &name, &role, chosen).await?;
            println!("Created {} {} ({}).", member.role, member.name, member.email);
            if !password_stdin {
                println!("Password (shown once): {password}");
            }
        }
        Command::Admin(AdminCommand::ResetMfa { email, storage }) => {
            let cx = cli::open(&storage, &options).await?;
            cli::reset_mfa(&cx, &email).await?;
            println!("Two-step sign-in removed for {email}; their console sessions have ended.");
        }
        Command::Admin(AdminCommand::ResetPassword { email, password_stdin, storage }) => {
            let chosen = read_password(password_stdin)?;
            let cx = cli::open(&storage, &options).await?;
            let password = cli::reset_password(&cx, &email, chosen).await?;
            println!("Password changed for {email}; their console sessions have ended.");
            if !password_stdin {
                println!("New password (shown once): {password}");
            }
        }
        Command::Token(TokenCommand::Create { email, name, storage }) => {
            let cx = cli::open(&storage, &options).await?;
            let (info, token) = cli::create_token(&cx, &email, &name).await?;
            println!("Created API token {} ('{}') for {email}. It is shown only now:", info.id, info.label);
            println!("{token}");
        }
        Command::Token(TokenCommand::List { email, storage }) => {
            let cx = cli::open(&storage, &options).await?;
            for token in cli::list_tokens(&cx, &email).await? {
                let state = if token.revoked_at.is_some() { "revoked" } else { "active" };
                let used = match (token.last_used_at, token.last_used_ip.as_deref()) {
                    (Some(at), Some(ip)) => format!("last used {} from {ip}", at.date()),
                    (Some(at), None) => format!("last used {}", at.date()),
                    (None, _) => "never used".to_string(),
                };
                println!(
                    "{}  {state:7}  created {}  {used}  {}",
                    token.id,
                    token.created_at.date(),
                    token.label
                );
            }
        }
        Command::Backup { output, pg_dump, storage } => {
            // No migrations here: a backup copies the database as it is. Nor a new empty
            // database when pointed at the wrong folder: that would "back up" nothing.
            let embedded = storage.data_dir.join("portico.db");
            if storage.database_url.is_none() && !embedded.is_file() {
                anyhow::bail!(
                    "there is no database at {}: run the backup with the server's --data-dir or DATABASE_URL",
                    embedded.display()
                );
            }
            let url = storage.resolve_database_url()?;
            let store = Store::connect(url.expose_secret(), &options)
                .await
                .with_context(|| format!("cannot open the database at {}", redact(url.expose_secret())))?;
            let backup = portico::backup::back_up(&store, &url, &output, &pg_dump).await?;
            println!("Backup written to {} ({} bytes).", backup.path.display(), backup.bytes);
            println!("To restore: {}.", backup.restore_hint);
            println!("Keep the secret key safe and apart from the backup: SSO client secrets need it.");
        }
        Command::Token(TokenCommand::Revoke { id, storage }) => {
            let cx = cli::open(&storage, &options).await?;
            let info = cli::revoke_token(&cx, &id).await?;
            println!("Revoked API token {} ('{}').", info.id, info.label);
        }
    }
    Ok(())
}
