//! The SQL of the audit search projection ([`probity_core::audit::index::AuditIndexStore`]),
//! written once and expanded per backend by [`impl_audit_index_store!`]. Only full text differs:
//! SQLite keeps the words in a contentless FTS5 table beside the rows, PostgreSQL in a
//! `tsvector` column with a GIN index; the invocation passes each dialect's statements.

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub(crate) fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The separator around each id of a list column.
pub(crate) const LIST_SEP: char = '\u{1f}';

/// A list column's text: every id between separators.
pub(crate) fn list_text(ids: &[String]) -> String {
    let mut out = String::from(LIST_SEP);
    for id in ids {
        out.push_str(id);
        out.push(LIST_SEP);
    }
    out
}

/// The ids of a list column's text.
pub(crate) fn list_ids(text: &str) -> Vec<String> {
    text.split(LIST_SEP)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A bound value of a dynamic query.
#[derive(Clone)]
pub(crate) enum Arg {
    Uuid(uuid::Uuid),
    Int(i64),
    Real(f64),
    Text(String),
}

/// A `WHERE` clause under construction with its `$N` arguments.
pub(crate) struct Where {
    pub(crate) sql: String,
    pub(crate) args: Vec<Arg>,
}

impl Where {
    pub(crate) fn new() -> Self {
        Where {
            sql: String::new(),
            args: Vec::new(),
        }
    }

    /// Adds `condition`, whose `{}` marks are replaced, in order, by placeholders for `args`.
    pub(crate) fn and(&mut self, condition: &str, args: Vec<Arg>) {
        if !self.sql.is_empty() {
            self.sql.push_str(" AND ");
        }
        let mut args = args.into_iter();
        let mut parts = condition.split("{}");
        if let Some(first) = parts.next() {
            self.sql.push_str(first);
        }
        for part in parts {
            self.args.extend(args.next());
            self.sql.push('$');
            self.sql.push_str(&self.args.len().to_string());
            self.sql.push_str(part);
        }
    }
}

/// The columns an indexer row fills, in the order `index_entries` binds them.
macro_rules! index_columns {
    () => {
        "tenant_id, seq, source, event_type, category, severity, actor_type, actor_id, \
         actor_name, action, resource_type, resource_id, outcome, ip, control_ids, subject_ids, \
         risk, occurred_us, recorded_us, message, payload"
    };
}
pub(crate) use index_columns;

macro_rules! impl_audit_index_store {
    (
        db = $db:ty,
        store = $store:ident,
        text_in_row = $text_in_row:literal,
        insert_text = $insert_text:literal,
        delete_text = $delete_text:literal,
        text_match = $text_match:literal,
        text_join = $text_join:literal $(,)?
    ) => {
        mod audit_index_impl {
        use super::$store;
        use async_trait::async_trait;
        use probity_core::audit::event::{Category, EventOutcome, Severity};
        use probity_core::audit::index::*;
        use probity_core::platform::TenantId;
        use probity_core::store::StoreResult;
        use sqlx::Row as _;
        use sqlx::types::Json;

        use crate::error::db;
        use crate::internal;
        use crate::sql_audit_index::{Arg, Where, like_escape, list_ids, list_text};

        type DbRow = <$db as sqlx::Database>::Row;

        /// Index rows per multi-row `INSERT`: 22 parameters each, far below SQLite's 32,766
        /// and PostgreSQL's 65,535.
        const INDEX_ROWS_PER_INSERT: usize = 200;
        type Query<'q> = sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>;

        fn bind<'q>(mut q: Query<'q>, args: &'q [Arg]) -> Query<'q> {
            for a in args {
                q = match a {
                    Arg::Uuid(v) => q.bind(*v),
                    Arg::Int(v) => q.bind(*v),
                    Arg::Real(v) => q.bind(*v),
                    Arg::Text(v) => q.bind(v.as_str()),
                };
            }
            q
        }

        fn rank(s: Severity) -> i64 {
            Severity::ALL.iter().position(|v| *v == s).map_or(0, |p| p as i64)
        }

        fn filter_sql(tenant: TenantId, f: &EventFilter) -> Where {
            let mut w = Where::new();
            w.and("tenant_id = {}", vec![Arg::Uuid(tenant.0)]);
            if let Some(t) = f.from {
                w.and("recorded_us >= {}", vec![Arg::Int(to_micros(t))]);
            }
            if let Some(t) = f.to {
                w.and("recorded_us < {}", vec![Arg::Int(to_micros(t))]);
            }
            if let Some(p) = &f.type_prefix {
                w.and(
                    "(event_type = {} OR event_type LIKE {} ESCAPE '\\')",
                    vec![Arg::Text(p.clone()), Arg::Text(format!("{}.%", like_escape(p)))],
                );
            }
            if let Some(c) = f.category {
                w.and("category = {}", vec![Arg::Text(c.as_str().to_owned())]);
            }
            if let Some(s) = f.min_severity {
                w.and("severity >= {}", vec![Arg::Int(rank(s))]);
            }
            if let Some(a) = &f.actor {
                w.and("actor_id = {}", vec![Arg::Text(a.clone())]);
            }
            if let Some(t) = &f.resource_type {
                w.and("resource_type = {}", vec![Arg::Text(t.clone())]);
            }
            if let Some(id) = &f.resource_id {
                w.and("resource_id = {}", vec![Arg::Text(id.clone())]);
            }
            if let Some(o) = f.outcome {
                w.and("outcome = {}", vec![Arg::Text(o.as_str().to_owned())]);
            }
            if let Some(c) = &f.control_id {
                w.and(
                    "control_ids LIKE {} ESCAPE '\\'",
                    vec![Arg::Text(format!("%{}%", like_escape(&list_text(std::slice::from_ref(c)))))],
                );
            }
            if !f.control_any.is_empty() {
                // Grouped in parentheses of at most 64 terms: one flat chain of
                // a thousand ORs is deeper than SQLite's expression limit (1000).
                let one = "control_ids LIKE {} ESCAPE '\\'";
                let any = f
                    .control_any
                    .chunks(64)
                    .map(|group| format!("({})", vec![one; group.len()].join(" OR ")))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                w.and(
                    &format!("({any})"),
                    f.control_any
                        .iter()
                        .map(|c| Arg::Text(format!("%{}%", like_escape(&list_text(std::slice::from_ref(c))))))
                        .collect(),
                );
            }
            if let Some(s) = &f.subject_id {
                w.and(
                    "subject_ids LIKE {} ESCAPE '\\'",
                    vec![Arg::Text(format!("%{}%", like_escape(&list_text(std::slice::from_ref(s)))))],
                );
            }
            if let Some(ip) = &f.ip {
                w.and("ip = {}", vec![Arg::Text(ip.clone())]);
            }
            if let Some(r) = f.min_risk {
                w.and("risk >= {}", vec![Arg::Real(r)]);
            }
            if let Some(s) = f.source {
                w.and("source = {}", vec![Arg::Text(s.as_str().to_owned())]);
            }
            if let Some(words) = &f.text {
                w.and($text_match, vec![Arg::Text(words.join($text_join))]);
            }
            w
        }

        fn row_from(row: &DbRow) -> StoreResult<IndexedEvent> {
            let text = |c: &str| -> StoreResult<String> { row.try_get(c).map_err(db) };
            let seq: i64 = row.try_get("seq").map_err(db)?;
            let severity: i64 = row.try_get("severity").map_err(db)?;
            let source = text("source")?;
            let category = text("category")?;
            let outcome = text("outcome")?;
            let payload: Json<serde_json::Value> = row.try_get("payload").map_err(db)?;
            Ok(IndexedEvent {
                index: u64::try_from(seq).map_err(internal)?,
                source: EventSource::parse(&source)
                    .ok_or_else(|| internal(format!("bad source {source:?}")))?,
                event_type: text("event_type")?,
                category: Category::parse(&category)
                    .ok_or_else(|| internal(format!("bad category {category:?}")))?,
                severity: usize::try_from(severity)
                    .ok()
                    .and_then(|i| Severity::ALL.get(i).copied())
                    .ok_or_else(|| internal(format!("bad severity {severity}")))?,
                actor_type: text("actor_type")?,
                actor_id: text("actor_id")?,
                actor_name: text("actor_name")?,
                action: text("action")?,
                resource_type: row.try_get("resource_type").map_err(db)?,
                resource_id: row.try_get("resource_id").map_err(db)?,
                outcome: EventOutcome::parse(&outcome)
                    .ok_or_else(|| internal(format!("bad outcome {outcome:?}")))?,
                ip: row.try_get("ip").map_err(db)?,
                control_ids: list_ids(&text("control_ids")?),
                subject_ids: list_ids(&text("subject_ids")?),
                risk_score: row.try_get("risk").map_err(db)?,
                occurred_at: from_micros(row.try_get("occurred_us").map_err(db)?),
                recorded_at: from_micros(row.try_get("recorded_us").map_err(db)?),
                message: row.try_get("message").map_err(db)?,
                payload: payload.0,
            })
        }

        const COLUMNS: &str = "seq, source, event_type, category, severity, actor_type, \
            actor_id, actor_name, action, resource_type, resource_id, outcome, ip, control_ids, \
            subject_ids, risk, occurred_us, recorded_us, message, payload";

        impl $store {
            async fn counts(
                &self,
                key: &str,
                w: &Where,
                top: u32,
            ) -> StoreResult<Vec<Count>> {
                let sql = format!(
                    "SELECT {key} AS k, COUNT(*) AS n FROM audit_index WHERE {} \
                     GROUP BY {key} ORDER BY n DESC, k LIMIT {top}",
                    w.sql
                );
                let found = bind(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.args)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                found
                    .iter()
                    .map(|r| {
                        let n: i64 = r.try_get("n").map_err(db)?;
                        Ok(Count {
                            key: r.try_get("k").map_err(db)?,
                            count: u64::try_from(n).unwrap_or(0),
                        })
                    })
                    .collect()
            }
        }

        #[async_trait]
        impl AuditIndexStore for $store {
            async fn index_cursor(&self, tenant: TenantId) -> StoreResult<u64> {
                let found = sqlx::query("SELECT next_seq FROM audit_index_cursor WHERE tenant_id = $1")
                    .bind(tenant.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                match found {
                    None => Ok(0),
                    Some(row) => {
                        let n: i64 = row.try_get("next_seq").map_err(db)?;
                        u64::try_from(n).map_err(internal)
                    }
                }
            }

            async fn index_entries(
                &self,
                tenant: TenantId,
                from: u64,
                next: u64,
                rows: &[IndexedEvent],
            ) -> StoreResult<bool> {
                let from_i = i64::try_from(from).map_err(internal)?;
                let next_i = i64::try_from(next).map_err(internal)?;
                let mut tx = self.begin_write().await?;
                let moved = if from == 0 {
                    sqlx::query(
                        "INSERT INTO audit_index_cursor (tenant_id, next_seq) VALUES ($1, $2) \
                         ON CONFLICT (tenant_id) DO NOTHING",
                    )
                    .bind(tenant.0)
                    .bind(next_i)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                    .rows_affected()
                } else {
                    sqlx::query(
                        "UPDATE audit_index_cursor SET next_seq = $3 \
                         WHERE tenant_id = $1 AND next_seq = $2",
                    )
                    .bind(tenant.0)
                    .bind(from_i)
                    .bind(next_i)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?
                    .rows_affected()
                };
                if moved != 1 {
                    tx.rollback().await.map_err(db)?;
                    return Ok(false);
                }
                // Many rows per statement: one statement per row spent most of a chunk's time
                // going back and forth with the database, while the chunk's transaction held
                // up every other writer (the ledger's commits first).
                for chunk in rows.chunks(INDEX_ROWS_PER_INSERT) {
                    let bodies: Vec<String> =
                        chunk.iter().map(|r| tokens(&r.search_text()).join(" ")).collect();
                    let mut seqs = Vec::with_capacity(chunk.len());
                    for r in chunk {
                        seqs.push(i64::try_from(r.index).map_err(internal)?);
                    }
                    let mut insert = sqlx::QueryBuilder::<$db>::new(if $text_in_row {
                        concat!("INSERT INTO audit_index (", crate::sql_audit_index::index_columns!(), ", search) ")
                    } else {
                        concat!("INSERT INTO audit_index (", crate::sql_audit_index::index_columns!(), ") ")
                    });
                    insert.push_values(chunk.iter().zip(&seqs).zip(&bodies), |mut b, ((r, seq), body)| {
                        b.push_bind(tenant.0)
                            .push_bind(*seq)
                            .push_bind(r.source.as_str())
                            .push_bind(r.event_type.as_str())
                            .push_bind(r.category.as_str())
                            .push_bind(rank(r.severity))
                            .push_bind(r.actor_type.as_str())
                            .push_bind(r.actor_id.as_str())
                            .push_bind(r.actor_name.as_str())
                            .push_bind(r.action.as_str())
                            .push_bind(r.resource_type.as_deref())
                            .push_bind(r.resource_id.as_deref())
                            .push_bind(r.outcome.as_str())
                            .push_bind(r.ip.as_deref())
                            .push_bind(list_text(&r.control_ids))
                            .push_bind(list_text(&r.subject_ids))
                            .push_bind(r.risk_score)
                            .push_bind(to_micros(r.occurred_at))
                            .push_bind(to_micros(r.recorded_at))
                            .push_bind(r.message.as_deref())
                            .push_bind(Json(&r.payload));
                        if $text_in_row {
                            b.push("to_tsvector('simple', ")
                                .push_bind_unseparated(body.as_str())
                                .push_unseparated(")");
                        }
                    });
                    if $insert_text.is_empty() {
                        insert.build().execute(&mut *tx).await.map_err(db)?;
                        continue;
                    }
                    // The words go to a table of their own, keyed by the row's id; the order of
                    // RETURNING rows is unspecified, so each id is matched by its sequence number.
                    insert.push(" RETURNING id, seq");
                    let returned = insert.build().fetch_all(&mut *tx).await.map_err(db)?;
                    let mut ids = std::collections::HashMap::with_capacity(returned.len());
                    for row in &returned {
                        let id: i64 = row.try_get("id").map_err(db)?;
                        let seq: i64 = row.try_get("seq").map_err(db)?;
                        ids.insert(seq, id);
                    }
                    let mut rows = Vec::with_capacity(seqs.len());
                    for (seq, body) in seqs.iter().zip(&bodies) {
                        let id = ids.get(seq).copied().ok_or_else(|| {
                            internal(format!("audit index row {seq} was not returned"))
                        })?;
                        rows.push((id, body.as_str()));
                    }
                    let mut text = sqlx::QueryBuilder::<$db>::new($insert_text);
                    text.push_values(rows, |mut b, (id, body)| {
                        b.push_bind(id).push_bind(body);
                    });
                    text.build().execute(&mut *tx).await.map_err(db)?;
                }
                tx.commit().await.map_err(db)?;
                Ok(true)
            }

            async fn search_events(
                &self,
                tenant: TenantId,
                filter: &EventFilter,
                page: &IndexPage,
            ) -> StoreResult<Vec<IndexedEvent>> {
                let before = page
                    .before
                    .map(|b| i64::try_from(b).map_err(internal))
                    .transpose()?;
                let limit = u64::from(page.limit) + 1;
                let sql_and_args = match &filter.text {
                    // SQLite: walk the word index newest first (its rowids grow with `seq` within a
                    // tenant: rows are written in ledger order and never re-inserted) and look each
                    // match up, so a rare word costs its matches, not a scan of the tenant's rows.
                    Some(words) if !$text_in_row => {
                        let mut rest = filter.clone();
                        rest.text = None;
                        let mut w = filter_sql(tenant, &rest);
                        if let Some(before) = before {
                            w.and("seq < {}", vec![Arg::Int(before)]);
                        }
                        w.and("audit_fts MATCH {}", vec![Arg::Text(words.join($text_join))]);
                        (
                            format!(
                                "SELECT {COLUMNS} FROM audit_fts CROSS JOIN audit_index \
                                 ON audit_index.id = audit_fts.rowid WHERE {} \
                                 ORDER BY audit_fts.rowid DESC LIMIT {limit}",
                                w.sql
                            ),
                            w,
                        )
                    }
                    _ => {
                        let mut w = filter_sql(tenant, filter);
                        if let Some(before) = before {
                            w.and("seq < {}", vec![Arg::Int(before)]);
                        }
                        (
                            format!(
                                "SELECT {COLUMNS} FROM audit_index WHERE {} ORDER BY seq DESC LIMIT {limit}",
                                w.sql
                            ),
                            w,
                        )
                    }
                };
                let (sql, w) = sql_and_args;
                let found = bind(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.args)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                found.iter().map(row_from).collect()
            }

            async fn events_since(
                &self,
                tenant: TenantId,
                filter: &EventFilter,
                from: u64,
                limit: u32,
            ) -> StoreResult<Vec<IndexedEvent>> {
                let mut w = filter_sql(tenant, filter);
                w.and("seq >= {}", vec![Arg::Int(i64::try_from(from).map_err(internal)?)]);
                let sql = format!(
                    "SELECT {COLUMNS} FROM audit_index WHERE {} ORDER BY seq LIMIT {limit}",
                    w.sql
                );
                let found = bind(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.args)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                found.iter().map(row_from).collect()
            }

            async fn event_statistics(
                &self,
                tenant: TenantId,
                filter: &EventFilter,
                bucket: Bucket,
                top: u32,
            ) -> StoreResult<EventStatistics> {
                let w = filter_sql(tenant, filter);
                let total_sql = format!("SELECT COUNT(*) AS n FROM audit_index WHERE {}", w.sql);
                let total: i64 = bind(sqlx::query(sqlx::AssertSqlSafe(total_sql)), &w.args)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db)?
                    .try_get("n")
                    .map_err(db)?;
                let mut by_severity = Vec::new();
                // Severity is stored as its rank; give the names back.
                let sev_sql = format!(
                    "SELECT severity AS k, COUNT(*) AS n FROM audit_index WHERE {} GROUP BY severity ORDER BY severity DESC",
                    w.sql
                );
                let sev_rows = bind(sqlx::query(sqlx::AssertSqlSafe(sev_sql)), &w.args)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                for r in &sev_rows {
                    let k: i64 = r.try_get("k").map_err(db)?;
                    let n: i64 = r.try_get("n").map_err(db)?;
                    let name = usize::try_from(k)
                        .ok()
                        .and_then(|i| Severity::ALL.get(i))
                        .map_or("unknown", |s| s.as_str());
                    by_severity.push(Count { key: name.to_owned(), count: u64::try_from(n).unwrap_or(0) });
                }
                let width = bucket.micros();
                let hist_sql = format!(
                    "SELECT (recorded_us / {width}) * {width} AS b, COUNT(*) AS n FROM audit_index \
                     WHERE {} GROUP BY (recorded_us / {width}) ORDER BY b",
                    w.sql
                );
                let hist_rows = bind(sqlx::query(sqlx::AssertSqlSafe(hist_sql)), &w.args)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                let mut histogram = Vec::with_capacity(hist_rows.len());
                for r in &hist_rows {
                    let b: i64 = r.try_get("b").map_err(db)?;
                    let n: i64 = r.try_get("n").map_err(db)?;
                    histogram.push(HistogramBar { start: from_micros(b), count: u64::try_from(n).unwrap_or(0) });
                }
                let mut with_resource = Where { sql: w.sql.clone(), args: w.args.clone() };
                with_resource.and("resource_type IS NOT NULL", Vec::new());
                Ok(EventStatistics {
                    total: u64::try_from(total).unwrap_or(0),
                    by_type: self.counts("event_type", &w, top).await?,
                    by_category: self.counts("category", &w, 16).await?,
                    by_severity,
                    by_outcome: self.counts("outcome", &w, 8).await?,
                    top_actors: self.counts("actor_id", &w, top).await?,
                    top_resources: self
                        .counts("resource_type || ':' || COALESCE(resource_id, '')", &with_resource, top)
                        .await?,
                    bucket,
                    histogram,
                })
            }

            async fn unindex_entries(&self, tenant: TenantId, indexes: &[u64]) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                for &seq in indexes {
                    let seq = i64::try_from(seq).map_err(internal)?;
                    let gone = sqlx::query(
                        "DELETE FROM audit_index WHERE tenant_id = $1 AND seq = $2 RETURNING id",
                    )
                    .bind(tenant.0)
                    .bind(seq)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                    if let (Some(row), false) = (gone, $delete_text.is_empty()) {
                        let id: i64 = row.try_get("id").map_err(db)?;
                        sqlx::query($delete_text)
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(db)?;
                    }
                }
                tx.commit().await.map_err(db)?;
                Ok(())
            }
        }
        }
    };
}

pub(crate) use impl_audit_index_store;
