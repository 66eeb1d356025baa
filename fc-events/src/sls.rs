//! The Simple Log Service (SLS) trigger: a call for each range of a log store shard's
//! data, given as cursors to read with the SLS API.
//!
//! ```
//! use fc_events::sls::SlsEvent;
//!
//! let event: SlsEvent = serde_json::from_str(r#"{
//!     "parameter": {}, "jobName": "job", "taskId": "task", "cursorTime": 1529486425,
//!     "source": {"endpoint": "http://cn-hangzhou-intranet.log.aliyuncs.com",
//!         "projectName": "p", "logstoreName": "s", "shardId": 0,
//!         "beginCursor": "MTUyOTQ4MDIwOTY1NTk3ODQ2Mw==", "endCursor": "MTUyOTQ4MDIwOTY1NTk3ODQ2NA=="}
//! }"#)?;
//! assert_eq!((event.source.project_name.as_str(), event.source.logstore_name.as_str()), ("p", "s"));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An SLS trigger's event.
///
/// ```
/// let event = fc_events::sls::SlsEvent { cursor_time: 1_529_486_425, ..Default::default() };
/// assert_eq!(event.cursor_time().unwrap().timestamp(), 1_529_486_425);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsEvent {
    /// The function parameters configured on the trigger.
    #[serde(default)]
    pub parameter: BTreeMap<String, serde_json::Value>,
    /// Which shard's data, and where it starts and ends.
    #[serde(default)]
    pub source: SlsSource,
    /// The ETL job's name.
    #[serde(default)]
    pub job_name: String,
    /// The task's id.
    #[serde(default)]
    pub task_id: String,
    /// When the data at the end cursor arrived, in seconds since the epoch.
    #[serde(default)]
    pub cursor_time: i64,
}

impl SlsEvent {
    /// When the data at the end cursor arrived.
    pub fn cursor_time(&self) -> Option<crate::Time> {
        crate::encoding::epoch_seconds(self.cursor_time)
    }
}

/// The `source` of an [`SlsEvent`].
///
/// ```
/// let source = fc_events::sls::SlsSource { shard_id: 3, ..Default::default() };
/// assert_eq!(source.shard_id, 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsSource {
    /// The SLS endpoint to read from.
    #[serde(default)]
    pub endpoint: String,
    /// The project.
    #[serde(default)]
    pub project_name: String,
    /// The log store.
    #[serde(default)]
    pub logstore_name: String,
    /// The shard.
    #[serde(default)]
    pub shard_id: u32,
    /// Where the data starts: an SLS cursor.
    #[serde(default)]
    pub begin_cursor: String,
    /// Where the data ends: an SLS cursor.
    #[serde(default)]
    pub end_cursor: String,
}
