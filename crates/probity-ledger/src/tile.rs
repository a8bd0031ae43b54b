//! C2SP tlog-tiles geometry: tiles of height 8 (256 hashes), their coordinates and static paths
//! (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`), and which tiles exist for a tree size.
//!
//! A level-`L` tile holds hashes of subtrees of `256^L` leaves; hash `i` of tile `N` covers
//! leaves `[(N*256+i)*256^L, (N*256+i+1)*256^L)`. Partial tiles are never stored: they are prefixes
//! of the hash list a level would have once complete, derived on read.

use std::fmt;

use crate::hash::Hash;
use crate::tree::root_from_leaf_hashes;

/// Height of a tile in tree levels.
pub const TILE_HEIGHT: u8 = 8;
/// Hashes in a full tile.
pub const TILE_WIDTH: u16 = 256;
/// Highest level a tile path may name.
pub const MAX_TILE_LEVEL: u8 = 63;

/// Why a tile coordinate or path is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// Width must be between 1 and 256.
    #[error("tile width {width} is outside 1..=256")]
    InvalidWidth {
        /// Width given.
        width: u16,
    },
    /// Level must be between 0 and 63.
    #[error("tile level {level} is outside 0..=63")]
    InvalidLevel {
        /// Level given.
        level: u8,
    },
    /// The path does not follow the tlog-tiles grammar or is not in canonical form.
    #[error("malformed tile path")]
    MalformedPath,
    /// A full lower tile was required to compute an upper tile hash.
    #[error("lower tile has {got} hashes, a full tile has 256")]
    IncompleteLowerTile {
        /// Hashes given.
        got: usize,
    },
}

/// Coordinates of a hash tile: level, index within the level, and width (256 when full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    level: u8,
    index: u64,
    width: u16,
}

impl TileId {
    /// A tile of `width` hashes (1..=256) at `level` (0..=63).
    pub fn new(level: u8, index: u64, width: u16) -> Result<Self, TileError> {
        if level > MAX_TILE_LEVEL {
            return Err(TileError::InvalidLevel { level });
        }
        if width == 0 || width > TILE_WIDTH {
            return Err(TileError::InvalidWidth { width });
        }
        Ok(Self {
            level,
            index,
            width,
        })
    }

    /// A full tile. Levels above 63 are clamped to 63.
    pub fn full(level: u8, index: u64) -> Self {
        Self {
            level: level.min(MAX_TILE_LEVEL),
            index,
            width: TILE_WIDTH,
        }
    }

    /// Tile level (0 holds leaf hashes).
    pub const fn level(&self) -> u8 {
        self.level
    }

    /// Index of the tile within its level.
    pub const fn index(&self) -> u64 {
        self.index
    }

    /// Number of hashes in the tile.
    pub const fn width(&self) -> u16 {
        self.width
    }

    /// Whether the tile has all 256 hashes.
    pub const fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// The same tile at full width.
    pub const fn to_full(self) -> Self {
        Self {
            width: TILE_WIDTH,
            ..self
        }
    }

    /// Static path of the tile: `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, index_path(self.index, self.width))
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Coordinates of an entry bundle (the leaf data behind level-0 tile `index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryBundleId {
    index: u64,
    width: u16,
}

impl EntryBundleId {
    /// A bundle of `width` entries (1..=256).
    pub fn new(index: u64, width: u16) -> Result<Self, TileError> {
        if width == 0 || width > TILE_WIDTH {
            return Err(TileError::InvalidWidth { width });
        }
        Ok(Self { index, width })
    }

    /// Index of the bundle (same as its level-0 tile).
    pub const fn index(&self) -> u64 {
        self.index
    }

    /// Number of entries.
    pub const fn width(&self) -> u16 {
        self.width
    }

    /// Whether the bundle has all 256 entries.
    pub const fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// Static path of the bundle: `tile/entries/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/entries/{}", self.coordinates())
    }

    /// The `<N>[.p/<W>]` part of the path, for files an archive keeps beside the bundle.
    pub fn coordinates(&self) -> String {
        index_path(self.index, self.width)
    }
}

/// A parsed tlog-tiles path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`
    Hashes(TileId),
    /// `tile/entries/<N>[.p/<W>]`
    Entries(EntryBundleId),
}

impl TilePath {
    /// Parses a path relative to the log prefix. Only the canonical form is accepted: no leading
    /// zeros in the level or width, three-digit index groups, no superfluous `x000` groups, and
    /// `.p/<W>` only for widths 1 to 255.
    pub fn parse(path: &str) -> Result<Self, TileError> {
        let rest = path.strip_prefix("tile/").ok_or(TileError::MalformedPath)?;
        let (kind, rest) = rest.split_once('/').ok_or(TileError::MalformedPath)?;
        let (index, width) = parse_index_path(rest)?;
        let parsed = if kind == "entries" {
            Self::Entries(EntryBundleId::new(index, width)?)
        } else {
            let level = parse_decimal(kind).ok_or(TileError::MalformedPath)?;
            let level = u8::try_from(level).map_err(|_| TileError::MalformedPath)?;
            Self::Hashes(TileId::new(level, index, width).map_err(|_| TileError::MalformedPath)?)
        };
        // The grammar checks above are strict, but re-encoding guards against any gap.
        if parsed.path() != path {
            return Err(TileError::MalformedPath);
        }
        Ok(parsed)
    }

    /// The path text.
    pub fn path(&self) -> String {
        match self {
            Self::Hashes(tile) => tile.path(),
            Self::Entries(bundle) => bundle.path(),
        }
    }
}

fn index_path(index: u64, width: u16) -> String {
    let mut groups = Vec::new();
    let mut rest = index;
    loop {
        groups.push(rest % 1000);
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    let mut out = String::new();
    for (position, group) in groups.iter().rev().enumerate() {
        if position + 1 < groups.len() {
            out.push_str(&format!("x{group:03}/"));
        } else {
            out.push_str(&format!("{group:03}"));
        }
    }
    if width != TILE_WIDTH {
        out.push_str(&format!(".p/{width}"));
    }
    out
}

fn parse_index_path(text: &str) -> Result<(u64, u16), TileError> {
    let mut elements: Vec<&str> = text.split('/').collect();
    let mut width = TILE_WIDTH;
    if let Some(position) = elements.iter().position(|e| e.ends_with(".p")) {
        // `.p` may only mark the last index group, followed by exactly the width.
        if position + 2 != elements.len() {
            return Err(TileError::MalformedPath);
        }
        let width_text = elements.pop().ok_or(TileError::MalformedPath)?;
        let parsed = parse_decimal(width_text).ok_or(TileError::MalformedPath)?;
        width = u16::try_from(parsed)
            .ok()
            .filter(|w| (1..TILE_WIDTH).contains(w))
            .ok_or(TileError::MalformedPath)?;
        let last = elements.last_mut().ok_or(TileError::MalformedPath)?;
        *last = last.strip_suffix(".p").ok_or(TileError::MalformedPath)?;
    }
    let count = elements.len();
    let mut index: u64 = 0;
    for (position, element) in elements.into_iter().enumerate() {
        let digits = if position + 1 < count {
            element.strip_prefix('x').ok_or(TileError::MalformedPath)?
        } else {
            element
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TileError::MalformedPath);
        }
        let group: u64 = digits.parse().map_err(|_| TileError::MalformedPath)?;
        index = index
            .checked_mul(1000)
            .and_then(|i| i.checked_add(group))
            .ok_or(TileError::MalformedPath)?;
    }
    Ok((index, width))
}

/// Parses ASCII decimal without sign or leading zeros ("0" itself is allowed).
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

/// Number of hashes a tree of `size` leaves has at tile level `level` (hashes of complete
/// subtrees of `256^level` leaves).
pub const fn hashes_at_level(size: u64, level: u8) -> u64 {
    let shift = level as u32 * TILE_HEIGHT as u32;
    if shift >= 64 { 0 } else { size >> shift }
}

/// Width of tile (`level`, `index`) in a tree of `size` leaves, or `None` if that tile has no
/// hashes yet.
pub fn tile_width(size: u64, level: u8, index: u64) -> Option<u16> {
    let available = hashes_at_level(size, level);
    let start = index.checked_mul(u64::from(TILE_WIDTH))?;
    let count = available.checked_sub(start).filter(|c| *c > 0)?;
    Some(count.min(u64::from(TILE_WIDTH)) as u16)
}

/// Every tile (full and partial) of a tree of `size` leaves, level by level.
pub fn tiles_for_size(size: u64) -> Vec<TileId> {
    tiles_between(0, size, true)
}

/// The partial tiles of a tree of `size` leaves (at most one per level).
pub fn partial_tiles(size: u64) -> Vec<TileId> {
    let mut tiles = Vec::new();
    for level in 0..=MAX_TILE_LEVEL {
        let count = hashes_at_level(size, level);
        if count == 0 {
            break;
        }
        let width = (count % u64::from(TILE_WIDTH)) as u16;
        if width > 0 {
            tiles.push(TileId {
                level,
                index: count / u64::from(TILE_WIDTH),
                width,
            });
        }
    }
    tiles
}

/// Full tiles that become complete when the tree grows from `old_size` to `new_size`: exactly the
/// tiles a store must write for that append.
pub fn completed_tiles(old_size: u64, new_size: u64) -> Vec<TileId> {
    tiles_between(old_size, new_size, false)
}

/// Tiles to publish when the tree grows from `old_size` to `new_size`: the newly completed full
/// tiles and the partial tiles of the new size that changed.
pub fn new_tiles(old_size: u64, new_size: u64) -> Vec<TileId> {
    tiles_between(old_size, new_size, true)
}

fn tiles_between(old_size: u64, new_size: u64, with_partial: bool) -> Vec<TileId> {
    let mut tiles = Vec::new();
    let width = u64::from(TILE_WIDTH);
    for level in 0..=MAX_TILE_LEVEL {
        let new_count = hashes_at_level(new_size, level);
        if new_count == 0 {
            break;
        }
        let old_count = hashes_at_level(old_size, level);
        if old_count >= new_count {
            continue;
        }
        for index in old_count / width..new_count / width {
            tiles.push(TileId::full(level, index));
        }
        let partial = (new_count % width) as u16;
        if with_partial && partial > 0 {
            tiles.push(TileId {
                level,
                index: new_count / width,
                width: partial,
            });
        }
    }
    tiles
}

/// Root of a full tile's hashes: the entry it contributes to the tile one level up.
pub fn tile_root(hashes: &[Hash]) -> Result<Hash, TileError> {
    if hashes.len() != usize::from(TILE_WIDTH) {
        return Err(TileError::IncompleteLowerTile { got: hashes.len() });
    }
    Ok(root_from_leaf_hashes(hashes))
}

/// Contents of a level-`L+1` tile computed from consecutive full level-`L` tiles.
pub fn upper_tile_hashes<'a>(
    lower_tiles: impl IntoIterator<Item = &'a [Hash]>,
) -> Result<Vec<Hash>, TileError> {
    lower_tiles.into_iter().map(tile_root).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(level: u8, index: u64, width: u16) -> TileId {
        TileId::new(level, index, width).unwrap()
    }

    #[test]
    fn paths_use_three_digit_groups() {
        assert_eq!(tile(0, 0, 256).path(), "tile/0/000");
        assert_eq!(tile(1, 1234067, 256).path(), "tile/1/x001/x234/067");
        assert_eq!(tile(2, 1234067, 7).path(), "tile/2/x001/x234/067.p/7");
        assert_eq!(tile(0, 1000, 256).path(), "tile/0/x001/000");
        assert_eq!(
            EntryBundleId::new(1234067, 256).unwrap().path(),
            "tile/entries/x001/x234/067"
        );
        assert_eq!(
            EntryBundleId::new(5, 255).unwrap().path(),
            "tile/entries/005.p/255"
        );
    }

    #[test]
    fn paths_round_trip() {
        for t in [
            tile(0, 0, 1),
            tile(3, u64::MAX, 256),
            tile(63, 999_999, 128),
        ] {
            assert_eq!(TilePath::parse(&t.path()), Ok(TilePath::Hashes(t)));
        }
        let bundle = EntryBundleId::new(1_000_000, 9).unwrap();
        assert_eq!(
            TilePath::parse(&bundle.path()),
            Ok(TilePath::Entries(bundle))
        );
    }

    #[test]
    fn non_canonical_paths_are_rejected() {
        for bad in [
            "tile/0/0",
            "tile/0/0000",
            "tile/00/000",
            "tile/64/000",
            "tile/0/x000/001",
            "tile/0/001/x002",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/001.p/07",
            "tile/0/001.p/",
            "tile/0/x001.p/002/3",
            "tile/0/-01",
            "tile/0/+01",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile/data/000",
            "tiles/0/000",
            "tile/0/000/",
            "tile/entries/",
            "/tile/0/000",
        ] {
            assert_eq!(TilePath::parse(bad), Err(TileError::MalformedPath), "{bad}");
        }
    }

    #[test]
    fn tile_inventory_matches_spec_example() {
        // tlog-tiles: a tree of 70,000 leaves has 273 full level-0 tiles, a partial level-0 tile
        // of width 112, one full level-1 tile, a partial level-1 tile of width 17 and a partial
        // level-2 tile of width 1.
        let tiles = tiles_for_size(70_000);
        let full0 = tiles
            .iter()
            .filter(|t| t.level() == 0 && t.is_full())
            .count();
        assert_eq!(full0, 273);
        assert_eq!(
            partial_tiles(70_000),
            vec![tile(0, 273, 112), tile(1, 1, 17), tile(2, 0, 1)]
        );
        assert!(tiles.contains(&tile(1, 0, 256)));
        assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1);
        // A tree of 256 leaves: one full level-0 tile and a level-1 tile of width 1.
        assert_eq!(tiles_for_size(256), vec![tile(0, 0, 256), tile(1, 0, 1)]);
        assert!(tiles_for_size(0).is_empty());
    }

    #[test]
    fn completed_tiles_cover_growth() {
        assert!(completed_tiles(0, 255).is_empty());
        assert_eq!(completed_tiles(255, 256), vec![tile(0, 0, 256)]);
        assert_eq!(
            completed_tiles(100, 700),
            vec![tile(0, 0, 256), tile(0, 1, 256)]
        );
        assert_eq!(
            completed_tiles(65_535, 65_536),
            vec![tile(0, 255, 256), tile(1, 0, 256)]
        );
        assert_eq!(new_tiles(10, 10), Vec::<TileId>::new());
        assert_eq!(new_tiles(10, 11), vec![tile(0, 0, 11)]);
    }

    #[test]
    fn widths_follow_tree_size() {
        assert_eq!(tile_width(70_000, 0, 273), Some(112));
        assert_eq!(tile_width(70_000, 0, 272), Some(256));
        assert_eq!(tile_width(70_000, 0, 274), None);
        assert_eq!(tile_width(70_000, 2, 0), Some(1));
        assert_eq!(tile_width(70_000, 3, 0), None);
        assert_eq!(tile_width(u64::MAX, 7, 0), Some(255));
        assert_eq!(tile_width(u64::MAX, 8, 0), None);
    }

    #[test]
    fn upper_tiles_need_full_lower_tiles() {
        let lower = vec![Hash::default(); 256];
        let short = vec![Hash::default(); 3];
        assert_eq!(
            upper_tile_hashes([lower.as_slice()]).map(|v| v.len()),
            Ok(1)
        );
        assert_eq!(
            upper_tile_hashes([lower.as_slice(), short.as_slice()]),
            Err(TileError::IncompleteLowerTile { got: 3 })
        );
    }
}
