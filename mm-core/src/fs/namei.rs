//! The path walk (fs/namei.c): `link_path_walk` and `walk_component`
//! over a filesystem's directory lookups, with symbolic links followed as
//! Linux follows them.
//!
//! A filesystem gives [`NameiOps`] (the root, `lookup` of one name in a
//! directory, the type of what it found, `readlink`); [`path_lookupat`]
//! walks a path with them and returns what it found with its canonical
//! path (`d_path`), or, for `O_CREAT`, the directory where the missing
//! last component would go.  The rules are Linux's:
//!
//! - the walk starts at the root; an absolute symbolic link target starts
//!   over at the root, a relative one goes on from the link's directory;
//! - `..` goes to the parent of the directory reached (the real one, after
//!   links), and stays at the root at the root; `.` stays;
//! - every component before the last must be a directory (`ENOTDIR`);
//! - a symbolic link in the last component is followed only with
//!   `LOOKUP_FOLLOW`, or when a trailing `/` makes the path a directory;
//! - more than [`MAXSYMLINKS`] links in one walk give `ELOOP`; a path of
//!   [`PATH_MAX`] bytes or more, or a component longer than [`NAME_MAX`],
//!   `ENAMETOOLONG`; an empty path or symbolic link target, `ENOENT`.
//!
//! Memory is bounded: each link adds less than [`PATH_MAX`] bytes to the
//! walk, and there are at most [`MAXSYMLINKS`] of them.

use super::{FileType, LookupFlags};
use crate::errno::{Errno, SysResult};

/// `PATH_MAX`: a path (with its NUL) fits in this many bytes.
pub const PATH_MAX: usize = 4096;
/// `NAME_MAX`: the longest name of one component.
pub const NAME_MAX: usize = 255;
/// `MAXSYMLINKS`: symbolic links one walk follows at most.
pub const MAXSYMLINKS: u32 = 40;

/// What a filesystem gives the path walk.
pub trait NameiOps {
    /// A file found by the walk (a dentry).
    type Node: Clone;
    /// The root directory.
    fn root(&self) -> SysResult<Self::Node>;
    /// `lookup` of `name` in the directory `dir`: `ENOENT` if it has no
    /// such entry.  `path` is the canonical path the entry would have
    /// (`dir`'s, a `/`, then `name`; `/name` in the root).
    fn lookup_child(&self, dir: &Self::Node, path: &[u8], name: &[u8]) -> SysResult<Self::Node>;
    /// The type of `node`.
    fn file_type(&self, node: &Self::Node) -> FileType;
    /// `get_link`: the target of the symbolic link `node` (at `path`).
    fn readlink(&self, node: &Self::Node, path: &[u8]) -> SysResult<Vec<u8>>;
}

/// The end of a walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Walk<N> {
    /// The file, with its canonical path.
    Found {
        /// The file.
        node: N,
        /// Its canonical absolute path.
        path: Vec<u8>,
    },
    /// Everything but the last component exists; the last does not.
    Missing {
        /// The directory the last component would be in.
        dir: N,
        /// Its canonical path.
        dir_path: Vec<u8>,
        /// The missing name.
        name: Vec<u8>,
    },
}

impl<N> Walk<N> {
    /// The file found, or `ENOENT`.
    pub fn found(self) -> SysResult<(N, Vec<u8>)> {
        match self {
            Walk::Found { node, path } => Ok((node, path)),
            Walk::Missing { .. } => Err(Errno::ENOENT),
        }
    }
}

/// One component still to walk: bytes `start..end` of text `text` (the
/// path, or a followed link's target); `last` marks the last component of
/// the whole walk (the original path's, or a followed last link's).
#[derive(Clone, Copy)]
struct Pending {
    text: usize,
    start: usize,
    end: usize,
    last: bool,
}

/// Puts the components of `text` (number `idx` of the walk's texts) on the
/// stack `pending`, the first on top; `last` marks the final one.
fn push_components(pending: &mut Vec<Pending>, text: &[u8], idx: usize, last: bool) {
    let mut end = text.len();
    let mut first = true;
    while end > 0 {
        let start = text[..end].iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        if start < end {
            pending.push(Pending { text: idx, start, end, last: last && first });
            first = false;
        }
        end = start.saturating_sub(1);
    }
}

/// `path_lookupat` / `path_openat`'s walk: `path` resolved from the root of
/// `ops` (a relative path is taken from the root too).  With
/// `LookupFlags::DIRECTORY` the result must be a directory (`ENOTDIR`).
///
/// The walk keeps the canonical path of the directory it is in as one
/// buffer (`/a/b`; empty at the root), the length it had before each
/// directory of `stack` was entered, and the components still to walk as
/// ranges of the path and of the link targets read: no allocation per
/// component.
pub fn path_lookupat<O: NameiOps>(ops: &O, path: &[u8], flags: LookupFlags) -> SysResult<Walk<O::Node>> {
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let root = ops.root()?;
    // A trailing slash (or a last `.`/`..`) asks for a directory and
    // follows a last symbolic link.
    let mut must_dir = flags.contains(LookupFlags::DIRECTORY) || path.ends_with(b"/");
    // Texts 1.. are the link targets read (at most MAXSYMLINKS).
    let mut targets: Vec<Vec<u8>> = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    push_components(&mut pending, path, 0, true);
    // The directories walked into, below the root, each with the length
    // `canon` had before it.
    let mut stack: Vec<(usize, O::Node)> = Vec::new();
    let mut canon: Vec<u8> = Vec::with_capacity(path.len() + 1);
    let mut links = 0u32;
    let is_dir = |stack: &[(usize, O::Node)]| stack.last().is_none_or(|(_, n)| ops.file_type(n) == FileType::Directory);
    while let Some(c) = pending.pop() {
        let text = if c.text == 0 { path } else { &targets[c.text - 1] };
        let name = &text[c.start..c.end];
        if c.last && (name == b"." || name == b"..") {
            must_dir = true;
        }
        // walk_component needs a directory to look in.
        if !is_dir(&stack) {
            return Err(Errno::ENOTDIR);
        }
        if name == b"." {
            continue;
        }
        if name == b".." {
            if let Some((len, _)) = stack.pop() {
                canon.truncate(len);
            }
            continue;
        }
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let dir = stack.last().map_or(&root, |(_, n)| n);
        let base = canon.len();
        canon.push(b'/');
        canon.extend_from_slice(name);
        let node = match ops.lookup_child(dir, &canon, name) {
            Ok(n) => n,
            Err(Errno::ENOENT) if c.last => {
                let dir = dir.clone();
                let name = name.to_vec();
                canon.truncate(base);
                if canon.is_empty() {
                    canon.push(b'/');
                }
                return Ok(Walk::Missing { dir, dir_path: canon, name });
            }
            Err(e) => return Err(e),
        };
        if ops.file_type(&node) == FileType::Symlink && (!c.last || flags.contains(LookupFlags::FOLLOW) || must_dir) {
            links += 1;
            if links > MAXSYMLINKS {
                return Err(Errno::ELOOP);
            }
            let target = ops.readlink(&node, &canon)?;
            canon.truncate(base);
            if target.is_empty() {
                return Err(Errno::ENOENT);
            }
            if target.len() >= PATH_MAX {
                return Err(Errno::ENAMETOOLONG);
            }
            if target[0] == b'/' {
                stack.clear();
                canon.clear();
            }
            // The link's own trailing slash asks for a directory too.
            if c.last && target.ends_with(b"/") {
                must_dir = true;
            }
            let before = pending.len();
            push_components(&mut pending, &target, targets.len() + 1, c.last);
            if pending.len() == before && c.last {
                // A link to `/` (or to `.`): its target is the directory.
                must_dir = true;
            }
            targets.push(target);
            continue;
        }
        stack.push((base, node));
    }
    if must_dir && !is_dir(&stack) {
        return Err(Errno::ENOTDIR);
    }
    if canon.is_empty() {
        canon.push(b'/');
    }
    let node = stack.pop().map_or(root, |(_, n)| n);
    Ok(Walk::Found { node, path: canon })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A tree in memory: path -> (type, link target).
    struct Tree(BTreeMap<Vec<u8>, (FileType, Vec<u8>)>);

    impl Tree {
        fn new(entries: &[(&str, FileType, &str)]) -> Tree {
            let mut m = BTreeMap::new();
            m.insert(b"/".to_vec(), (FileType::Directory, Vec::new()));
            for (p, t, l) in entries {
                m.insert(p.as_bytes().to_vec(), (*t, l.as_bytes().to_vec()));
            }
            Tree(m)
        }
    }

    impl NameiOps for Tree {
        type Node = Vec<u8>;
        fn root(&self) -> SysResult<Vec<u8>> {
            Ok(b"/".to_vec())
        }
        fn lookup_child(&self, _dir: &Vec<u8>, path: &[u8], _name: &[u8]) -> SysResult<Vec<u8>> {
            if self.0.contains_key(path) { Ok(path.to_vec()) } else { Err(Errno::ENOENT) }
        }
        fn file_type(&self, node: &Vec<u8>) -> FileType {
            self.0[node].0
        }
        fn readlink(&self, node: &Vec<u8>, _path: &[u8]) -> SysResult<Vec<u8>> {
            Ok(self.0[node].1.clone())
        }
    }

    fn tree() -> Tree {
        use FileType::*;
        Tree::new(&[
            ("/usr", Directory, ""),
            ("/usr/lib", Directory, ""),
            ("/usr/lib/libc.so.6", Regular, ""),
            ("/lib", Symlink, "usr/lib"),
            ("/abs", Symlink, "/usr/lib/libc.so.6"),
            ("/up", Symlink, "../../../usr"),
            ("/loop", Symlink, "loop"),
            ("/dangling", Symlink, "nowhere"),
            ("/root", Symlink, "/"),
        ])
    }

    fn walk(p: &str, flags: LookupFlags) -> Result<String, Errno> {
        match path_lookupat(&tree(), p.as_bytes(), flags)? {
            Walk::Found { path, .. } => Ok(String::from_utf8(path).expect("utf-8")),
            Walk::Missing { .. } => Err(Errno::ENOENT),
        }
    }

    #[test]
    fn links_resolve_to_canonical_paths() {
        let f = LookupFlags::FOLLOW;
        assert_eq!(walk("/lib/libc.so.6", f), Ok("/usr/lib/libc.so.6".into()));
        assert_eq!(walk("lib/./libc.so.6", f), Ok("/usr/lib/libc.so.6".into()));
        assert_eq!(walk("/abs", f), Ok("/usr/lib/libc.so.6".into()));
        assert_eq!(walk("/abs", LookupFlags::empty()), Ok("/abs".into()));
        assert_eq!(walk("/up/lib/..", f), Ok("/usr".into()));
        assert_eq!(walk("/../../usr/lib/../..", f), Ok("/".into()));
        assert_eq!(walk("/lib/..", f), Ok("/usr".into()));
        assert_eq!(walk("/root/root/usr", f), Ok("/usr".into()));
    }

    #[test]
    fn errors_as_linux() {
        let f = LookupFlags::FOLLOW;
        assert_eq!(walk("/loop", f), Err(Errno::ELOOP));
        assert_eq!(walk("/loop", LookupFlags::empty()), Ok("/loop".into()));
        assert_eq!(walk("/loop/", LookupFlags::empty()), Err(Errno::ELOOP));
        assert_eq!(walk("/abs/x", f), Err(Errno::ENOTDIR));
        assert_eq!(walk("/abs/", f), Err(Errno::ENOTDIR));
        assert_eq!(walk("/abs/.", f), Err(Errno::ENOTDIR));
        assert_eq!(walk("/abs", f | LookupFlags::DIRECTORY), Err(Errno::ENOTDIR));
        assert_eq!(walk("/nope/x", f), Err(Errno::ENOENT));
        assert_eq!(walk("", f), Err(Errno::ENOENT));
        assert_eq!(walk(&format!("/{}", "a".repeat(256)), f), Err(Errno::ENAMETOOLONG));
        assert_eq!(walk(&"/a".repeat(2048), f), Err(Errno::ENAMETOOLONG));
        // The last component is missing: the walk says where it would be.
        let w = path_lookupat(&tree(), b"/dangling", f).expect("walk");
        assert_eq!(w, Walk::Missing { dir: b"/".to_vec(), dir_path: b"/".to_vec(), name: b"nowhere".to_vec() });
        let w = path_lookupat(&tree(), b"/lib/new", f).expect("walk");
        assert_eq!(
            w,
            Walk::Missing { dir: b"/usr/lib".to_vec(), dir_path: b"/usr/lib".to_vec(), name: b"new".to_vec() }
        );
    }
}
