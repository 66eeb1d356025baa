//! The CDN trigger: events of a CDN domain — cache refreshes and pushes, new log files,
//! the domain added, removed, started or stopped (`{"events": [...]}`).
//!
//! ```
//! use fc_events::cdn::{CdnEvent, CdnEventName};
//!
//! let event: CdnEvent = serde_json::from_str(r#"{"events": [{
//!     "eventName": "LogFileCreated", "eventTime": "2018-06-14T15:31:49+08:00",
//!     "resource": {"domain": "example.com"},
//!     "eventParameter": {"domain": "example.com", "filePath": "http://cdnlog/a.gz", "fileSize": 1788115,
//!         "startTime": 1528959600, "endTime": 1528959900}
//! }]}"#)?;
//! let record = &event.events[0];
//! assert_eq!(record.event_name, CdnEventName::LogFileCreated);
//! assert_eq!(record.event_parameter.file_size, Some(1_788_115));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::names::names;

/// A CDN trigger's event: one or more domain events.
///
/// ```
/// assert!(fc_events::cdn::CdnEvent::default().events.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CdnEvent {
    /// The domain events.
    #[serde(default)]
    pub events: Vec<CdnRecord>,
}

/// One domain event.
///
/// ```
/// let record = fc_events::cdn::CdnRecord { event_time: "2018-03-16T14:19:55+08:00".into(), ..Default::default() };
/// assert_eq!(record.time().unwrap().offset().local_minus_utc(), 8 * 3600);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CdnRecord {
    /// What happened.
    pub event_name: CdnEventName,
    /// The record format's version (`1.0.0`).
    pub event_version: String,
    /// `cdn`.
    pub event_source: String,
    /// The region (`cn-hangzhou`).
    pub region: String,
    /// When (RFC 3339): see [`time`](Self::time).
    pub event_time: String,
    /// The event's trace id.
    pub trace_id: String,
    /// The domain it is about.
    pub resource: CdnResource,
    /// What the event says, by event: see [`CdnEventParameter`].
    pub event_parameter: CdnEventParameter,
    /// The account.
    pub user_identity: CdnUserIdentity,
}

impl CdnRecord {
    /// When the event happened.
    pub fn time(&self) -> Option<crate::Time> {
        crate::encoding::rfc3339(&self.event_time)
    }
}

/// The `resource` of a [`CdnRecord`].
///
/// ```
/// let r = fc_events::cdn::CdnResource { domain: "example.com".into() };
/// assert_eq!(r.domain, "example.com");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CdnResource {
    /// The CDN domain.
    pub domain: String,
}

/// The `userIdentity` of a [`CdnRecord`].
///
/// ```
/// let u = fc_events::cdn::CdnUserIdentity { ali_uid: "1649".into() };
/// assert_eq!(u.ali_uid, "1649");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CdnUserIdentity {
    /// The account id.
    pub ali_uid: String,
}

/// The `eventParameter` of a [`CdnRecord`]: the domain, and what the event's kind adds.
/// Times are seconds since the epoch; numbers sent as strings are read as numbers.
///
/// - `CachedObjectsRefreshed`, `CachedObjectsPushed`, `CachedObjectsBlocked`:
///   `object_path`, `object_type`, `task_id`, `create_time`, `complete_time`;
/// - `LogFileCreated`: `file_path`, `file_size`, `start_time`, `end_time`;
/// - `CdnDomainStarted`, `CdnDomainStopped`: `status`;
/// - `CdnDomainAdded`, `CdnDomainDeleted`: the domain only.
///
/// ```
/// let p = fc_events::cdn::CdnEventParameter { start_time: Some(1_528_959_600), ..Default::default() };
/// assert_eq!(p.start_time().unwrap().timestamp(), 1_528_959_600);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CdnEventParameter {
    /// The domain.
    pub domain: String,
    /// The paths refreshed, pushed or blocked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_path: Option<Vec<String>>,
    /// `File` or `Directory`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// The refresh or push task.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::encoding::lenient_i64")]
    pub task_id: Option<i64>,
    /// When the task was made.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::encoding::lenient_i64")]
    pub create_time: Option<i64>,
    /// When the task completed.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::encoding::lenient_i64")]
    pub complete_time: Option<i64>,
    /// The domain's new status (`online`, `offline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Where to download the log file (a signed URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
    /// The log file's size in bytes.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::encoding::lenient_i64")]
    pub file_size: Option<i64>,
    /// The start of the time the log file covers.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::encoding::lenient_i64")]
    pub start_time: Option<i64>,
    /// The end of the time the log file covers.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::encoding::lenient_i64")]
    pub end_time: Option<i64>,
}

impl CdnEventParameter {
    /// `create_time` as a time.
    pub fn create_time(&self) -> Option<crate::Time> {
        crate::encoding::epoch_seconds(self.create_time?)
    }

    /// `complete_time` as a time.
    pub fn complete_time(&self) -> Option<crate::Time> {
        crate::encoding::epoch_seconds(self.complete_time?)
    }

    /// `start_time` as a time.
    pub fn start_time(&self) -> Option<crate::Time> {
        crate::encoding::epoch_seconds(self.start_time?)
    }

    /// `end_time` as a time.
    pub fn end_time(&self) -> Option<crate::Time> {
        crate::encoding::epoch_seconds(self.end_time?)
    }
}

names! {
    /// The CDN trigger's event names.
    ///
    /// ```
    /// use fc_events::cdn::CdnEventName;
    /// assert_eq!(CdnEventName::from("CdnDomainStopped"), CdnEventName::CdnDomainStopped);
    /// ```
    pub enum CdnEventName {
        /// Cached objects were refreshed.
        CachedObjectsRefreshed = "CachedObjectsRefreshed",
        /// Objects were pushed to the cache.
        CachedObjectsPushed = "CachedObjectsPushed",
        /// Cached objects were blocked.
        CachedObjectsBlocked = "CachedObjectsBlocked",
        /// A log file is ready.
        LogFileCreated = "LogFileCreated",
        /// The domain was started.
        CdnDomainStarted = "CdnDomainStarted",
        /// The domain was stopped.
        CdnDomainStopped = "CdnDomainStopped",
        /// The domain was added.
        CdnDomainAdded = "CdnDomainAdded",
        /// The domain was deleted.
        CdnDomainDeleted = "CdnDomainDeleted",
    }
}
