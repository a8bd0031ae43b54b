//! The packed form of an SLO's measurement slices: one row per SLO and UTC day (`slo_days`),
//! holding that day's non-empty 5-minute slices in one blob, beside the day's sums.
//!
//! Why (ADR 0026): a million measurements spread over 90 days touch up to 830,000 slices, and a
//! row per slice made the store's merge a random upsert per slice; a row per day holds up to
//! 288 slices, so the same import writes about 9,000 rows. Windows start and end on slice
//! boundaries, so a window reads whole days plus at most two partial ones, and the day's sums
//! let the full days be added in SQL without opening the blob.
//!
//! Blob format (version 1): the byte `1`, then per non-empty slice in ascending order the
//! unsigned LEB128 varints `slot` (0–287, the slice's index in the day), `good`, `total` and
//! the sketch's length (0 for none), followed by the sketch bytes ([`DdSketch::to_bytes`]).
//! Sketches stay encoded until two of them must be merged.

use chrono::{DateTime, Utc};
use probity_core::service_level::sketch::DdSketch;
use probity_core::service_level::window::SLICE_SECONDS;
use probity_core::service_level::{SloId, SloSlice};

/// Seconds in a UTC day.
pub(crate) const DAY_SECONDS: i64 = 86_400;
/// Slices in a day.
const SLOTS: i64 = DAY_SECONDS / SLICE_SECONDS;
/// The blob format written.
const FORMAT: u8 = 1;

/// One non-empty slice of a day.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Slot {
    /// Index of the slice in its day (`0..288`).
    pub slot: u16,
    /// Good events.
    pub good: u64,
    /// All events.
    pub total: u64,
    /// The latency sketch, encoded; `None` for count-only metrics or when not read.
    pub sketch: Option<Vec<u8>>,
}

/// The start of the UTC day holding `start_s` (seconds since the epoch).
pub(crate) fn day_of(start_s: i64) -> i64 {
    start_s.div_euclid(DAY_SECONDS) * DAY_SECONDS
}

/// The first day boundary at or after `s`.
pub(crate) fn day_ceil(s: i64) -> i64 {
    let d = day_of(s);
    if d == s { d } else { d + DAY_SECONDS }
}

/// A slice as its day and slot; an error for a start that is not on a slice boundary.
pub(crate) fn slot_of(slice: &SloSlice) -> Result<(i64, Slot), String> {
    let start_s = slice.start.timestamp();
    if start_s.rem_euclid(SLICE_SECONDS) != 0 {
        return Err(format!(
            "slice start {start_s} is not on a 5-minute boundary"
        ));
    }
    let day = day_of(start_s);
    let slot = u16::try_from((start_s - day) / SLICE_SECONDS).map_err(|e| e.to_string())?;
    Ok((
        day,
        Slot {
            slot,
            good: slice.good,
            total: slice.total,
            sketch: slice.sketch.as_ref().map(DdSketch::to_bytes),
        },
    ))
}

/// A slot of day `day` back as a slice of `slo`, decoding its sketch when it was read.
pub(crate) fn to_slice(slo: SloId, day: i64, slot: Slot) -> Result<SloSlice, String> {
    let start_s = day + i64::from(slot.slot) * SLICE_SECONDS;
    let start = DateTime::<Utc>::from_timestamp(start_s, 0)
        .ok_or_else(|| format!("slice start {start_s} is out of range"))?;
    let sketch = slot
        .sketch
        .map(|b| DdSketch::from_bytes(&b))
        .transpose()
        .map_err(|e| format!("slice sketch: {e}"))?;
    Ok(SloSlice {
        slo_id: slo,
        start,
        good: slot.good,
        total: slot.total,
        sketch,
    })
}

/// The day's sums as the evaluation counts them: good (each slot's good capped at its total)
/// and total.
pub(crate) fn sums(slots: &[Slot]) -> (u64, u64) {
    slots.iter().fold((0u64, 0u64), |(g, t), s| {
        (
            g.saturating_add(s.good.min(s.total)),
            t.saturating_add(s.total),
        )
    })
}

/// Encodes slots sorted by `slot` (each slot once).
pub(crate) fn encode(slots: &[Slot]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + slots.len() * 8);
    out.push(FORMAT);
    for s in slots {
        put(&mut out, u64::from(s.slot));
        put(&mut out, s.good);
        put(&mut out, s.total);
        match &s.sketch {
            Some(b) => {
                put(&mut out, b.len() as u64);
                out.extend_from_slice(b);
            }
            None => put(&mut out, 0),
        }
    }
    out
}

/// Decodes a day's blob; with `sketches` false the sketch bytes are skipped, not copied.
pub(crate) fn decode(bytes: &[u8], sketches: bool) -> Result<Vec<Slot>, String> {
    let (&format, mut rest) = bytes
        .split_first()
        .ok_or_else(|| "empty slice day".to_owned())?;
    if format != FORMAT {
        return Err(format!("slice day format {format}, expected {FORMAT}"));
    }
    let mut slots = Vec::new();
    let mut previous: Option<u16> = None;
    while !rest.is_empty() {
        let slot = take(&mut rest)?;
        let slot = u16::try_from(slot)
            .ok()
            .filter(|s| i64::from(*s) < SLOTS && previous.is_none_or(|p| *s > p))
            .ok_or_else(|| format!("slice day slot {slot} out of order or range"))?;
        previous = Some(slot);
        let good = take(&mut rest)?;
        let total = take(&mut rest)?;
        let len = usize::try_from(take(&mut rest)?).map_err(|e| e.to_string())?;
        if len > rest.len() {
            return Err(format!(
                "slice day sketch of {len} bytes, {} left",
                rest.len()
            ));
        }
        let (sketch, after) = rest.split_at(len);
        rest = after;
        slots.push(Slot {
            slot,
            good,
            total,
            sketch: (sketches && len > 0).then(|| sketch.to_vec()),
        });
    }
    Ok(slots)
}

/// Adds `deltas` (sorted by slot, each slot once) into `stored` (likewise): counts add,
/// sketches merge.
pub(crate) fn merge(stored: Vec<Slot>, deltas: Vec<Slot>) -> Result<Vec<Slot>, String> {
    let mut out = Vec::with_capacity(stored.len() + deltas.len());
    let mut a = stored.into_iter().peekable();
    let mut b = deltas.into_iter().peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.slot < y.slot => a.next(),
            (Some(x), Some(y)) if x.slot > y.slot => b.next(),
            (Some(_), Some(_)) => match (a.next(), b.next()) {
                (Some(x), Some(y)) => Some(add(x, y)?),
                _ => None,
            },
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => None,
        };
        match next {
            Some(s) => out.push(s),
            None => return Ok(out),
        }
    }
}

/// Sorts slots of one day and adds together those of the same slot.
pub(crate) fn collect(mut slots: Vec<Slot>) -> Result<Vec<Slot>, String> {
    slots.sort_by_key(|s| s.slot);
    let mut out: Vec<Slot> = Vec::with_capacity(slots.len());
    for s in slots {
        match out.pop() {
            Some(last) if last.slot == s.slot => out.push(add(last, s)?),
            Some(last) => {
                out.push(last);
                out.push(s);
            }
            None => out.push(s),
        }
    }
    Ok(out)
}

/// Two records of one slot added together.
fn add(x: Slot, y: Slot) -> Result<Slot, String> {
    let sketch = match (x.sketch, y.sketch) {
        (Some(a), Some(b)) => {
            let mut merged = DdSketch::from_bytes(&a).map_err(|e| format!("slice sketch: {e}"))?;
            merged.merge(&DdSketch::from_bytes(&b).map_err(|e| format!("slice sketch: {e}"))?);
            Some(merged.to_bytes())
        }
        (a, b) => a.or(b),
    };
    Ok(Slot {
        slot: x.slot,
        good: x.good.saturating_add(y.good),
        total: x.total.saturating_add(y.total),
        sketch,
    })
}

fn put(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn take(rest: &mut &[u8]) -> Result<u64, String> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, after) = rest
            .split_first()
            .ok_or_else(|| "slice day ends inside a number".to_owned())?;
        *rest = after;
        n |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err("slice day number longer than 64 bits".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(slot: u16, good: u64, total: u64, values: &[f64]) -> Slot {
        let sketch = (!values.is_empty()).then(|| {
            let mut s = DdSketch::new();
            for v in values {
                s.add(*v);
            }
            s.to_bytes()
        });
        Slot {
            slot,
            good,
            total,
            sketch,
        }
    }

    #[test]
    fn round_trips_counts_sketches_and_large_numbers() {
        let slots = vec![
            slot(0, 0, 1, &[]),
            slot(7, 127, 128, &[1.5, 300.0, 12_000.0]),
            slot(287, u64::MAX - 1, u64::MAX, &[]),
        ];
        let bytes = encode(&slots);
        assert_eq!(decode(&bytes, true).unwrap(), slots);
        let counts = decode(&bytes, false).unwrap();
        assert_eq!(counts.len(), 3);
        assert!(counts.iter().all(|s| s.sketch.is_none()));
        assert_eq!(counts[1].good, 127);
        assert_eq!(counts[2].total, u64::MAX);
        assert_eq!(decode(&encode(&[]), true).unwrap(), Vec::new());
    }

    #[test]
    fn rejects_damaged_blobs() {
        let bytes = encode(&[slot(3, 1, 2, &[4.0]), slot(9, 1, 1, &[])]);
        assert!(decode(&[], true).is_err());
        assert!(decode(&[2], true).unwrap_err().contains("format 2"));
        assert!(decode(&bytes[..bytes.len() - 1], true).is_err());
        // Slots out of order, and a slot past the day's end.
        assert!(decode(&encode(&[slot(9, 1, 1, &[]), slot(3, 1, 1, &[])]), true).is_err());
        assert!(decode(&encode(&[slot(288, 1, 1, &[])]), true).is_err());
        let mut short = encode(&[slot(3, 1, 2, &[4.0])]);
        short.truncate(6);
        assert!(decode(&short, true).unwrap_err().contains("sketch"));
    }

    #[test]
    fn merge_adds_counts_and_sketches_slot_by_slot() {
        let stored = vec![slot(1, 1, 1, &[10.0]), slot(5, 2, 3, &[])];
        let deltas = vec![
            slot(0, 1, 1, &[]),
            slot(1, 0, 1, &[500.0]),
            slot(9, 4, 4, &[]),
        ];
        let merged = merge(stored, deltas).unwrap();
        let at: Vec<u16> = merged.iter().map(|s| s.slot).collect();
        assert_eq!(at, vec![0, 1, 5, 9]);
        assert_eq!((merged[1].good, merged[1].total), (1, 2));
        let sketch = DdSketch::from_bytes(merged[1].sketch.as_ref().unwrap()).unwrap();
        assert_eq!(sketch.count(), 2);
        assert_eq!(sketch.max(), Some(500.0));
        assert_eq!(sums(&merged), (1 + 1 + 2 + 4, 1 + 2 + 3 + 4));
        let doubled = collect(vec![
            slot(4, 1, 1, &[]),
            slot(2, 0, 1, &[]),
            slot(4, 1, 2, &[]),
        ])
        .unwrap();
        assert_eq!(doubled, vec![slot(2, 0, 1, &[]), slot(4, 2, 3, &[])]);
        // Good above total (a recount) counts as total.
        assert_eq!(sums(&[slot(0, 9, 4, &[])]), (4, 4));
    }

    #[test]
    fn slices_map_to_days_and_back() {
        let start =
            DateTime::<Utc>::from_timestamp(20_000 * DAY_SECONDS + 23 * 3600 + 55 * 60, 0).unwrap();
        let slo = SloId::new();
        let slice = SloSlice {
            slo_id: slo,
            start,
            good: 3,
            total: 4,
            sketch: None,
        };
        let (day, s) = slot_of(&slice).unwrap();
        assert_eq!(day, 20_000 * DAY_SECONDS);
        assert_eq!(s.slot, 287);
        assert_eq!(to_slice(slo, day, s).unwrap(), slice);
        let odd = SloSlice {
            start: start + chrono::Duration::seconds(1),
            ..slice
        };
        assert!(slot_of(&odd).is_err());
        assert_eq!(day_ceil(day), day);
        assert_eq!(day_ceil(day + 1), day + DAY_SECONDS);
        assert_eq!(day_of(-1), -DAY_SECONDS);
    }
}
