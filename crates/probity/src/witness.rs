//! `probity witness ...`: run a C2SP tlog-witness so an auditor can cosign a Probity install's
//! checkpoints (or any log's). Its state lives in the data directory: `witness-key` (the
//! Ed25519 cosigning key, 0600, created on first use) and `witness.db` (known logs and the
//! latest checkpoint cosigned for each, ADR 0008).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Subcommand;
use probity_core::DomainError;
use probity_core::witness::WitnessService;
use probity_ledger::cosignature::CosignatureSigner;

use crate::output::{self, Format};
use crate::wiring;

/// Key name of a witness created without `--name`.
const DEFAULT_NAME: &str = "probity-witness";

/// `probity witness <verb>`.
#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Serve `POST /add-checkpoint` (C2SP tlog-witness) until SIGTERM or SIGINT.
    Serve {
        /// Listen address, host:port (port 0 picks a free one; the address is printed).
        #[arg(long, default_value = "127.0.0.1:7380")]
        listen: String,
        /// Key name when the key is created (a schema-less URL such as witness.example.com/w1).
        #[arg(long)]
        name: Option<String>,
    },
    /// Print the witness's verifier key (`<name>+<hex id>+<base64(0x04 || key)>`) for logs and
    /// verifiers to configure; creates the key on first use.
    Key {
        /// Key name when the key is created.
        #[arg(long)]
        name: Option<String>,
    },
    /// Start cosigning for a log.
    AddLog {
        /// The log's verifier key (`probity ledger key --tenant T` prints a tenant's).
        #[arg(long)]
        key: String,
        /// The log's checkpoint origin (default: the key's name, as for Probity's logs).
        #[arg(long)]
        origin: Option<String>,
    },
    /// List known logs and the latest size cosigned for each.
    Logs,
}

fn key_path(dir: &Path) -> PathBuf {
    dir.join("witness-key")
}

fn db_path(dir: &Path) -> PathBuf {
    dir.join("witness.db")
}

/// Loads the cosigning key, creating it (mode 0600) when missing.
fn load_or_create_key(dir: &Path, name: Option<&str>) -> anyhow::Result<CosignatureSigner> {
    let path = key_path(dir);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let signer = CosignatureSigner::from_secret_text(&text)
            .with_context(|| format!("{} is not a witness key", path.display()))?;
        if let Some(name) = name.filter(|n| *n != signer.name()) {
            bail!(DomainError::invalid(
                "--name",
                format!(
                    "the witness key in {} is named {:?}, not {name:?}",
                    path.display(),
                    signer.name()
                )
            ));
        }
        return Ok(signer);
    }
    let name = name.unwrap_or(DEFAULT_NAME);
    let signer = CosignatureSigner::generate(name, &mut rand_core::OsRng)
        .map_err(|e| DomainError::invalid("--name", e.to_string()))?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(format!("{}\n", signer.to_secret_text()).as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::warn!(path = %path.display(), "generated a new witness key: back this file up");
    Ok(signer)
}

async fn service(dir: &Path, name: Option<&str>) -> anyhow::Result<WitnessService> {
    let signer = load_or_create_key(dir, name)?;
    let db = probity_store::WitnessDb::open(&db_path(dir))
        .await
        .context("witness database")?;
    Ok(WitnessService::new(
        Arc::new(db),
        signer,
        wiring::system_clock(),
    ))
}

/// Runs a witness command with `data_dir` as the witness's directory.
pub async fn run(command: WitnessCommand, data_dir: &Path, format: Format) -> anyhow::Result<()> {
    match command {
        WitnessCommand::Key { name } => {
            let signer = load_or_create_key(data_dir, name.as_deref())?;
            println!("{}", signer.verifier_key());
        }
        WitnessCommand::AddLog { key, origin } => {
            let witness = service(data_dir, None).await?;
            let log = witness.add_log(&key, origin.as_deref()).await?;
            eprintln!("witnessing {}", log.origin);
        }
        WitnessCommand::Logs => {
            let witness = service(data_dir, None).await?;
            let logs = witness.logs().await?;
            let rows = logs
                .iter()
                .map(|l| {
                    vec![
                        l.origin.clone(),
                        l.size.to_string(),
                        l.updated_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    ]
                })
                .collect();
            let shown: Vec<_> = logs
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "origin": l.origin,
                        "verifier_key": l.verifier_key,
                        "size": l.size,
                        "root": l.root.to_base64(),
                        "updated_at": l.updated_at,
                    })
                })
                .collect();
            output::print(format, &shown, &["origin", "size", "cosigned"], rows);
        }
        WitnessCommand::Serve { listen, name } => {
            let addr: std::net::SocketAddr = listen.parse().map_err(|_| {
                DomainError::invalid(
                    "--listen",
                    "host:port with an IP address, such as 127.0.0.1:7380",
                )
            })?;
            let witness = Arc::new(service(data_dir, name.as_deref()).await?);
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("--listen: cannot listen on {addr}"))?;
            let local = listener.local_addr().context("local address")?;
            println!(
                "witness {} listening on http://{local}",
                witness.verifier_key()
            );
            std::io::stdout().flush().ok();
            tracing::info!(address = %local, key = %witness.verifier_key(), "witness listening");
            let app = probity_server::witness_api::witness_app(witness);
            probity_server::serve(listener, app, crate::serve::shutdown_signal())
                .await
                .context("witness server")?;
            tracing::info!("witness stopped");
        }
    }
    Ok(())
}
