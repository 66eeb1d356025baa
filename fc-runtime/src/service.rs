//! Event functions and lifecycle hooks as tower services: the [`Invocation`] a call is,
//! the [`FunctionService`] that answers it, and the layers a program wraps around it
//! with [`Runtime::layer`](crate::Runtime::layer).

use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use tower_service::Service;

use crate::context::{CallKind, Context};
use crate::error::{FunctionError, IntoFunctionError};
use crate::handler::{Handler, Outcome, Payload};
use crate::user_code::BoxFuture;

/// A boxed error, as tower services and bodies report them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One call of the event handler or of a lifecycle hook, as a tower layer sees it: the
/// call's context and its request body (empty for the hooks).
#[derive(Debug, Clone)]
pub struct Invocation {
    ctx: Context,
    body: Bytes,
}

impl Invocation {
    /// An invocation with this context and body.
    pub fn new(ctx: Context, body: impl Into<Bytes>) -> Self {
        Invocation { ctx, body: body.into() }
    }

    /// The call's context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Which call this is: [`CallKind::Invoke`] for the handler, else the hook's.
    pub fn kind(&self) -> CallKind {
        self.ctx.kind()
    }

    /// The request body (the event, for `/invoke`).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The context and the body.
    pub fn into_parts(self) -> (Context, Bytes) {
        (self.ctx, self.body)
    }
}

/// The event handler or a lifecycle hook as a tower [`Service`]: what a layer given to
/// [`Runtime::layer`](crate::Runtime::layer) wraps. It is ready at once, cheap to clone,
/// and answers an [`Invocation`] with the answer's [`Payload`] or the [`FunctionError`]
/// to report.
///
/// ```
/// use tower_service::Service;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mut service = fc::FunctionService::new(|fc::Json(n): fc::Json<i64>| async move { fc::Json(n + 1) });
/// let payload = service.call(fc::Invocation::new(fc::Context::default(), "41")).await.unwrap();
/// assert_eq!(payload.body().as_ref(), b"42");
/// # });
/// ```
#[derive(Clone)]
pub struct FunctionService {
    call: Arc<dyn Fn(Invocation) -> BoxFuture<Outcome> + Send + Sync>,
    /// The function's path (`crate::module::name`), when an attribute registered it.
    label: Option<&'static str>,
}

impl FunctionService {
    /// The service that calls `handler`.
    pub fn new<H: Handler<Args>, Args>(handler: H) -> Self {
        FunctionService {
            call: Arc::new(move |invocation: Invocation| handler.call(invocation.ctx, invocation.body)),
            label: None,
        }
    }

    /// Any service answering an [`Invocation`] with a [`Payload`], with its type erased.
    /// Its errors are reported as [`IntoFunctionError`] reports a boxed error: a
    /// [`FunctionError`] as it is, any other error with its type's name.
    pub fn from_service<S>(service: S) -> Self
    where
        S: Service<Invocation, Response = Payload> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
    {
        FunctionService {
            call: Arc::new(move |invocation| {
                let mut service = service.clone();
                Box::pin(async move {
                    std::future::poll_fn(|cx| service.poll_ready(cx)).await.map_err(report)?;
                    service.call(invocation).await.map_err(report)
                })
            }),
            label: None,
        }
    }
}

fn report(error: impl Into<BoxError>) -> FunctionError {
    error.into().into_function_error()
}

impl std::fmt::Debug for FunctionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionService").finish_non_exhaustive()
    }
}

impl Service<Invocation> for FunctionService {
    type Response = Payload;
    type Error = FunctionError;
    type Future = BoxFuture<Outcome>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), FunctionError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, invocation: Invocation) -> Self::Future {
        (self.call)(invocation)
    }
}

impl FunctionService {
    /// Calls the service without the tower ceremony (it is always ready).
    pub(crate) fn invoke(&self, invocation: Invocation) -> BoxFuture<Outcome> {
        (self.call)(invocation)
    }

    /// The function's path, for its panics' frames.
    pub(crate) fn label(&self) -> Option<&'static str> {
        self.label
    }

    /// Names the function (`crate::module::name`) for its panics' frames.
    pub(crate) fn labelled(mut self, label: &'static str) -> Self {
        self.label = Some(label);
        self
    }
}

/// A layer, as the runtime keeps it: applied to each function when the runtime starts.
pub(crate) type BoxLayer = Arc<dyn Fn(FunctionService) -> FunctionService + Send + Sync>;

/// Erases `layer`'s type.
pub(crate) fn box_layer<L>(layer: L) -> BoxLayer
where
    L: tower_layer::Layer<FunctionService> + Send + Sync + 'static,
    L::Service: Service<Invocation, Response = Payload> + Clone + Send + Sync + 'static,
    <L::Service as Service<Invocation>>::Error: Into<BoxError>,
    <L::Service as Service<Invocation>>::Future: Send + 'static,
{
    Arc::new(move |inner| {
        let label = inner.label;
        FunctionService { label, ..FunctionService::from_service(layer.layer(inner)) }
    })
}
