//! The expansion: the user's function, unchanged, plus its glue and its registration in a
//! `const _: () = { … };` block; or the function plus the errors.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Item, Path};

use crate::args;
use crate::signature::{self, Attr, Encoding, Output, Shape, Value};
use crate::site::Site;

/// Expands the attribute on `item`. Never panics: every problem becomes a compile error
/// emitted beside the unchanged item.
pub(crate) fn expand(attr: Attr, site: Site, args: TokenStream, item: TokenStream) -> TokenStream {
    match try_expand(attr, site, args, item.clone()) {
        Ok(tokens) => tokens,
        Err(error) => {
            let error = error.to_compile_error();
            // A variadic function cannot compile anyway: leave it out, so that only the
            // attribute's errors are shown.
            match syn::parse2::<syn::ItemFn>(item.clone()) {
                Ok(function) if function.sig.variadic.is_some() => error,
                _ => quote!(#item #error),
            }
        }
    }
}

fn try_expand(attr: Attr, site: Site, args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let parsed_args = args::parse(attr, args);
    let function = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(function)) => function,
        Ok(other) => return Err(not_a_function(attr, &other)),
        Err(error) => return Err(syn::Error::new(error.span(), format!("{attr} goes on a function: {error}"))),
    };
    // A method (`self`) is reported by the shape check, at its `self`.
    let has_receiver = function.sig.receiver().is_some();
    if let Some(ty) = site.in_impl.as_ref().filter(|_| !has_receiver) {
        let name = &function.sig.ident;
        return Err(syn::Error::new(
            name.span(),
            format!(
                "{attr} goes on a free function, not on an associated function of an `impl` block: \
                 move `{name}` out of `impl {ty}`, or put the attribute on a free function that calls `{ty}::{name}`"
            ),
        ));
    }
    let shape = signature::analyze(attr, &function);
    let (args, shape) = match (parsed_args, shape) {
        (Ok(args), Ok(shape)) => (args, shape),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let glue = glue(attr, &args.krate, &function.sig.ident, &shape);
    Ok(quote! {
        #item
        #glue
    })
}

fn not_a_function(attr: Attr, item: &Item) -> syn::Error {
    let (what, span) = match item {
        Item::Struct(s) => ("a struct", s.struct_token.span.join(s.ident.span()).unwrap_or(s.ident.span())),
        Item::Enum(e) => ("an enum", e.ident.span()),
        Item::Static(s) => ("a static", s.ident.span()),
        Item::Const(c) => ("a const", c.ident.span()),
        Item::Mod(m) => ("a module", m.ident.span()),
        Item::Impl(i) => ("an impl block", i.impl_token.span),
        Item::Trait(t) => ("a trait", t.ident.span()),
        Item::Type(t) => ("a type alias", t.ident.span()),
        Item::Use(u) => ("a `use`", u.use_token.span),
        other => ("this item", other.span()),
    };
    syn::Error::new(span, format!("{attr} goes on a function, not on {what}"))
}

/// The glue: argument building, the call, the answer, the checks and the registration.
fn glue(attr: Attr, krate: &Path, name: &Ident, shape: &Shape) -> TokenStream {
    let private = quote!(#krate::__private);
    let ctx = Ident::new("__fc_ctx", Span::mixed_site());
    let body = Ident::new("__fc_body", Span::mixed_site());
    let output = Ident::new("__fc_output", Span::mixed_site());
    // Every use of a user's type is spanned at that type: a type that does not fit gets
    // one error, there, with the message of the runtime's trait it lacks.
    let mut call_args = Vec::new();
    if let Some(context) = &shape.context {
        let ty = &context.ty;
        call_args.push(if context.by_ref {
            quote_spanned!(ty.span()=> #private::context_ref::<#ty>(&#ctx))
        } else {
            quote_spanned!(ty.span()=> #private::context_owned::<#ty>(&#ctx))
        });
    }
    let mut prelude = TokenStream::new();
    if let Some(input) = &shape.input {
        let ty = &input.ty;
        let value = Ident::new("__fc_input", Span::mixed_site());
        let build = match input.encoding {
            Encoding::Json => match signature::container_element(ty) {
                Some((container, types)) => {
                    let parse = format_ident!("json_input_{}", container);
                    let types = types.iter().map(|t| quote_spanned!(t.span()=> #t));
                    quote_spanned!(ty.span()=> #private::#parse::<#(#types),*>(&#ctx, &#body))
                }
                // A type of its own encoding (`FromInvocation`) or else JSON: see `InputProbe`.
                None => quote_spanned!(ty.span()=> {
                    #[allow(unused_imports)]
                    use #private::{JsonProbeInput as _, OwnInput as _};
                    (&#private::InputProbe::<#ty>::new()).fc_input(&#ctx, #body)
                }),
            },
            Encoding::Raw => quote_spanned!(ty.span()=> #private::raw_input::<#ty>(&#ctx, #body)),
            Encoding::Http => quote_spanned!(ty.span()=> #private::Ok(#private::http_input::<#ty>(#body))),
        };
        let error = Ident::new("__fc_error", Span::mixed_site());
        prelude = quote! {
            let #value: #ty = match #build {
                #private::Ok(#value) => #value,
                #private::Err(#error) => return #private::Err(#error),
            };
        };
        call_args.push(quote!(#value));
    }

    let http = matches!(&shape.input, Some(input) if input.encoding == Encoding::Http);
    let answer = |value: &Value, expr: TokenStream| match value {
        Value::Unit if http => quote!({ let () = #expr; #private::http_output(()) }),
        Value::Output { ty, .. } if http => quote_spanned!(ty.span()=> #private::http_output::<#ty>(#expr)),
        Value::Unit => quote!({ let () = #expr; #private::empty_output() }),
        Value::Output { ty, encoding: Encoding::Json } => match signature::container_element(ty) {
            Some((container, types)) => {
                let write = format_ident!("json_output_{}", container);
                let types = types.iter().map(|t| quote_spanned!(t.span()=> #t));
                quote_spanned!(ty.span()=> #private::#write::<#(#types),*>(#expr))
            }
            // A `Result` under another name is answered as a `Result`.
            None => {
                let answer =
                    quote_spanned!(ty.span()=> #private::OutputProbe::<#ty>(#private::Some(#expr)).fc_answer());
                quote! {
                    {
                        #[allow(unused_imports)]
                        use #private::{PlainAnswer as _, ResultAnswer as _};
                        #answer
                    }
                }
            }
        },
        Value::Pair { ty, .. } if http => quote_spanned!(ty.span()=> #private::http_output::<#ty>(#expr)),
        Value::Pair { first: a, second: b, .. } => {
            let (first, second) =
                (Ident::new("__fc_first", Span::mixed_site()), Ident::new("__fc_second", Span::mixed_site()));
            let a_arg = quote_spanned!(a.span()=> #a);
            let b_arg = quote_spanned!(b.span()=> #b);
            quote! {
                match #expr {
                    (#first, #second) => #private::json_pair::<#a_arg, #b_arg>(#first, #second),
                }
            }
        }
        Value::Output { ty, encoding: Encoding::Raw | Encoding::Http } => {
            quote_spanned!(ty.span()=> #private::raw_output::<#ty>(#expr))
        }
    };
    let error_trait = format_ident!("{}", attr.error_trait());
    let convert = match &shape.output {
        Output::Plain(value) => answer(value, quote!(#output)),
        Output::Result { ok, err, ret } => {
            let ok_value = Ident::new("__fc_ok", Span::mixed_site());
            let error = Ident::new("__fc_error", Span::mixed_site());
            let ok_answer = answer(ok, quote!(#ok_value));
            // At the error type when it is spelled out, else at the return type (an alias).
            let span = err.as_ref().map_or_else(|| ret.span(), |err| err.span());
            let at_ty = Ident::new("__fc_error", Span::mixed_site().located_at(span));
            let report = quote_spanned!(span=> #private::#error_trait::report(#at_ty));
            quote! {
                match #output {
                    #private::Ok(#ok_value) => #ok_answer,
                    #private::Err(#error) => #private::Err(#report),
                }
            }
        }
    };

    // The glue is a handler of the builder's model — a closure of the context and the
    // body, made a `FunctionService` as `Runtime::handler` makes one (a sync function
    // through `blocking`), or an HTTP handler made a service as `Runtime::http` takes
    // one. Closures, not named items: nothing the glue defines can shadow a user's item,
    // or be shadowed by one. They capture nothing.
    let call = |body_ty: TokenStream, outcome: TokenStream| {
        if shape.is_async {
            // The future, boxed as the runtime keeps it, at the function's name: one that
            // is not `Send` is reported there, once, with what it holds across `.await`.
            let private_here = respanned(private.clone(), name.span());
            let future = quote_spanned! {name.span()=>
                #private_here::attribute_requires_a_send_future(async move {
                    #prelude
                    let #output = #name(#(#call_args),*).await;
                    #convert
                })
            };
            quote! {
                |#ctx: #private::Context, #body: #body_ty| -> #private::BoxFuture<#outcome> { #future }
            }
        } else {
            quote! {
                |#ctx: #private::Context, #body: #body_ty| -> #outcome {
                    #prelude
                    let #output = #name(#(#call_args),*);
                    #convert
                }
            }
        }
    };
    let line = quote_spanned!(name.span()=> ::core::line!());
    let file = quote_spanned!(name.span()=> ::core::file!());
    // The function's path, which labels its panics' frames where an optimised build has
    // inlined it into this glue.
    let path = quote_spanned!(name.span()=> ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#name)));
    let registration = if http {
        let call = call(quote!(#private::Request<#private::HttpBody>), quote!(#private::HttpOutcome));
        let function = if shape.is_async {
            quote! {
                #private::HttpFn::Async(#call)
            }
        } else {
            quote!(#private::HttpFn::Sync(#call))
        };
        let make = quote!(|| -> #private::HttpHandler { #private::http_handler(#function) });
        quote!(#private::Registration::http(::core::stringify!(#name), #path, #file, #line, #make))
    } else {
        let call = call(quote!(#private::Bytes), quote!(#private::Outcome));
        let service = if shape.is_async {
            quote!(#private::FunctionService::new(#private::Glue(#call)))
        } else {
            quote!(#private::FunctionService::new(#private::blocking(#call)))
        };
        let make = quote!(|| -> #private::FunctionService { #service });
        let kind = format_ident!("{}", attr.call_kind());
        quote!(#private::Registration::new(
            #private::CallKind::#kind,
            ::core::stringify!(#name),
            #path,
            #file,
            #line,
            #make
        ))
    };
    quote! {
        #[doc(hidden)]
        #[allow(deprecated, clippy::all)]
        const _: () = {
            #private::inventory::submit! { #registration }
        };
    }
}

/// `tokens` with every token at `span` (a path, so that an error it causes points there).
fn respanned(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(attr: Attr, args: TokenStream, item: TokenStream) -> String {
        expand(attr, Site::default(), args, item).to_string()
    }

    #[test]
    fn keeps_the_function_and_adds_the_glue() {
        let out = expanded(
            Attr::Handler,
            quote!(),
            quote!(
                async fn hello(ctx: &fc::Context, e: Event) -> String {
                    todo!()
                }
            ),
        );
        assert!(out.starts_with("async fn hello (ctx : & fc :: Context , e : Event) -> String { todo ! () }"), "{out}");
        assert!(
            out.contains(
                ":: fc :: __private :: InputProbe :: < Event > :: new ()) . fc_input (& __fc_ctx , __fc_body)"
            ),
            "{out}"
        );
        assert!(
            out.contains(":: fc :: __private :: FunctionService :: new (:: fc :: __private :: Glue (| __fc_ctx"),
            "{out}"
        );
        assert!(out.contains(":: fc :: __private :: attribute_requires_a_send_future (async move"), "{out}");
        assert!(out.contains(":: fc :: __private :: CallKind :: Invoke"), "{out}");
    }

    #[test]
    fn a_renamed_crate_is_used_everywhere() {
        let out = expanded(
            Attr::PreStop,
            quote!(crate = "my_fc"),
            quote!(
                fn stop() {}
            ),
        );
        assert!(!out.contains(":: fc ::"), "{out}");
        assert!(out.contains("my_fc :: __private :: blocking"), "{out}");
    }

    #[test]
    fn errors_keep_the_function() {
        let out = expanded(
            Attr::Handler,
            quote!(bogus),
            quote!(
                fn f(a: A, b: B, c: C) {}
            ),
        );
        assert!(out.starts_with("fn f (a : A , b : B , c : C) { }"), "{out}");
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
        let out = expanded(
            Attr::Initializer,
            quote!(),
            quote!(
                struct S;
            ),
        );
        assert!(out.starts_with("struct S ;"), "{out}");
        assert!(out.contains("goes on a function, not on a struct"), "{out}");
    }
}
