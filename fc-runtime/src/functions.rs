//! The program's functions: one slot for each — the event handler, the three lifecycle
//! hooks and the HTTP function — filled by the attributes' registrations or by the
//! builder, and wrapped in the program's layers when the runtime starts.

use crate::context::CallKind;
use crate::http_function::HttpHandler;
use crate::service::{BoxLayer, FunctionService};

/// The function slots.
#[derive(Default, Clone)]
pub(crate) struct Functions {
    /// `POST /invoke`.
    pub(crate) handler: Option<FunctionService>,
    /// `POST /initialize`, and before the first `/invoke`.
    pub(crate) initializer: Option<FunctionService>,
    /// `GET /pre-freeze`.
    pub(crate) pre_freeze: Option<FunctionService>,
    /// `GET /pre-stop`.
    pub(crate) pre_stop: Option<FunctionService>,
    /// Every request with `x-fc-control-path: /http-invoke`.
    pub(crate) http: Option<HttpHandler>,
    /// The HTTP function's path (`crate::module::name`), when an attribute registered it.
    pub(crate) http_label: Option<&'static str>,
}

impl Functions {
    /// The event function (handler or hook) that serves calls of `kind`; none for HTTP.
    pub(crate) fn event(&self, kind: CallKind) -> Option<&FunctionService> {
        match kind {
            CallKind::Invoke => self.handler.as_ref(),
            CallKind::Initialize => self.initializer.as_ref(),
            CallKind::PreFreeze => self.pre_freeze.as_ref(),
            CallKind::PreStop => self.pre_stop.as_ref(),
            CallKind::Http => None,
        }
    }

    /// Puts `function` in the slot for calls of `kind` (an HTTP function is not an event
    /// function: it has a slot of its own).
    pub(crate) fn set_event(&mut self, kind: CallKind, function: FunctionService) {
        let slot = match kind {
            CallKind::Invoke => &mut self.handler,
            CallKind::Initialize => &mut self.initializer,
            CallKind::PreFreeze => &mut self.pre_freeze,
            CallKind::PreStop => &mut self.pre_stop,
            CallKind::Http => return,
        };
        *slot = Some(function);
    }

    /// Wraps every event function in `layers`, the first one innermost.
    pub(crate) fn layered(mut self, layers: &[BoxLayer]) -> Self {
        for slot in [&mut self.handler, &mut self.initializer, &mut self.pre_freeze, &mut self.pre_stop] {
            if let Some(function) = slot.take() {
                *slot = Some(layers.iter().fold(function, |inner, layer| layer(inner)));
            }
        }
        self
    }
}
