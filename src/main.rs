//! The `bangfu` command: serve, migrate, seed, worker, openapi.

use std::io::IsTerminal;

use bangfu::config::Config;
use bangfu::worker::Worker;
use clap::{Parser, Subcommand};
use migrations::MigratorTrait;
use tokio::sync::watch;

/// Bangfu (帮扶): a consumption-assistance marketplace.
#[derive(Parser)]
#[command(name = "bangfu", version, about)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the JSON API under /api and the web frontend at /.
    Serve {
        /// Apply pending migrations before serving (default on SQLite, the embedded mode).
        #[arg(long)]
        migrate: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load reference data (regions, pairings, categories); with --demo, the demo data set too.
    Seed {
        /// Load the demo organisations, people, logins and catalogue.
        #[arg(long)]
        demo: bool,
        /// With --demo: add synthetic listings until the catalogue has this many more products
        /// than the demo listings (e.g. 10000 for the benchmarks).
        #[arg(long, default_value_t = 0)]
        products: u64,
    },
    /// Run background jobs without serving HTTP.
    Worker {
        /// Run the jobs due now, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut cli = Cli::parse();
    cli.config = cli.config.normalised();
    bangfu::telemetry::init(cli.config.log_format);
    match cli.command {
        Command::Serve { migrate } => serve(cli.config, migrate).await,
        Command::Migrate => {
            let db = bangfu::db::connect(&cli.config).await?;
            bangfu::db::migrate(&db).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed { demo, products } => seed(cli.config, demo, products).await,
        Command::Worker { once } => worker(cli.config, once).await,
        Command::Openapi => {
            println!(
                "{}",
                serde_json::to_string_pretty(&bangfu::app::openapi_document())?
            );
            Ok(())
        }
    }
}

async fn ensure_migrated(
    config: &Config,
    migrate: bool,
) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = bangfu::db::connect(config).await?;
    if migrate || config.is_sqlite() {
        bangfu::db::migrate(&db).await?;
    } else {
        let pending = migrations::Migrator::get_pending_migrations(&db).await?;
        anyhow::ensure!(
            pending.is_empty(),
            "{} pending migration(s): run `bangfu migrate` first",
            pending.len()
        );
    }
    Ok(db)
}

async fn serve(config: Config, migrate: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let db = ensure_migrated(&config, migrate).await?;
    let state = bangfu::app::build_with_db(config.clone(), db, bangfu::app::jobs()).await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let worker = config
        .embedded_worker
        .then(|| tokio::spawn(Worker::new(state.clone()).run(stop_rx.clone())));
    let indexer = tokio::spawn(bangfu::catalog::run_indexer(
        state.clone(),
        std::time::Duration::from_millis(300),
        stop_rx,
    ));
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    tracing::info!(
        addr = %listener.local_addr()?,
        database = if config.is_sqlite() { "sqlite" } else { "postgres" },
        redis = state.redis.is_some(),
        startup_ms = started.elapsed().as_millis() as u64,
        "bangfu listening"
    );
    let app = bangfu::router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    let _ = stop_tx.send(true);
    if let Some(handle) = worker {
        let _ = handle.await;
    }
    let _ = indexer.await;
    tracing::info!("bangfu stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

async fn seed(config: Config, demo: bool, products: u64) -> anyhow::Result<()> {
    let db = ensure_migrated(&config, false).await?;
    let media = bangfu::media::Media::from_config(&config)?;
    let report = if demo {
        bangfu::seed::demo(&db, &media, std::io::stderr().is_terminal(), products).await?
    } else {
        bangfu::seed::reference(&db).await?
    };
    println!(
        "inserted: {} regions, {} pairings, {} categories, {} organisations, {} users, {} roles, {} roster members, {} products{}",
        report.regions,
        report.pairings,
        report.categories,
        report.organizations,
        report.users,
        report.roles,
        report.roster,
        report.products,
        if report.is_empty() {
            " (already seeded; nothing changed)"
        } else {
            ""
        }
    );
    if demo {
        println!(
            "\n演示账号 Demo logins (password / 密码: {}):",
            bangfu::seed::DEMO_PASSWORD
        );
        for (login, what) in bangfu::seed::DEMO_LOGINS {
            println!("  {login:<12} {what}");
        }
    }
    Ok(())
}

async fn worker(config: Config, once: bool) -> anyhow::Result<()> {
    let db = ensure_migrated(&config, false).await?;
    let state = bangfu::app::build_with_db(config, db, bangfu::app::jobs()).await?;
    let worker = Worker::new(state);
    if once {
        let n = worker.drain().await?;
        tracing::info!(jobs = n, "worker ran the due jobs");
        return Ok(());
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let handle = tokio::spawn(worker.run(stop_rx));
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    let _ = handle.await;
    Ok(())
}
