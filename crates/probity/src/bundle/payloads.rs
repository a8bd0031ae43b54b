//! A bundle's payload files: `payloads/<N>[.p/<W>]` beside each entry bundle
//! `tile/entries/<N>[.p/<W>]`, one JSON line `{"seq":…,"salt":"<base64>","payload":<canonical
//! JSON>}` per unerased entry of that bundle (older bundles hold one `payloads/<seq>.json` per
//! entry, still read). `probity verify` checks them against the envelopes' commitments file by
//! file over every core, without holding the payloads in memory.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use probity_ledger::envelope::{
    LeafEnvelope, PayloadSalt, SALT_SIZE, commit_json_payload, commit_payload,
};
use probity_ledger::jcs::{self, JcsError};
use probity_ledger::tile::{EntryBundleId, TilePath};
use serde_json::Value;

use super::check::Payload;
use super::{Failure, damaged, unusable};

/// The payload directory, relative to the bundle directory.
pub const DIR: &str = "payloads";

/// Path of the payload file of entry bundle `id`, relative to the bundle directory.
pub fn path(id: EntryBundleId) -> String {
    format!("{DIR}/{}", id.coordinates())
}

/// Appends the line of entry `seq` to a payload file: the payload in its canonical form (the
/// bytes its commitment covers), so that checking it is one hash.
pub fn write_line(
    out: &mut Vec<u8>,
    seq: u64,
    salt: &[u8],
    payload: &Value,
) -> Result<(), JcsError> {
    let mut line = String::with_capacity(96);
    line.push_str("{\"seq\":");
    line.push_str(&seq.to_string());
    line.push_str(",\"salt\":\"");
    line.push_str(&STANDARD.encode(salt));
    line.push_str("\",\"payload\":");
    line.push_str(&jcs::canonicalize(payload)?);
    line.push_str("}\n");
    out.extend_from_slice(line.as_bytes());
    Ok(())
}

/// One payload file of a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PayloadFile {
    /// `payloads/<N>[.p/<W>]`: lines for the entries of entry bundle `N`.
    Lines(EntryBundleId),
    /// `payloads/<seq>.json` (older bundles): one entry's salt and payload.
    Single(u64),
}

impl PayloadFile {
    fn relative(&self) -> String {
        match self {
            Self::Lines(id) => path(*id),
            Self::Single(seq) => format!("{DIR}/{seq}.json"),
        }
    }
}

/// Every payload file under `dir/payloads` (none when there is no such directory), in entry
/// order; other files there are not payloads and are left alone.
fn list(dir: &Path) -> Result<Vec<PayloadFile>, Failure> {
    let root = dir.join(DIR);
    if !root.is_dir() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = vec![root.clone()];
    while let Some(at) = pending.pop() {
        let listing = std::fs::read_dir(&at)
            .map_err(|e| unusable(format!("cannot read {}: {e}", at.display())))?;
        for item in listing {
            let item = item.map_err(|e| unusable(e.to_string()))?;
            let file = item.path();
            if item.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(file);
                continue;
            }
            let Some(relative) = file
                .strip_prefix(&root)
                .ok()
                .and_then(Path::to_str)
                .map(|r| r.replace(std::path::MAIN_SEPARATOR, "/"))
            else {
                continue;
            };
            if let Ok(TilePath::Entries(id)) = TilePath::parse(&format!("tile/entries/{relative}"))
            {
                found.push(PayloadFile::Lines(id));
            } else if let Some(seq) = relative
                .strip_suffix(".json")
                .filter(|n| !n.contains('/'))
                .and_then(|n| n.parse::<u64>().ok())
            {
                found.push(PayloadFile::Single(seq));
            }
        }
    }
    found.sort_by_key(|f| match f {
        PayloadFile::Lines(id) => (id.index().saturating_mul(256), 0),
        PayloadFile::Single(seq) => (*seq, 1),
    });
    Ok(found)
}

/// A payload line in exactly the layout [`write_line`] gives it: entry, salt text and the
/// payload's bytes as they stand.
struct Written<'a> {
    seq: u64,
    salt: &'a [u8],
    payload: &'a [u8],
}

fn split_written(line: &[u8]) -> Option<Written<'_>> {
    let rest = line.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (seq_text, rest) = rest.split_at_checked(digits)?;
    let seq: u64 = std::str::from_utf8(seq_text).ok()?.parse().ok()?;
    // Only the one decimal form JSON allows, so that an accepted line means one thing.
    if seq.to_string().as_bytes() != seq_text {
        return None;
    }
    let rest = rest.strip_prefix(b",\"salt\":\"")?;
    let (salt, rest) = rest.split_at_checked(rest.iter().position(|b| *b == b'"')?)?;
    let payload = rest.strip_prefix(b"\",\"payload\":")?.strip_suffix(b"}")?;
    Some(Written { seq, salt, payload })
}

/// The envelope of entry `seq`, or the damage of a payload for no entry.
fn envelope_of(envelopes: &[LeafEnvelope], seq: u64) -> Result<&LeafEnvelope, Failure> {
    usize::try_from(seq)
        .ok()
        .and_then(|i| envelopes.get(i))
        .ok_or_else(|| damaged(format!("payload {seq}: no such entry in the log")))
}

fn mismatch(seq: u64, why: &str) -> Failure {
    damaged(format!("entry {seq}: payload commitment mismatch ({why})"))
}

fn salt_of(seq: u64, bytes: &[u8]) -> Result<PayloadSalt, Failure> {
    let salt: [u8; SALT_SIZE] = bytes
        .try_into()
        .map_err(|_| mismatch(seq, &format!("salt is not {SALT_SIZE} bytes")))?;
    Ok(PayloadSalt::from_bytes(salt))
}

/// Checks one payload as JSON (`{"salt", "payload"}`, with `seq` beside them in a line)
/// against the commitment of entry `seq`.
fn check_value(seq: u64, json: &Value, envelopes: &[LeafEnvelope]) -> Result<(), Failure> {
    let salt = json
        .get("salt")
        .and_then(Value::as_str)
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| mismatch(seq, "no base64 salt"))?;
    let payload = json
        .get("payload")
        .ok_or_else(|| mismatch(seq, "no payload"))?;
    check_payload(seq, &salt, payload, envelopes)
}

/// Checks the payload of entry `seq` with its salt against the entry's commitment
/// (SHA-256(salt || canonical payload)).
pub fn check_payload(
    seq: u64,
    salt: &[u8],
    payload: &Value,
    envelopes: &[LeafEnvelope],
) -> Result<(), Failure> {
    let envelope = envelope_of(envelopes, seq)?;
    let (_, commitment) = commit_json_payload(&salt_of(seq, salt)?, payload)
        .map_err(|e| mismatch(seq, &format!("payload unusable: {e}")))?;
    if commitment != *envelope.payload_commitment() {
        return Err(damaged(format!("entry {seq}: payload commitment mismatch")));
    }
    Ok(())
}

/// Checks one line of a payload file. A line as [`write_line`] wrote it is one hash over the
/// bytes it holds; any other line (reformatted, or damaged) is parsed and canonicalized.
fn check_line(
    line: &[u8],
    file: &str,
    number: usize,
    envelopes: &[LeafEnvelope],
) -> Result<(), Failure> {
    if let Some(written) = split_written(line)
        && let Ok(envelope) = envelope_of(envelopes, written.seq)
        && let Ok(salt) = STANDARD.decode(written.salt)
        && let Ok(salt) = salt_of(written.seq, &salt)
        && commit_payload(&salt, written.payload) == *envelope.payload_commitment()
    {
        return Ok(());
    }
    let json: Value = serde_json::from_slice(line).map_err(|e| {
        damaged(format!(
            "{file} line {number}: unreadable payload line ({e})"
        ))
    })?;
    let seq = json
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or_else(|| damaged(format!("{file} line {number}: payload line without seq")))?;
    check_value(seq, &json, envelopes)
}

fn read(dir: &Path, file: &PayloadFile) -> Result<Vec<u8>, Failure> {
    let at = dir.join(file.relative());
    std::fs::read(&at).map_err(|e| unusable(format!("cannot read {}: {e}", at.display())))
}

/// The lines of a payload file (blank ones skipped), numbered from 1.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim_ascii().is_empty())
}

/// Checks every payload in `files`, in order; the number checked.
fn check_files(
    dir: &Path,
    files: &[PayloadFile],
    envelopes: &[LeafEnvelope],
) -> Result<u64, Failure> {
    let mut checked = 0u64;
    for file in files {
        let bytes = read(dir, file)?;
        match file {
            PayloadFile::Lines(_) => {
                let name = file.relative();
                for (number, line) in lines(&bytes) {
                    check_line(line, &name, number, envelopes)?;
                    checked += 1;
                }
            }
            PayloadFile::Single(seq) => {
                let json: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| mismatch(*seq, &format!("unreadable payload file: {e}")))?;
                check_value(*seq, &json, envelopes)?;
                checked += 1;
            }
        }
    }
    Ok(checked)
}

/// Checks every payload file of the bundle in `dir` against `envelopes` (entry `i` at position
/// `i`), the files split across the machine's cores; the number of payloads checked, or the
/// damage of the first bad one in entry order.
pub fn check(dir: &Path, envelopes: &[LeafEnvelope]) -> Result<u64, Failure> {
    let files = list(dir)?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads == 1 || files.len() < 2 {
        return check_files(dir, &files, envelopes);
    }
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || check_files(dir, part, envelopes)))
            .collect();
        let mut checked = 0u64;
        let mut first_failure = None;
        for (handle, part) in handles.into_iter().zip(files.chunks(chunk)) {
            // A worker that panicked (it should not) is redone here, so no file goes unchecked.
            match handle
                .join()
                .unwrap_or_else(|_| check_files(dir, part, envelopes))
            {
                Ok(n) => checked += n,
                Err(e) => {
                    first_failure.get_or_insert(e);
                }
            }
        }
        match first_failure {
            Some(e) => Err(e),
            None => Ok(checked),
        }
    })
}

/// Reads every payload of the bundle in `dir` as JSON (for an evidence package, which looks
/// events up by their content), without checking commitments: [`check`] does that.
pub fn read_all(dir: &Path) -> Result<Vec<Payload>, Failure> {
    let mut payloads = Vec::new();
    for file in list(dir)? {
        let bytes = read(dir, &file)?;
        let name = file.relative();
        let records: Vec<(u64, Value)> = match file {
            PayloadFile::Lines(_) => lines(&bytes)
                .map(|(number, line)| {
                    let json: Value = serde_json::from_slice(line).map_err(|e| {
                        damaged(format!(
                            "{name} line {number}: unreadable payload line ({e})"
                        ))
                    })?;
                    let seq = json.get("seq").and_then(Value::as_u64).ok_or_else(|| {
                        damaged(format!("{name} line {number}: payload line without seq"))
                    })?;
                    Ok((seq, json))
                })
                .collect::<Result<_, Failure>>()?,
            PayloadFile::Single(seq) => vec![(
                seq,
                serde_json::from_slice(&bytes)
                    .map_err(|e| mismatch(seq, &format!("unreadable payload file: {e}")))?,
            )],
        };
        for (seq, mut json) in records {
            let salt = json
                .get("salt")
                .and_then(Value::as_str)
                .and_then(|s| STANDARD.decode(s).ok())
                .ok_or_else(|| mismatch(seq, "no base64 salt"))?;
            let payload = json
                .get_mut("payload")
                .map(Value::take)
                .ok_or_else(|| mismatch(seq, "no payload"))?;
            payloads.push(Payload { seq, salt, payload });
        }
    }
    payloads.sort_by_key(|p| p.seq);
    Ok(payloads)
}

#[cfg(test)]
mod tests {
    use super::*;
    use probity_ledger::envelope::RecordedAt;
    use serde_json::json;

    fn entry(seq: u64, salt: u8, payload: &Value) -> LeafEnvelope {
        let salt = PayloadSalt::from_bytes([salt; SALT_SIZE]);
        let (_, commitment) = commit_json_payload(&salt, payload).unwrap();
        LeafEnvelope::new(
            seq,
            "acme",
            RecordedAt::from_unix_millis(0).unwrap(),
            "k",
            commitment,
        )
        .unwrap()
    }

    #[test]
    fn written_lines_check_by_hash_and_reformatted_ones_by_canonical_form() {
        let payload = json!({"z": 1, "a": "hé\"llo", "n": 1.5});
        let envelopes = vec![entry(0, 1, &json!({})), entry(1, 2, &payload)];
        let mut out = Vec::new();
        write_line(&mut out, 1, &[2; SALT_SIZE], &payload).unwrap();
        let line = out.strip_suffix(b"\n").unwrap();
        assert!(split_written(line).is_some());
        check_line(line, "f", 1, &envelopes).unwrap();
        // The same object with its members in another order and spaced out still commits.
        let value: Value = serde_json::from_slice(line).unwrap();
        let pretty = serde_json::to_vec(
            &json!({"payload": value["payload"], "salt": value["salt"], "seq": 1}),
        )
        .unwrap();
        assert!(split_written(&pretty).is_none());
        check_line(&pretty, "f", 1, &envelopes).unwrap();

        let text = String::from_utf8(line.to_vec()).unwrap();
        let expect = |bad: &str, needle: &str| {
            let e = check_line(bad.as_bytes(), "payloads/000", 3, &envelopes).unwrap_err();
            assert!(e.to_string().contains(needle), "{bad}: {e}");
        };
        expect(
            &text.replace("llo", "LLo"),
            "entry 1: payload commitment mismatch",
        );
        expect(
            &text.replace("\"seq\":1", "\"seq\":0"),
            "entry 0: payload commitment mismatch",
        );
        expect(
            &text.replace("\"seq\":1", "\"seq\":01"),
            "payloads/000 line 3: unreadable",
        );
        expect(
            &text.replace("\"seq\":1", "\"seq\":7"),
            "payload 7: no such entry in the log",
        );
        expect(
            &text.replace("\"seq\":1,", ""),
            "payloads/000 line 3: payload line without seq",
        );
        expect(
            &text.replace("AgIC", "AgI"),
            "entry 1: payload commitment mismatch (no base64 salt)",
        );
        expect(
            &text.replace("AgIC", "AgICAgIC"),
            "entry 1: payload commitment mismatch (salt is not 32 bytes)",
        );
        expect(&text[..text.len() - 1], "payloads/000 line 3: unreadable");
    }

    #[test]
    fn files_are_listed_in_entry_order_and_old_per_entry_files_too() {
        let dir = tempfile::TempDir::new().unwrap();
        let d = dir.path();
        let payload = json!({"msg": "hello"});
        let envelopes: Vec<_> = (0..300).map(|seq| entry(seq, 3, &payload)).collect();
        let write_file = |relative: &str, bytes: &[u8]| {
            let at = d.join(relative);
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            std::fs::write(at, bytes).unwrap();
        };
        let mut first = Vec::new();
        for seq in (0..256).filter(|s| s % 2 == 0) {
            write_line(&mut first, seq, &[3; SALT_SIZE], &payload).unwrap();
        }
        write_file(&path(EntryBundleId::new(0, 256).unwrap()), &first);
        let mut second = Vec::new();
        write_line(&mut second, 256, &[3; SALT_SIZE], &payload).unwrap();
        write_file(&path(EntryBundleId::new(1, 44).unwrap()), &second);
        let old = json!({"salt": STANDARD.encode([3; SALT_SIZE]), "payload": payload});
        write_file(
            "payloads/299.json",
            serde_json::to_string_pretty(&old).unwrap().as_bytes(),
        );
        write_file("payloads/README", b"not a payload");
        assert_eq!(
            list(d).unwrap(),
            vec![
                PayloadFile::Lines(EntryBundleId::new(0, 256).unwrap()),
                PayloadFile::Lines(EntryBundleId::new(1, 44).unwrap()),
                PayloadFile::Single(299),
            ]
        );
        assert_eq!(check(d, &envelopes).unwrap(), 130);
        let read = read_all(d).unwrap();
        assert_eq!(read.len(), 130);
        assert_eq!(
            read.last().map(|p| (p.seq, &p.payload)),
            Some((299, &payload))
        );

        let bad = json!({"salt": STANDARD.encode([3; SALT_SIZE]), "payload": {"msg": "jello"}});
        write_file("payloads/297.json", bad.to_string().as_bytes());
        let e = check(d, &envelopes).unwrap_err();
        assert_eq!(
            e.to_string(),
            "verification failed: entry 297: payload commitment mismatch"
        );
    }
}
