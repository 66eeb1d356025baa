//! What a function's signature means to the attribute: its context, input and output, or
//! every reason it is not a shape the runtime can serve.

use std::fmt;

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Signature, Type, TypePath};

/// Which attribute is being expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attr {
    Handler,
    Initializer,
    PreFreeze,
    PreStop,
}

impl Attr {
    /// The calls it serves, as the runtime names them (`fc::CallKind::…`).
    pub(crate) fn call_kind(self) -> &'static str {
        match self {
            Attr::Handler => "Invoke",
            Attr::Initializer => "Initialize",
            Attr::PreFreeze => "PreFreeze",
            Attr::PreStop => "PreStop",
        }
    }

    /// The error-reporting trait that names it (`fc::__private::…Error`).
    pub(crate) fn error_trait(self) -> &'static str {
        match self {
            Attr::Handler => "HandlerError",
            Attr::Initializer => "InitializerError",
            Attr::PreFreeze => "PreFreezeError",
            Attr::PreStop => "PreStopError",
        }
    }

    fn is_hook(self) -> bool {
        self != Attr::Handler
    }
}

impl fmt::Display for Attr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Attr::Handler => "`#[fc::handler]`",
            Attr::Initializer => "`#[fc::initializer]`",
            Attr::PreFreeze => "`#[fc::pre_freeze]`",
            Attr::PreStop => "`#[fc::pre_stop]`",
        })
    }
}

/// How the function takes the context.
pub(crate) struct ContextParam {
    /// `&Context` rather than `Context`.
    pub(crate) by_ref: bool,
    /// The type named, without the reference.
    pub(crate) ty: Type,
}

/// How a value crosses the wire: as JSON, or as raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Json,
    Raw,
    /// The whole HTTP request (`http::Request<fc::http::Body>`): an HTTP handler.
    Http,
}

/// The input parameter.
pub(crate) struct InputParam {
    pub(crate) ty: Type,
    pub(crate) encoding: Encoding,
}

/// What a successful call returns.
pub(crate) enum Value {
    /// Nothing: an empty body.
    Unit,
    /// An output of this type.
    Output { ty: Box<Type>, encoding: Encoding },
    /// An output pair `(A, B)`: for an event handler, written as a JSON array element by
    /// element, so that a type that does not fit is reported as the pair's first or
    /// second element (the second may be meant as a Go-style error).
    Pair { ty: Box<Type>, first: Box<Type>, second: Box<Type> },
}

/// The return type.
pub(crate) enum Output {
    /// A value, with no error.
    Plain(Value),
    /// A `Result` (or an alias of one): the value, the error type when it is spelled out,
    /// and the whole return type (for spans).
    Result { ok: Value, err: Option<Box<Type>>, ret: Box<Type> },
}

/// A signature the attribute accepts.
pub(crate) struct Shape {
    pub(crate) is_async: bool,
    pub(crate) context: Option<ContextParam>,
    pub(crate) input: Option<InputParam>,
    pub(crate) output: Output,
}

/// Collects errors so that all of them are reported together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, span: Span, message: impl fmt::Display) {
        let error = syn::Error::new(span, message);
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn push_spanned(&mut self, tokens: &dyn ToTokens, message: impl fmt::Display) {
        let error = syn::Error::new_spanned(tokens, message);
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }
}

fn text(tokens: &dyn ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        (" : ", ": "),
        ("( ", "("),
        (" )", ")"),
    ] {
        text = text.replace(from, to);
    }
    text
}

/// The last segment of a plain path type (`a::b::C<…>` → `C`), if it is one.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(TypePath { qself: None, path }) => path.segments.last(),
        _ => None,
    }
}

fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name)
}

/// `Context`, under any path, without arguments.
fn is_context(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Context" && s.arguments.is_none())
}

/// `Vec<u8>`, or `Bytes` under any path: the raw body; `Request<…>` under any path: the
/// whole HTTP request.
pub(crate) fn encoding(ty: &Type) -> Encoding {
    let Some(segment) = last_segment(ty) else { return Encoding::Json };
    if segment.ident == "Request" && matches!(segment.arguments, PathArguments::AngleBracketed(_)) {
        return Encoding::Http;
    }
    if segment.ident == "Bytes" && segment.arguments.is_none() {
        return Encoding::Raw;
    }
    if segment.ident == "Vec"
        && let PathArguments::AngleBracketed(args) = &segment.arguments
        && args.args.len() == 1
        && let Some(GenericArgument::Type(inner)) = args.args.first()
        && is_named(inner, "u8")
    {
        return Encoding::Raw;
    }
    Encoding::Json
}

/// A standard container under any path — `Vec<T>`, `Option<T>`, `HashMap<K, T>` or
/// `BTreeMap<K, T>` — as its name and its type arguments (`T` last). Its element `T` is
/// checked on its own, so that a type that does not fit is reported at it.
pub(crate) fn container_element(ty: &Type) -> Option<(&'static str, Vec<&Type>)> {
    let segment = last_segment(ty)?;
    let (container, arity) = match segment.ident.to_string().as_str() {
        "Vec" => ("vec", 1),
        "Option" => ("option", 1),
        "HashMap" => ("hash_map", 2),
        "BTreeMap" => ("btree_map", 2),
        _ => return None,
    };
    let PathArguments::AngleBracketed(args) = &segment.arguments else { return None };
    let types: Vec<&Type> = args
        .args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    let raw = container == "vec" && types.first().is_some_and(|t| is_named(t, "u8"));
    (types.len() == arity && args.args.len() == arity && !raw).then_some((container, types))
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

/// The first `impl Trait` in a type.
fn find_impl_trait(ty: &Type) -> Option<&syn::TypeImplTrait> {
    struct Finder<'a>(Option<&'a syn::TypeImplTrait>);
    impl<'a> Visit<'a> for Finder<'a> {
        fn visit_type_impl_trait(&mut self, found: &'a syn::TypeImplTrait) {
            self.0.get_or_insert(found);
        }
    }
    let mut finder = Finder(None);
    finder.visit_type(ty);
    finder.0
}

/// The first lifetime in a type.
fn find_lifetime(ty: &Type) -> Option<&syn::Lifetime> {
    struct Finder<'a>(Option<&'a syn::Lifetime>);
    impl<'a> Visit<'a> for Finder<'a> {
        fn visit_lifetime(&mut self, found: &'a syn::Lifetime) {
            self.0.get_or_insert(found);
        }
    }
    let mut finder = Finder(None);
    finder.visit_type(ty);
    finder.0
}

/// What a parameter is.
enum Param {
    Context(ContextParam),
    Input(InputParam),
}

/// Classifies one parameter, or says why it cannot be one.
fn classify_param(attr: Attr, ty: &Type, errors: &mut Errors) -> Option<Param> {
    if let Some(found) = find_impl_trait(ty) {
        errors.push_spanned(
            found,
            format!(
                "{attr} needs a concrete parameter type; found `{}`, which the runtime cannot construct",
                text(found)
            ),
        );
        return None;
    }
    if let Type::Reference(reference) = ty {
        if is_context(&reference.elem) {
            if let Some(mutability) = &reference.mutability {
                errors.push_spanned(
                    mutability,
                    format!("{attr} takes the context as `&fc::Context` or `fc::Context`, not `&mut`"),
                );
                return None;
            }
            return Some(Param::Context(ContextParam { by_ref: true, ty: (*reference.elem).clone() }));
        }
        let owned = match &*reference.elem {
            t if is_named(t, "str") => "String".to_owned(),
            Type::Slice(slice) if is_named(&slice.elem, "u8") => "Vec<u8>".to_owned(),
            Type::Slice(slice) => format!("Vec<{}>", text(&slice.elem)),
            other => text(other),
        };
        errors.push_spanned(
            ty,
            format!(
                "{attr} needs an owned input: `{}` would borrow from the request, which is gone when the call ends; take `{owned}` instead",
                text(ty)
            ),
        );
        return None;
    }
    if is_context(ty) {
        return Some(Param::Context(ContextParam { by_ref: false, ty: ty.clone() }));
    }
    if let Some(lifetime) = find_lifetime(ty) {
        errors.push_spanned(
            lifetime,
            format!(
                "{attr} needs an owned input: `{}` borrows for `{lifetime}`, and nothing the request holds outlives the call; use an owned type",
                text(ty)
            ),
        );
        return None;
    }
    Some(Param::Input(InputParam { ty: ty.clone(), encoding: encoding(ty) }))
}

/// `…Error`, `Box<dyn …>` or `dyn …`: the second half of a Go-style `(Out, error)`.
fn looks_like_error(ty: &Type) -> bool {
    match ty {
        Type::TraitObject(_) => true,
        _ => last_segment(ty).is_some_and(|s| {
            s.ident.to_string().ends_with("Error")
                || (s.ident == "Box"
                    && matches!(&s.arguments, PathArguments::AngleBracketed(a)
                        if matches!(a.args.first(), Some(GenericArgument::Type(Type::TraitObject(_))))))
        }),
    }
}

/// How an output crosses the wire: as an input would, and also as is for `&[u8]` and
/// `Payload` under any path (the builder's raw outputs).
fn output_encoding(ty: &Type) -> Encoding {
    match ty {
        Type::Reference(reference) if matches!(&*reference.elem, Type::Slice(s) if is_named(&s.elem, "u8")) => {
            Encoding::Raw
        }
        _ if last_segment(ty).is_some_and(|s| s.ident == "Payload" && s.arguments.is_none()) => Encoding::Raw,
        _ => encoding(ty),
    }
}

/// Classifies what a successful call returns.
fn classify_value(ty: &Type) -> Value {
    match ty {
        _ if is_unit(ty) => Value::Unit,
        Type::Tuple(tuple) if tuple.elems.len() == 2 => Value::Pair {
            ty: Box::new(ty.clone()),
            first: Box::new(tuple.elems[0].clone()),
            second: Box::new(tuple.elems[1].clone()),
        },
        _ => Value::Output { ty: Box::new(ty.clone()), encoding: output_encoding(ty) },
    }
}

/// Classifies the return type, or says why it cannot be one.
fn classify_output(attr: Attr, output: &ReturnType, errors: &mut Errors) -> Option<Output> {
    let ty = match output {
        ReturnType::Default => return Some(Output::Plain(Value::Unit)),
        ReturnType::Type(_, ty) => &**ty,
    };
    if let Some(found) = find_impl_trait(ty) {
        errors.push_spanned(found, format!("{attr} needs a concrete return type; found `{}`", text(found)));
        return None;
    }
    // A pair whose second element is an error: Go's `(Out, error)`. Other pairs are
    // outputs like any other (a JSON array).
    if let Type::Tuple(tuple) = ty
        && tuple.elems.len() == 2
        && looks_like_error(&tuple.elems[1])
    {
        let (out, err) = (&tuple.elems[0], &tuple.elems[1]);
        let hint = if is_unit(out) {
            format!("Result<(), {}>", text(err))
        } else {
            format!("Result<{}, {}>", text(out), text(err))
        };
        errors.push_spanned(
            ty,
            format!("{attr} cannot return a Go-style pair `{}`: an output and an error are `{hint}` in Rust", text(ty)),
        );
        return None;
    }
    // `Result`, or an alias of it named `Result` (`fc::Result<T>`, `anyhow::Result<T>`,
    // `io::Result<T>`), whose first argument is the output type.
    let Some(segment) = last_segment(ty).filter(|s| s.ident == "Result") else {
        return Some(Output::Plain(classify_value(ty)));
    };
    let types: Vec<&Type> = match &segment.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let Some(ok) = types.first() else {
        errors.push_spanned(
            ty,
            format!(
                "{attr} cannot see the output type through `{}`: write `Result<Out, E>`, or an alias that takes the output type, such as `fc::Result<Out>`",
                text(ty)
            ),
        );
        return None;
    };
    Some(Output::Result {
        ok: classify_value(ok),
        err: types.get(1).map(|t| Box::new((*t).clone())),
        ret: Box::new(ty.clone()),
    })
}

/// Checks the function's qualifiers and generics.
fn check_qualifiers(attr: Attr, sig: &Signature, errors: &mut Errors) {
    if let Some(variadic) = &sig.variadic {
        // Only C functions are variadic: that is the point, not `unsafe` or `extern`.
        errors.push_spanned(variadic, format!("{attr} cannot be on a variadic function"));
        return;
    }
    if let Some(constness) = &sig.constness {
        errors.push_spanned(constness, format!("{attr} cannot be on a `const fn`: the runtime calls it at run time"));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push_spanned(
            unsafety,
            format!("{attr} cannot be on an `unsafe fn`: the runtime cannot uphold its safety contract"),
        );
    }
    if let Some(abi) = &sig.abi {
        errors.push_spanned(abi, format!("{attr} cannot be on an `extern` function: it needs a Rust function"));
    }
    if !sig.generics.params.is_empty() {
        errors.push_spanned(
            &sig.generics,
            format!("{attr} cannot be on a generic function: the runtime must know the concrete types to call it"),
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.push_spanned(where_clause, format!("{attr} cannot be on a function with a `where` clause"));
    }
}

/// The shape of `function`, or all the reasons it has none.
pub(crate) fn analyze(attr: Attr, function: &ItemFn) -> syn::Result<Shape> {
    let sig = &function.sig;
    let mut errors = Errors::default();
    check_qualifiers(attr, sig, &mut errors);

    let mut params = Vec::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) => {
                let span = receiver.self_token.span();
                errors.push(span, format!("{attr} goes on a free function; found a `self` parameter"));
            }
            FnArg::Typed(typed) => {
                if let Some(param) = classify_param(attr, &typed.ty, &mut errors) {
                    params.push((typed, param));
                }
            }
        }
    }

    let mut context = None;
    let mut input = None;
    if attr.is_hook() {
        for (typed, param) in params {
            match param {
                Param::Input(_) => errors.push_spanned(
                    &typed.ty,
                    format!("{attr} takes no input, only the context; found an input of type `{}`", text(&typed.ty)),
                ),
                Param::Context(c) if context.is_none() => context = Some(c),
                Param::Context(_) => {
                    errors.push_spanned(typed, format!("{attr} takes the context once; this is a second context"))
                }
            }
        }
    } else {
        let count = sig.inputs.len();
        if count > 2 {
            for extra in sig.inputs.iter().skip(2) {
                errors.push_spanned(
                    extra,
                    format!("{attr} takes at most two parameters, the context and the input; found {count}"),
                );
            }
        }
        let params = if count > 2 { Vec::new() } else { params };
        let mut params = params.into_iter().peekable();
        let first_is_context = matches!(params.peek(), Some((_, Param::Context(_))));
        for (position, (typed, param)) in params.enumerate() {
            match param {
                Param::Context(c) if context.is_none() && position == 0 => context = Some(c),
                Param::Context(_) if first_is_context => errors.push_spanned(
                    typed,
                    format!("{attr} takes the context once; this is a second context, where the input goes"),
                ),
                Param::Context(_) => errors.push_spanned(
                    typed,
                    format!("{attr} takes the context first: write `(ctx: &fc::Context, input: T)`"),
                ),
                Param::Input(i) if input.is_none() => input = Some(i),
                Param::Input(_) => {
                    let first = match &sig.inputs[0] {
                        FnArg::Typed(first) => &*first.ty,
                        FnArg::Receiver(_) => &*typed.ty,
                    };
                    errors.push_spanned(
                        first,
                        format!(
                            "{attr} takes one input: with two parameters the first is the context, `fc::Context` or `&fc::Context`; found `{}`",
                            text(first)
                        ),
                    )
                }
            }
        }
    }

    let output = classify_output(attr, &sig.output, &mut errors);
    if attr.is_hook() {
        let returns_value = matches!(
            &output,
            Some(
                Output::Plain(Value::Output { .. } | Value::Pair { .. })
                    | Output::Result { ok: Value::Output { .. } | Value::Pair { .. }, .. }
            )
        );
        if returns_value && let ReturnType::Type(_, ty) = &sig.output {
            errors.push_spanned(ty, format!("{attr} returns nothing or `Result<(), E>`; found `{}`", text(ty)));
        }
    }

    match (errors.0, output) {
        (Some(error), _) => Err(error),
        (None, Some(output)) => Ok(Shape { is_async: sig.asyncness.is_some(), context, input, output }),
        (None, None) => Err(syn::Error::new(sig.span(), format!("{attr} cannot serve this function"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(attr: Attr, item: &str) -> syn::Result<Shape> {
        analyze(attr, &syn::parse_str(item).unwrap())
    }

    fn error(attr: Attr, item: &str) -> Vec<String> {
        match shape(attr, item) {
            Ok(_) => panic!("accepted: {item}"),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn accepts_every_go_shape() {
        for item in [
            "fn f() {}",
            "fn f() -> Result<(), E> { todo!() }",
            "fn f(i: In) -> Result<(), E> { todo!() }",
            "fn f() -> Result<Out, E> { todo!() }",
            "fn f(i: In) -> Result<Out, E> { todo!() }",
            "fn f(c: &fc::Context) -> Result<(), E> { todo!() }",
            "fn f(c: fc::Context, i: In) -> Result<(), E> { todo!() }",
            "async fn f(c: &Context) -> Result<Out, E> { todo!() }",
            "async fn f(c: &Context, i: In) -> fc::Result<Out> { todo!() }",
        ] {
            assert!(shape(Attr::Handler, item).is_ok(), "{item}");
        }
    }

    #[test]
    fn classifies_parameters_and_outputs() {
        let s =
            shape(Attr::Handler, "async fn f(c: &fc::Context, body: Vec<u8>) -> anyhow::Result<fc::Bytes> { todo!() }")
                .unwrap();
        assert!(s.is_async && s.context.as_ref().unwrap().by_ref);
        assert_eq!(s.input.unwrap().encoding, Encoding::Raw);
        assert!(matches!(
            s.output,
            Output::Result { ok: Value::Output { encoding: Encoding::Raw, .. }, err: None, .. }
        ));
        let s = shape(Attr::Handler, "fn f(e: Vec<u16>) -> String { todo!() }").unwrap();
        assert!(s.context.is_none() && !s.is_async);
        assert_eq!(s.input.unwrap().encoding, Encoding::Json);
        assert!(matches!(s.output, Output::Plain(Value::Output { encoding: Encoding::Json, .. })));
        let s = shape(
            Attr::Handler,
            "async fn f(c: &Context, r: http::Request<fc::http::Body>) -> Response<Body> { todo!() }",
        )
        .unwrap();
        assert_eq!(s.input.unwrap().encoding, Encoding::Http);
        let s = shape(Attr::PreStop, "fn f(c: Context) -> Result<(), String> { todo!() }").unwrap();
        assert!(matches!(s.output, Output::Result { ok: Value::Unit, err: Some(_), .. }));
    }

    #[test]
    fn rejects_with_targeted_messages() {
        assert_eq!(
            error(Attr::Handler, "fn f(a: A, b: B, c: C) {}"),
            ["`#[fc::handler]` takes at most two parameters, the context and the input; found 3"]
        );
        assert_eq!(
            error(Attr::Handler, "fn f(a: A, c: &Context) {}"),
            ["`#[fc::handler]` takes the context first: write `(ctx: &fc::Context, input: T)`"]
        );
        assert_eq!(
            error(Attr::Handler, "fn f(a: Context, c: &Context) {}"),
            ["`#[fc::handler]` takes the context once; this is a second context, where the input goes"]
        );
        assert_eq!(
            error(Attr::Handler, "fn f(a: A, b: B) {}"),
            [
                "`#[fc::handler]` takes one input: with two parameters the first is the context, `fc::Context` or `&fc::Context`; found `A`"
            ]
        );
        assert_eq!(
            error(Attr::Handler, "fn f(a: &str) {}"),
            [
                "`#[fc::handler]` needs an owned input: `&str` would borrow from the request, which is gone when the call ends; take `String` instead"
            ]
        );
        assert_eq!(
            error(Attr::Handler, "fn f() -> (Out, Error) { todo!() }"),
            [
                "`#[fc::handler]` cannot return a Go-style pair `(Out, Error)`: an output and an error are `Result<Out, Error>` in Rust"
            ]
        );
        assert_eq!(
            error(Attr::PreFreeze, "fn f(c: &Context, e: Event) -> u32 { 1 }"),
            [
                "`#[fc::pre_freeze]` takes no input, only the context; found an input of type `Event`",
                "`#[fc::pre_freeze]` returns nothing or `Result<(), E>`; found `u32`"
            ]
        );
        // Every problem is reported, not only the first.
        assert_eq!(error(Attr::Handler, "const unsafe fn f<T>(x: impl Tr) {}").len(), 4);
    }
}
