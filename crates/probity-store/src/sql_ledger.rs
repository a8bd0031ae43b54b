//! The SQL of the ledger store port, written once and expanded for each backend by
//! [`impl_ledger_store!`] (invoked from `impl_store!`, so every backend gets it).
//!
//! A group commit is one transaction: the compare-and-swap on `ledger_heads` comes first, so a
//! second writer either waits on the row lock and then finds the size moved (PostgreSQL), or
//! waits for the write lock (SQLite `BEGIN IMMEDIATE`); either way it writes nothing.

macro_rules! impl_ledger_store {
    (db = $db:ty, store = $store:ident $(,)?) => {
        mod ledger_impl {
        use super::$store;
        use async_trait::async_trait;
        use probity_core::ledger::{
            AppendBatch, AppendOutcome, LedgerStore, LogKeyRecord, StoredCheckpoint,
            StoredCosignature, StoredEntry, StoredPayload, TreeHead,
        };
        use probity_core::platform::TenantId;
        use probity_core::store::{StoreError, StoreResult};
        use probity_ledger::tile_builder::FullTile;
        use uuid::Uuid;
        use probity_ledger::{Hash, TileId};
        use sqlx::Row as _;

        use crate::error::{db, map_err};
        use crate::internal;

        type DbRow = <$db as sqlx::Database>::Row;

        fn to_i64(n: u64) -> StoreResult<i64> {
            i64::try_from(n).map_err(|_| internal(format!("ledger number {n} is too large")))
        }

        /// A read bound: numbers past i64::MAX name nothing the store can hold, so they saturate
        /// (and select no rows) instead of failing.
        fn read_bound(n: u64) -> i64 {
            i64::try_from(n).unwrap_or(i64::MAX)
        }

        fn to_u64(n: i64) -> StoreResult<u64> {
            u64::try_from(n).map_err(|_| internal(format!("stored ledger number {n} is negative")))
        }

        fn hash_of(bytes: &[u8]) -> StoreResult<Hash> {
            Hash::from_slice(bytes).map_err(internal)
        }

        fn head_from(row: &DbRow) -> StoreResult<TreeHead> {
            let root: Vec<u8> = row.try_get("root").map_err(db)?;
            Ok(TreeHead {
                size: to_u64(row.try_get("size").map_err(db)?)?,
                root: hash_of(&root)?,
            })
        }

        fn entry_from(row: &DbRow) -> StoreResult<StoredEntry> {
            let leaf: Vec<u8> = row.try_get("leaf_hash").map_err(db)?;
            Ok(StoredEntry {
                seq: to_u64(row.try_get("seq").map_err(db)?)?,
                envelope: row.try_get("envelope").map_err(db)?,
                leaf_hash: hash_of(&leaf)?,
            })
        }

        fn tile_from(row: &DbRow) -> StoreResult<FullTile> {
            let level: i64 = row.try_get("level").map_err(db)?;
            let level = u8::try_from(level).map_err(internal)?;
            let index = to_u64(row.try_get("idx").map_err(db)?)?;
            let bytes: Vec<u8> = row.try_get("hashes").map_err(db)?;
            let hashes = bytes
                .chunks(32)
                .map(hash_of)
                .collect::<StoreResult<Vec<_>>>()?;
            if hashes.len() != 256 {
                return Err(internal(format!("stored tile {level}/{index} is not full")));
            }
            Ok(FullTile { id: TileId::full(level, index), hashes })
        }

        fn checkpoint_from(row: &DbRow) -> StoreResult<StoredCheckpoint> {
            let root: Vec<u8> = row.try_get("root").map_err(db)?;
            Ok(StoredCheckpoint {
                size: to_u64(row.try_get("size").map_err(db)?)?,
                root: hash_of(&root)?,
                signed_note: row.try_get("signed_note").map_err(db)?,
                created_at: row.try_get("created_at").map_err(db)?,
            })
        }

        fn cosignature_from(row: &DbRow) -> StoreResult<StoredCosignature> {
            let key_id: i64 = row.try_get("witness_key_id").map_err(db)?;
            Ok(StoredCosignature {
                size: to_u64(row.try_get("size").map_err(db)?)?,
                witness_name: row.try_get("witness_name").map_err(db)?,
                witness_key_id: u32::try_from(key_id).map_err(internal)?,
                signature_line: row.try_get("signature_line").map_err(db)?,
                cosigned_at: row.try_get("cosigned_at").map_err(db)?,
                created_at: row.try_get("created_at").map_err(db)?,
            })
        }

        fn log_key_from(row: &DbRow) -> StoreResult<LogKeyRecord> {
            Ok(LogKeyRecord {
                name: row.try_get("name").map_err(db)?,
                public_key: row.try_get("public_key").map_err(db)?,
                private_sealed: row.try_get("private_sealed").map_err(db)?,
                created_at: row.try_get("created_at").map_err(db)?,
            })
        }

        /// Refuses a batch whose numbers disagree, before anything is written.
        fn check_batch(batch: &AppendBatch<'_>) -> StoreResult<()> {
            let count = batch.entries.len() as u64;
            let consecutive = batch
                .entries
                .iter()
                .zip(batch.expected_size..)
                .all(|(e, seq)| e.seq == seq);
            let payloads_match = batch.payloads.len() == batch.entries.len()
                && batch.payloads.iter().zip(batch.entries).all(|(p, e)| p.seq == e.seq);
            let tiles_full = batch.tiles.iter().all(|t| t.id.is_full() && t.hashes.len() == 256);
            if batch.entries.is_empty()
                || !consecutive
                || !payloads_match
                || !tiles_full
                || batch.expected_size.checked_add(count) != Some(batch.new_head.size)
            {
                return Err(internal("ledger batch is inconsistent; refusing to write it"));
            }
            Ok(())
        }

        /// Rows per multi-row `INSERT` (4 parameters each, far below either backend's limit).
        const ROWS_PER_INSERT: usize = 1_024;

        /// Entries and payloads of a batch, many rows per statement.
        async fn insert_rows(
            tx: &mut crate::write_tx::WriteTx<$db>,
            tenant: TenantId,
            batch: &AppendBatch<'_>,
        ) -> StoreResult<()> {
            let chunks = batch
                .entries
                .chunks(ROWS_PER_INSERT)
                .zip(batch.payloads.chunks(ROWS_PER_INSERT));
            for (entries, payloads) in chunks {
                let entries = entries
                    .iter()
                    .map(|e| Ok((to_i64(e.seq)?, e)))
                    .collect::<StoreResult<Vec<_>>>()?;
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO ledger_entries (tenant_id, seq, envelope, leaf_hash) ",
                );
                insert.push_values(&entries, |mut row, (seq, e)| {
                    row.push_bind(tenant.0)
                        .push_bind(*seq)
                        .push_bind(e.envelope.as_slice())
                        .push_bind(e.leaf_hash.0.as_slice());
                });
                insert
                    .build()
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err("ledger entry"))?;
                let payloads = payloads
                    .iter()
                    .map(|p| Ok((to_i64(p.seq)?, p)))
                    .collect::<StoreResult<Vec<_>>>()?;
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO ledger_payloads (tenant_id, seq, salt, payload) ",
                );
                insert.push_values(&payloads, |mut row, (seq, p)| {
                    row.push_bind(tenant.0)
                        .push_bind(*seq)
                        .push_bind(p.salt.as_slice())
                        .push_bind(p.ciphertext.as_slice());
                });
                insert
                    .build()
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err("ledger payload"))?;
            }
            Ok(())
        }

        #[async_trait]
        impl LedgerStore for $store {
            async fn lock_sequencing(
                &self,
                tenant: TenantId,
            ) -> StoreResult<Box<dyn probity_core::ledger::SequencingLock>> {
                self.sequencing_lock(tenant).await
            }

            async fn ledger_head(&self, tenant: TenantId) -> StoreResult<Option<TreeHead>> {
                let row = sqlx::query("SELECT size, root FROM ledger_heads WHERE tenant_id = $1")
                    .bind(tenant.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.as_ref().map(head_from).transpose()
            }

            async fn append_batch(
                &self,
                tenant: TenantId,
                batch: &AppendBatch<'_>,
            ) -> StoreResult<AppendOutcome> {
                check_batch(batch)?;
                let mut tx = self.begin_write().await?;
                let new_size = to_i64(batch.new_head.size)?;
                let root = batch.new_head.root.0.to_vec();
                let swapped = if batch.expected_size == 0 {
                    sqlx::query(
                        "INSERT INTO ledger_heads (tenant_id, size, root) VALUES ($1, $2, $3) \
                         ON CONFLICT (tenant_id) DO NOTHING",
                    )
                    .bind(tenant.0)
                    .bind(new_size)
                    .bind(&root)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                } else {
                    sqlx::query(
                        "UPDATE ledger_heads SET size = $1, root = $2 \
                         WHERE tenant_id = $3 AND size = $4",
                    )
                    .bind(new_size)
                    .bind(&root)
                    .bind(tenant.0)
                    .bind(to_i64(batch.expected_size)?)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                };
                if swapped.rows_affected() != 1 {
                    return Ok(AppendOutcome::Stale);
                }
                for (seq, id) in batch.audit_ids {
                    let marked = sqlx::query(
                        "UPDATE audit_events SET ledger_seq = $1 \
                         WHERE id = $2 AND tenant_id = $3 AND ledger_seq IS NULL",
                    )
                    .bind(to_i64(*seq)?)
                    .bind(*id)
                    .bind(tenant.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("ledger entry of an audit record"))?;
                    if marked.rows_affected() != 1 {
                        // Dropping the transaction rolls back the head and the marks so far.
                        return Err(StoreError::Duplicate(format!(
                            "{} {id}",
                            probity_core::ledger::ALREADY_SEQUENCED
                        )));
                    }
                }
                insert_rows(&mut tx, tenant, batch).await?;
                for tile in batch.tiles {
                    let bytes: Vec<u8> = tile.hashes.iter().flat_map(|h| h.0).collect();
                    sqlx::query(
                        "INSERT INTO ledger_tiles (tenant_id, level, idx, hashes, root) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(tenant.0)
                    .bind(i64::from(tile.id.level()))
                    .bind(to_i64(tile.id.index())?)
                    .bind(bytes)
                    .bind(tile.root().0.to_vec())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err("ledger tile"))?;
                }
                tx.commit().await.map_err(db)?;
                Ok(AppendOutcome::Appended)
            }

            async fn sequenced_audit_records(
                &self,
                tenant: TenantId,
                ids: &[Uuid],
            ) -> StoreResult<Vec<(Uuid, u64)>> {
                let mut found = Vec::new();
                for chunk in ids.chunks(ROWS_PER_INSERT) {
                    let mut select = sqlx::QueryBuilder::<$db>::new(
                        "SELECT id, ledger_seq FROM audit_events WHERE tenant_id = ",
                    );
                    select.push_bind(tenant.0);
                    select.push(" AND ledger_seq IS NOT NULL AND id IN (");
                    let mut list = select.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    select.push(")");
                    for row in select.build().fetch_all(&self.pool).await.map_err(db)? {
                        let id: Uuid = row.try_get("id").map_err(db)?;
                        let seq: i64 = row.try_get("ledger_seq").map_err(db)?;
                        found.push((id, to_u64(seq)?));
                    }
                }
                Ok(found)
            }

            async fn ledger_entries(
                &self,
                tenant: TenantId,
                from: u64,
                to: u64,
            ) -> StoreResult<Vec<StoredEntry>> {
                let found = sqlx::query(
                    "SELECT seq, envelope, leaf_hash FROM ledger_entries \
                     WHERE tenant_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq",
                )
                .bind(tenant.0)
                .bind(read_bound(from))
                .bind(read_bound(to))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(entry_from).collect()
            }

            async fn ledger_tiles(
                &self,
                tenant: TenantId,
                level: u8,
                from: u64,
                to: u64,
            ) -> StoreResult<Vec<FullTile>> {
                let found = sqlx::query(
                    "SELECT level, idx, hashes FROM ledger_tiles \
                     WHERE tenant_id = $1 AND level = $2 AND idx >= $3 AND idx < $4 ORDER BY idx",
                )
                .bind(tenant.0)
                .bind(i64::from(level))
                .bind(read_bound(from))
                .bind(read_bound(to))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(tile_from).collect()
            }

            async fn ledger_tile_roots(
                &self,
                tenant: TenantId,
                level: u8,
                from: u64,
                to: u64,
            ) -> StoreResult<Vec<Hash>> {
                let found = sqlx::query(
                    "SELECT root FROM ledger_tiles \
                     WHERE tenant_id = $1 AND level = $2 AND idx >= $3 AND idx < $4 ORDER BY idx",
                )
                .bind(tenant.0)
                .bind(i64::from(level))
                .bind(read_bound(from))
                .bind(read_bound(to))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found
                    .iter()
                    .map(|r| {
                        let root: Vec<u8> = r.try_get("root").map_err(db)?;
                        hash_of(&root)
                    })
                    .collect()
            }

            async fn ledger_payload(
                &self,
                tenant: TenantId,
                seq: u64,
            ) -> StoreResult<Option<StoredPayload>> {
                Ok(self
                    .ledger_payloads(tenant, seq, seq.saturating_add(1))
                    .await?
                    .into_iter()
                    .next())
            }

            async fn ledger_payloads(
                &self,
                tenant: TenantId,
                from: u64,
                to: u64,
            ) -> StoreResult<Vec<StoredPayload>> {
                let found = sqlx::query(
                    "SELECT seq, salt, payload FROM ledger_payloads \
                     WHERE tenant_id = $1 AND seq >= $2 AND seq < $3 \
                     AND erased_at IS NULL AND salt IS NOT NULL AND payload IS NOT NULL \
                     ORDER BY seq",
                )
                .bind(tenant.0)
                .bind(read_bound(from))
                .bind(read_bound(to))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found
                    .iter()
                    .map(|r| {
                        Ok(StoredPayload {
                            seq: to_u64(r.try_get("seq").map_err(db)?)?,
                            salt: r.try_get("salt").map_err(db)?,
                            ciphertext: r.try_get("payload").map_err(db)?,
                        })
                    })
                    .collect()
            }

            async fn insert_checkpoint(
                &self,
                tenant: TenantId,
                c: &StoredCheckpoint,
            ) -> StoreResult<()> {
                let mut wtx = self.write_one().await?;
                sqlx::query(
                    "INSERT INTO ledger_checkpoints (tenant_id, size, root, signed_note, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(tenant.0)
                .bind(to_i64(c.size)?)
                .bind(c.root.0.to_vec())
                .bind(&c.signed_note)
                .bind(c.created_at)
                .execute(&mut *wtx)
                .await
                .map_err(map_err("checkpoint"))?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }

            async fn latest_checkpoint(
                &self,
                tenant: TenantId,
            ) -> StoreResult<Option<StoredCheckpoint>> {
                let row = sqlx::query(
                    "SELECT size, root, signed_note, created_at FROM ledger_checkpoints \
                     WHERE tenant_id = $1 ORDER BY size DESC LIMIT 1",
                )
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(checkpoint_from).transpose()
            }

            async fn checkpoints(
                &self,
                tenant: TenantId,
                after: Option<u64>,
                limit: u32,
            ) -> StoreResult<Vec<StoredCheckpoint>> {
                let found = sqlx::query(
                    "SELECT size, root, signed_note, created_at FROM ledger_checkpoints \
                     WHERE tenant_id = $1 AND size > $2 ORDER BY size LIMIT $3",
                )
                .bind(tenant.0)
                .bind(after.map(to_i64).transpose()?.unwrap_or(-1))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(checkpoint_from).collect()
            }

            async fn insert_cosignature(
                &self,
                tenant: TenantId,
                c: &StoredCosignature,
            ) -> StoreResult<()> {
                let mut wtx = self.write_one().await?;
                sqlx::query(
                    "INSERT INTO ledger_cosignatures (tenant_id, size, witness_name, \
                     witness_key_id, signature_line, cosigned_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(tenant.0)
                .bind(to_i64(c.size)?)
                .bind(&c.witness_name)
                .bind(i64::from(c.witness_key_id))
                .bind(&c.signature_line)
                .bind(c.cosigned_at)
                .bind(c.created_at)
                .execute(&mut *wtx)
                .await
                .map_err(map_err("cosignature"))?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }

            async fn cosignatures(
                &self,
                tenant: TenantId,
                size: u64,
            ) -> StoreResult<Vec<StoredCosignature>> {
                let found = sqlx::query(
                    "SELECT size, witness_name, witness_key_id, signature_line, cosigned_at, \
                     created_at FROM ledger_cosignatures WHERE tenant_id = $1 AND size = $2 \
                     ORDER BY witness_name, witness_key_id",
                )
                .bind(tenant.0)
                .bind(read_bound(size))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                found.iter().map(cosignature_from).collect()
            }

            async fn latest_cosigned_size(
                &self,
                tenant: TenantId,
                witness_name: &str,
                witness_key_id: u32,
            ) -> StoreResult<Option<u64>> {
                let row = sqlx::query(
                    "SELECT size FROM ledger_cosignatures WHERE tenant_id = $1 \
                     AND witness_name = $2 AND witness_key_id = $3 ORDER BY size DESC LIMIT 1",
                )
                .bind(tenant.0)
                .bind(witness_name)
                .bind(i64::from(witness_key_id))
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.map(|r| to_u64(r.try_get("size").map_err(db)?)).transpose()
            }

            async fn log_key(&self, name: &str) -> StoreResult<Option<LogKeyRecord>> {
                let row = sqlx::query(
                    "SELECT name, public_key, private_sealed, created_at FROM ledger_keys \
                     WHERE name = $1",
                )
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(log_key_from).transpose()
            }

            async fn insert_log_key(&self, k: &LogKeyRecord) -> StoreResult<()> {
                let mut wtx = self.write_one().await?;
                sqlx::query(
                    "INSERT INTO ledger_keys (name, public_key, private_sealed, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&k.name)
                .bind(&k.public_key)
                .bind(&k.private_sealed)
                .bind(k.created_at)
                .execute(&mut *wtx)
                .await
                .map_err(map_err("log key"))?;
                wtx.commit().await.map_err(db)?;
                Ok(())
            }
        }
        }
    };
}

pub(crate) use impl_ledger_store;
