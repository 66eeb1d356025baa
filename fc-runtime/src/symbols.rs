//! Function names for code addresses, from the executable's ELF symbol table: what a
//! panic's frames are named with in an optimised build. The table is read once, at the
//! first panic, and kept compact (the symbols' addresses and mangled names); the debug
//! information, which an optimised build has for std only, is not read at all.

use std::sync::OnceLock;

use object::{Object, ObjectSegment, ObjectSymbol, SymbolKind};

/// The functions of the executable, by address.
struct Table {
    /// What to subtract from a code address to get the address the symbols give.
    bias: usize,
    /// (start, size, name's range in `names`), sorted by start.
    entries: Vec<(u64, u32, u32, u32)>,
    names: Vec<u8>,
}

fn table() -> Option<&'static Table> {
    static TABLE: OnceLock<Option<Table>> = OnceLock::new();
    TABLE.get_or_init(load).as_ref()
}

fn load() -> Option<Table> {
    let exe = std::fs::read_link("/proc/self/exe").ok()?;
    let data = std::fs::read(&exe).ok()?;
    let file = object::File::parse(&*data).ok()?;
    let first_segment = file.segments().map(|s| s.address()).min()?;
    let mut entries = Vec::new();
    let mut names = Vec::new();
    for symbol in file.symbols() {
        if symbol.kind() != SymbolKind::Text || symbol.address() == 0 {
            continue;
        }
        let Ok(name) = symbol.name_bytes() else { continue };
        entries.push((symbol.address(), symbol.size() as u32, names.len() as u32, name.len() as u32));
        names.extend_from_slice(name);
    }
    entries.sort_unstable_by_key(|entry| entry.0);
    entries.shrink_to_fit();
    names.shrink_to_fit();
    let bias = load_bias(&exe, first_segment)?;
    Some(Table { bias, entries, names })
}

/// Where the executable is loaded, against the addresses its segments name: from the
/// start of its mapping at file offset 0 in `/proc/self/maps`.
fn load_bias(exe: &std::path::Path, first_segment: u64) -> Option<usize> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let exe = exe.to_str()?;
    let start = maps.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let range = fields.next()?;
        let offset = fields.nth(1)?;
        let path = fields.nth(2)?;
        (path == exe && u64::from_str_radix(offset, 16).ok()? == 0)
            .then(|| usize::from_str_radix(range.split('-').next()?, 16).ok())
            .flatten()
    })?;
    // The first segment is mapped at a page boundary.
    start.checked_sub((first_segment & !0xfff) as usize)
}

/// The demangled name of the function that holds the code address `ip` (a return
/// address: the call is just before it), without its hash.
pub(crate) fn function_at(ip: usize) -> Option<String> {
    let table = table()?;
    let address = ip.checked_sub(table.bias)?.checked_sub(1)? as u64;
    let at = table.entries.partition_point(|entry| entry.0 <= address).checked_sub(1)?;
    let (start, size, name_start, name_len) = table.entries[at];
    if size != 0 && address >= start + u64::from(size) {
        return None;
    }
    let name = table.names.get(name_start as usize..(name_start + name_len) as usize)?;
    let name = std::str::from_utf8(name).ok()?;
    Some(format!("{:#}", rustc_demangle::demangle(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_function_of_an_address() {
        // The innermost frame `trace` reports is `trace`'s own machinery or this function:
        // look for this function among the first few.
        let mut names = Vec::new();
        backtrace::trace(|frame| {
            names.push(function_at(frame.ip() as usize + 1));
            names.len() < 8
        });
        assert!(names.iter().flatten().any(|n| n.contains("names_the_function_of_an_address")), "{names:?}");
    }
}
