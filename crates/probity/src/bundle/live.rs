//! The store-backed commands: `audit export` (sign a checkpoint if the log grew, then write the
//! bundle), `audit verify` (the bundle checks over the live store), `ledger append` (an
//! operator's smoke test of the append path) and `ledger key` (the log's verifier key).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use probity_core::ledger::checkpoint_origin;
use tokio::task::JoinSet;

use super::check::{PayloadCheck, check};
use super::export::{Tiles, load, write_bundle};
use super::unusable;
use crate::config::Config;
use crate::wiring::Services;

/// Appends in flight at once (below the sequencer's queue capacity).
const APPEND_WINDOW: usize = 1_024;

/// `probity audit export --tenant T --out DIR`.
pub async fn export(s: &Services, config: &Config, slug: &str, out: &Path) -> anyhow::Result<()> {
    let tenant = s.platform.tenant(slug).await?;
    let origin = checkpoint_origin(&config.public_host(), &tenant.slug);
    if let Some(signed) = s.ledger.sign_checkpoint(tenant.id, &origin).await? {
        eprintln!("signed checkpoint at size {}", signed.size);
    }
    let latest = s.store.latest_checkpoint(tenant.id).await?.ok_or_else(|| {
        unusable(format!(
            "the log of tenant {slug} is empty: nothing to export"
        ))
    })?;
    let mut log = load(s, tenant.id, latest.size, Tiles::All).await?;
    if let Some((seq, reason)) = log.unreadable_payloads.first() {
        return Err(super::damaged(format!(
            "entry {seq}: payload altered ({reason}); run `probity audit verify --tenant {slug}`"
        ))
        .into());
    }
    // The exported checkpoint carries the witness cosignatures collected for it.
    let latest = s.ledger.with_cosignatures(tenant.id, latest).await?;
    log.latest = Some(latest.signed_note.clone());
    let key = s.ledger.verifier_key(&origin).await?;
    write_bundle(out, &log, &[key.to_text()])?;
    println!(
        "exported {} entries of {slug} at checkpoint size {} (root {}) to {}",
        log.entries.len(),
        latest.size,
        latest.root.to_hex(),
        out.display()
    );
    Ok(())
}

/// `probity ledger key --tenant T`.
pub async fn key(s: &Services, config: &Config, slug: &str) -> anyhow::Result<()> {
    let tenant = s.platform.tenant(slug).await?;
    let origin = checkpoint_origin(&config.public_host(), &tenant.slug);
    println!("{}", s.ledger.verifier_key(&origin).await?.to_text());
    Ok(())
}

/// `probity audit verify --tenant T`.
pub async fn verify(
    s: &Services,
    config: &Config,
    slug: &str,
    trusted: Option<&Path>,
) -> anyhow::Result<()> {
    let trusted = trusted.map(super::verify::read_text).transpose()?;
    let tenant = s.platform.tenant(slug).await?;
    let Some(head) = s.store.ledger_head(tenant.id).await? else {
        println!("verified: 0 entries (the log of {slug} is empty)");
        return Ok(());
    };
    let origin = checkpoint_origin(&config.public_host(), &tenant.slug);
    let key = s.ledger.verifier_key(&origin).await?;
    let mut log = load(s, tenant.id, head.size, Tiles::StoredFull).await?;
    log.head_root = Some(head.root);
    log.latest = s
        .store
        .latest_checkpoint(tenant.id)
        .await?
        .map(|c| c.signed_note);
    let progress = super::Progress::for_check();
    let verdict = check(
        &log,
        &key,
        trusted.as_deref(),
        PayloadCheck::Loaded,
        &|step| progress.step(step),
    );
    progress.finish();
    let verdict = verdict?;
    if trusted.is_some() {
        eprintln!("consistent with the trusted checkpoint");
    }
    match verdict.key {
        Some(key) => println!(
            "verified: {} entries, root {}, checkpoint signed by {key}",
            verdict.entries,
            verdict.root.to_hex()
        ),
        None => println!(
            "verified: {} entries, root {}, no checkpoint signed yet",
            verdict.entries,
            verdict.root.to_hex()
        ),
    }
    Ok(())
}

/// `probity ledger append`: appends `count` events of `kind` with the payload `json`.
pub async fn append(
    s: &Services,
    slug: &str,
    kind: &str,
    json: &str,
    count: u64,
) -> anyhow::Result<()> {
    let tenant = s.platform.tenant(slug).await?;
    let payload: serde_json::Value =
        serde_json::from_str(json).map_err(|e| unusable(format!("--json: not JSON: {e}")))?;
    let payload = Arc::new(payload);
    let mut running = JoinSet::new();
    let (mut first, mut last) = (None::<u64>, None::<u64>);
    let mut note = |seq: u64| {
        first = Some(first.map_or(seq, |f| f.min(seq)));
        last = Some(last.map_or(seq, |l| l.max(seq)));
    };
    for _ in 0..count {
        if running.len() >= APPEND_WINDOW
            && let Some(done) = running.join_next().await
        {
            note(done.context("append task")??);
        }
        let ledger = Arc::clone(&s.ledger);
        let payload = Arc::clone(&payload);
        let kind = kind.to_owned();
        let id = tenant.id;
        running.spawn(async move { ledger.append(id, &kind, &payload).await });
    }
    while let Some(done) = running.join_next().await {
        note(done.context("append task")??);
    }
    match (first, last) {
        (Some(first), Some(last)) if first == last => println!("appended entry {first}"),
        (Some(first), Some(last)) => println!("appended entries {first}..={last}"),
        _ => return Err(unusable("nothing appended: --count is 0").into()),
    }
    Ok(())
}
