//! Attribute macros for the `fc` crate (`fc-runtime`): `#[fc::handler]`,
//! `#[fc::initializer]`, `#[fc::pre_freeze]` and `#[fc::pre_stop]`.
//!
//! Each checks at compile time that the function has a shape the runtime can serve, and
//! registers it. On an error the function is still emitted as written, beside the error,
//! so that IDEs keep working and no error follows from its absence.

use proc_macro::TokenStream;

mod args;
mod expand;
mod signature;
mod site;

use signature::Attr;
use site::Site;

/// Expands `attr` on `item`, knowing where it stands.
fn run(attr: Attr, args: TokenStream, item: TokenStream) -> TokenStream {
    let site = match (item.clone().into_iter().next(), function_name(&item)) {
        (Some(first), Some(name)) => Site::of(first.span(), &name),
        _ => Site::default(),
    };
    expand::expand(attr, site, args.into(), item.into()).into()
}

/// The name of the function `item` is, if it is one: the identifier after `fn`.
fn function_name(item: &TokenStream) -> Option<String> {
    let mut tokens = item.clone().into_iter();
    while let Some(token) = tokens.next() {
        if let proc_macro::TokenTree::Ident(ident) = &token
            && ident.to_string() == "fn"
        {
            return tokens.next().map(|name| name.to_string());
        }
    }
    None
}

/// Makes the function the program's event handler, which serves `POST /invoke`.
///
/// Allowed shapes: `async` or not; parameters none, `(input)`, `(context)` or
/// `(context, input)`, where the context is `fc::Context` or `&fc::Context` and the input
/// any owned `T: serde::de::DeserializeOwned` (parsed from JSON) or `Vec<u8>` /
/// `fc::Bytes` (the raw body); returning nothing, an output, `Result<(), E>` or
/// `Result<Out, E>` (also through aliases such as `fc::Result<T>`), where the output is
/// any `T: serde::Serialize` or `Vec<u8>` / `fc::Bytes`. Argument: `crate = "path"` when
/// the runtime crate is not `fc`.
#[proc_macro_attribute]
pub fn handler(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Attr::Handler, args, item)
}

/// Makes the function the initializer hook, which serves `POST /initialize`: no parameter
/// or the context; returns nothing or `Result<(), E>`; `async` or not.
#[proc_macro_attribute]
pub fn initializer(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Attr::Initializer, args, item)
}

/// Makes the function the pre-freeze hook, which serves `GET /pre-freeze`: no parameter
/// or the context; returns nothing or `Result<(), E>`; `async` or not.
#[proc_macro_attribute]
pub fn pre_freeze(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Attr::PreFreeze, args, item)
}

/// Makes the function the pre-stop hook, which serves `GET /pre-stop`: no parameter or
/// the context; returns nothing or `Result<(), E>`; `async` or not.
#[proc_macro_attribute]
pub fn pre_stop(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Attr::PreStop, args, item)
}
