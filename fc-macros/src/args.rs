//! The attribute's arguments: `crate = "path"`.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Path, Token};

use crate::signature::Attr;

/// What the arguments say.
pub(crate) struct Args {
    /// The runtime crate's path (`::fc` unless `crate = "…"` says otherwise).
    pub(crate) krate: Path,
}

/// Parses `crate = "path"`, the only argument there is.
pub(crate) fn parse(attr: Attr, tokens: TokenStream) -> syn::Result<Args> {
    let mut krate: Option<Path> = None;
    let parser = |input: ParseStream| {
        while !input.is_empty() {
            let name = input.call(Ident::parse_any).map_err(|e| {
                syn::Error::new(e.span(), format!("malformed arguments for {attr}: expected `crate = \"…\"`"))
            })?;
            if name != "crate" {
                return Err(syn::Error::new(
                    name.span(),
                    format!("unknown argument `{name}` for {attr}: the one argument it takes is `crate = \"…\"`"),
                ));
            }
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    name.span(),
                    format!("`crate` for {attr} needs a value: `crate = \"path::to::fc\"`"),
                ));
            }
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse().map_err(|e| {
                syn::Error::new(e.span(), format!("`crate` for {attr} takes a path in a string: `crate = \"my_fc\"`"))
            })?;
            if krate.is_some() {
                return Err(syn::Error::new(name.span(), format!("`crate` is given twice for {attr}")));
            }
            let path = value.parse::<Path>().map_err(|_| {
                syn::Error::new(
                    value.span(),
                    format!("`crate` for {attr} takes a path, as in `crate = \"my_fc\"`; found `{}`", value.value()),
                )
            })?;
            krate = Some(path);
            if !input.is_empty() {
                input.parse::<Token![,]>().map_err(|e| {
                    syn::Error::new(e.span(), format!("malformed arguments for {attr}: expected `,` between arguments"))
                })?;
            }
        }
        Ok(())
    };
    parser.parse2(tokens)?;
    let krate = krate.unwrap_or_else(|| {
        let mut path: Path = Ident::new("fc", Span::call_site()).into();
        path.leading_colon = Some(Default::default());
        path
    });
    Ok(Args { krate })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn err(tokens: TokenStream) -> String {
        parse(Attr::Handler, tokens).err().expect("an error").to_string()
    }

    #[test]
    fn default_and_custom_crate_paths() {
        let args = parse(Attr::Handler, quote!()).unwrap();
        let krate = args.krate;
        assert_eq!(quote!(#krate).to_string(), ":: fc");
        let krate = parse(Attr::Handler, quote!(crate = "my::fc")).unwrap().krate;
        assert_eq!(quote!(#krate).to_string(), "my :: fc");
        let krate = parse(Attr::Handler, quote!(crate = "renamed",)).unwrap().krate;
        assert_eq!(quote!(#krate).to_string(), "renamed");
    }

    #[test]
    fn targeted_messages() {
        assert_eq!(
            err(quote!(port = 9000)),
            "unknown argument `port` for `#[fc::handler]`: the one argument it takes is `crate = \"…\"`"
        );
        assert_eq!(err(quote!(crate)), "`crate` for `#[fc::handler]` needs a value: `crate = \"path::to::fc\"`");
        assert_eq!(
            err(quote!(crate = fc)),
            "`crate` for `#[fc::handler]` takes a path in a string: `crate = \"my_fc\"`"
        );
        assert_eq!(
            err(quote!(crate = "not a path")),
            "`crate` for `#[fc::handler]` takes a path, as in `crate = \"my_fc\"`; found `not a path`"
        );
        assert_eq!(err(quote!(crate = "a", crate = "b")), "`crate` is given twice for `#[fc::handler]`");
        assert_eq!(err(quote!("x")), "malformed arguments for `#[fc::handler]`: expected `crate = \"…\"`");
    }
}
