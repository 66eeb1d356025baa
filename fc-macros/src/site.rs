//! Where the attribute stands, as far as its own tokens do not tell: whether the function
//! is an associated function of an `impl` block. The source file the function is in is
//! read and parsed, and the function found by its name among those that carry one of the
//! attributes.

use syn::visit::Visit;

/// What the attribute knows of where it stands.
#[derive(Debug, Default, Clone)]
pub(crate) struct Site {
    /// The function is in an `impl` block — of this type — and no free function of its
    /// name carries one of the attributes in its file.
    pub(crate) in_impl: Option<String>,
}

impl Site {
    /// The site of the item whose first token is at `span`, named `name`.
    pub(crate) fn of(span: proc_macro::Span, name: &str) -> Site {
        let in_impl = span
            .local_file()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .and_then(|text| syn::parse_file(&text).ok())
            .and_then(|file| {
                let mut finder = Finder { name, free: false, associated: None, current: None };
                finder.visit_file(&file);
                if finder.free { None } else { finder.associated }
            });
        Site { in_impl }
    }
}

/// Finds the functions named `name` that carry one of the attributes.
struct Finder<'a> {
    name: &'a str,
    free: bool,
    /// The type of the `impl` block such a function is in.
    associated: Option<String>,
    /// The type of the `impl` block being visited.
    current: Option<String>,
}

fn carries_attribute(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().segments.last().is_some_and(|s| {
            matches!(s.ident.to_string().as_str(), "handler" | "initializer" | "pre_freeze" | "pre_stop")
        })
    })
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_fn(&mut self, function: &'ast syn::ItemFn) {
        if function.sig.ident == self.name && carries_attribute(&function.attrs) {
            self.free = true;
        }
        syn::visit::visit_item_fn(self, function);
    }

    fn visit_item_impl(&mut self, block: &'ast syn::ItemImpl) {
        let ty = &block.self_ty;
        let outer = self.current.replace(quote::quote!(#ty).to_string().replace(' ', ""));
        syn::visit::visit_item_impl(self, block);
        self.current = outer;
    }

    fn visit_impl_item_fn(&mut self, function: &'ast syn::ImplItemFn) {
        if function.sig.ident == self.name && carries_attribute(&function.attrs) {
            self.associated = self.current.clone();
        }
        syn::visit::visit_impl_item_fn(self, function);
    }
}
