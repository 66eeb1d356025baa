//! The runtime's modules import each other one way only: no module reaches, through its
//! `crate::…` paths, back to itself (tests excepted).

use std::collections::{BTreeMap, BTreeSet};

/// Each module's `crate::<module>` references outside its tests.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        if name == "lib" || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let mut used = BTreeSet::new();
        for (at, _) in code.match_indices("crate::") {
            // `crate::x`, not `my_crate::x` (in a doc comment, say).
            if code[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[at + "crate::".len()..];
            let module: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if module != name && !module.is_empty() && module.chars().next().unwrap().is_ascii_lowercase() {
                used.insert(module);
            }
        }
        modules.insert(name, used);
    }
    modules
}

#[test]
fn no_module_imports_itself_through_others() {
    let modules = imports();
    assert!(modules.len() > 10, "{modules:?}");
    for start in modules.keys() {
        // Every module reachable from `start`.
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = modules[start].iter().collect();
        while let Some(module) = todo.pop() {
            assert_ne!(module, start, "`{start}` reaches itself through its imports: {modules:#?}");
            if seen.insert(module.clone()) {
                todo.extend(modules.get(module).into_iter().flatten());
            }
        }
    }
}

#[test]
fn the_foundations_import_nothing() {
    let modules = imports();
    for module in ["context", "error", "tasks", "symbols"] {
        assert!(modules[module].is_empty(), "`{module}` imports {:?}", modules[module]);
    }
}
