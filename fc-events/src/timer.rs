//! The timer trigger: a call at the times its cron expression or interval names, with the
//! trigger's payload.
//!
//! ```
//! use fc_events::timer::TimerEvent;
//!
//! let event: TimerEvent = serde_json::from_str(
//!     r#"{"triggerTime": "2023-12-26T07:49:00Z", "triggerName": "every-minute", "payload": "awesome-fc"}"#,
//! )?;
//! assert_eq!(event.trigger_name, "every-minute");
//! assert_eq!(event.time().unwrap().timestamp(), 1_703_576_940);
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

/// A timer trigger's event.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Job { table: String }
///
/// let event = fc_events::timer::TimerEvent { payload: r#"{"table": "t1"}"#.into(), ..Default::default() };
/// assert_eq!(event.payload_json::<Job>().unwrap().table, "t1");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimerEvent {
    /// When the trigger fired (RFC 3339, UTC): see [`time`](Self::time).
    #[serde(default)]
    pub trigger_time: String,
    /// The trigger's name.
    #[serde(default)]
    pub trigger_name: String,
    /// The payload configured on the trigger, as text.
    #[serde(default)]
    pub payload: String,
}

impl TimerEvent {
    /// When the trigger fired.
    pub fn time(&self) -> Option<crate::Time> {
        crate::encoding::rfc3339(&self.trigger_time)
    }

    /// The payload parsed as JSON, for a trigger configured with a JSON payload.
    pub fn payload_json<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(&self.payload)
    }
}
