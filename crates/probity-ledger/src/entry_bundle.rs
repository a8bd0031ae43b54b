//! tlog-tiles entry bundles (`tile/entries/<N>`): up to 256 log entries, each prefixed with its
//! length as a big-endian `u16`.

use crate::tile::TILE_WIDTH;

/// Why entries could not be bundled or a bundle could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EntryBundleError {
    /// An entry longer than 65,535 bytes cannot be length-prefixed.
    #[error("entry {position} is {len} bytes, the limit is 65535")]
    EntryTooLarge {
        /// Position of the entry in the bundle.
        position: usize,
        /// Its length.
        len: usize,
    },
    /// A bundle holds at most 256 entries.
    #[error("entry bundle holds more than 256 entries")]
    TooManyEntries,
    /// The bytes end inside a length prefix or an entry.
    #[error("entry bundle is truncated")]
    Truncated,
}

/// Encodes entries into a bundle.
pub fn encode_entry_bundle<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, EntryBundleError> {
    let mut out = Vec::new();
    for (position, entry) in entries.into_iter().enumerate() {
        if position >= usize::from(TILE_WIDTH) {
            return Err(EntryBundleError::TooManyEntries);
        }
        let len = u16::try_from(entry.len()).map_err(|_| EntryBundleError::EntryTooLarge {
            position,
            len: entry.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Splits a bundle into its entries.
pub fn decode_entry_bundle(bytes: &[u8]) -> Result<Vec<&[u8]>, EntryBundleError> {
    let mut entries = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        if entries.len() == usize::from(TILE_WIDTH) {
            return Err(EntryBundleError::TooManyEntries);
        }
        let (prefix, tail) = rest
            .split_first_chunk::<2>()
            .ok_or(EntryBundleError::Truncated)?;
        let len = usize::from(u16::from_be_bytes(*prefix));
        if tail.len() < len {
            return Err(EntryBundleError::Truncated);
        }
        let (entry, tail) = tail.split_at(len);
        entries.push(entry);
        rest = tail;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let entries: Vec<&[u8]> = vec![b"", b"a", b"{\"v\":1}"];
        let bundle = encode_entry_bundle(entries.iter().copied()).unwrap();
        assert_eq!(bundle, b"\x00\x00\x00\x01a\x00\x07{\"v\":1}".to_vec());
        assert_eq!(decode_entry_bundle(&bundle).unwrap(), entries);
        assert_eq!(decode_entry_bundle(&[]).unwrap(), Vec::<&[u8]>::new());
    }

    #[test]
    fn limits() {
        let big = vec![0u8; 65_536];
        assert_eq!(
            encode_entry_bundle([big.as_slice()]),
            Err(EntryBundleError::EntryTooLarge {
                position: 0,
                len: 65_536
            })
        );
        let one: &[u8] = b"x";
        assert_eq!(
            encode_entry_bundle(std::iter::repeat_n(one, 257)),
            Err(EntryBundleError::TooManyEntries)
        );
        let full = encode_entry_bundle(std::iter::repeat_n(one, 256)).unwrap();
        assert_eq!(decode_entry_bundle(&full).unwrap().len(), 256);
        let mut overfull = full.clone();
        overfull.extend_from_slice(b"\x00\x01x");
        assert_eq!(
            decode_entry_bundle(&overfull),
            Err(EntryBundleError::TooManyEntries)
        );
        assert_eq!(
            decode_entry_bundle(b"\x00"),
            Err(EntryBundleError::Truncated)
        );
        assert_eq!(
            decode_entry_bundle(b"\x00\x02x"),
            Err(EntryBundleError::Truncated)
        );
    }
}
