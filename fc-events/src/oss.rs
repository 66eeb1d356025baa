//! The native OSS trigger: object events of a bucket (`{"events": [...]}`). The same
//! records arrive through EventBridge as a CloudEvent's `data`
//! ([`cloudevents::OssData`](crate::cloudevents::OssData)).
//!
//! ```
//! use fc_events::oss::{OssEvent, OssEventName};
//!
//! let event: OssEvent = serde_json::from_str(r#"{"events": [{
//!     "eventName": "ObjectCreated:PutObject", "eventTime": "2022-08-13T06:45:43.000Z",
//!     "region": "cn-hangzhou",
//!     "oss": {"bucket": {"name": "photos"}, "object": {"key": "cats/a.png", "size": 122539}}
//! }]}"#)?;
//! for record in &event.events {
//!     assert_eq!(record.event_name, OssEventName::PutObject);
//!     assert!(record.event_name.is_created());
//!     assert_eq!((record.oss.bucket.name.as_str(), record.oss.object.key.as_str()), ("photos", "cats/a.png"));
//! }
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::names::names;

/// A native OSS trigger's event: one or more object events.
///
/// ```
/// let event = fc_events::oss::OssEvent::default();
/// assert!(event.events.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OssEvent {
    /// The object events.
    #[serde(default)]
    pub events: Vec<OssRecord>,
}

/// One object event: what happened to which object, when, and who did it.
///
/// ```
/// let record = fc_events::oss::OssRecord { event_time: "2022-08-13T06:45:43.000Z".into(), ..Default::default() };
/// assert_eq!(record.time().unwrap().timestamp(), 1_660_373_143);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OssRecord {
    /// What happened (`ObjectCreated:PutObject`, …).
    pub event_name: OssEventName,
    /// `acs:oss`.
    pub event_source: String,
    /// When (RFC 3339): see [`time`](Self::time).
    pub event_time: String,
    /// The record format's version (`1.0`).
    pub event_version: String,
    /// The bucket and the object.
    pub oss: OssEntity,
    /// The bucket's region (`cn-hangzhou`).
    pub region: String,
    /// The request that caused the event.
    pub request_parameters: OssRequestParameters,
    /// The answer to that request.
    pub response_elements: OssResponseElements,
    /// Who made the request.
    pub user_identity: OssUserIdentity,
}

impl OssRecord {
    /// When the event happened.
    pub fn time(&self) -> Option<crate::Time> {
        crate::encoding::rfc3339(&self.event_time)
    }
}

/// The `oss` of an [`OssRecord`]: the bucket, the object, the rule that matched.
///
/// ```
/// let entity = fc_events::oss::OssEntity::default();
/// assert!(entity.object.object_meta.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OssEntity {
    /// The bucket.
    pub bucket: OssBucket,
    /// The object.
    pub object: OssObject,
    /// The `oss` format's version (`1.0`).
    pub oss_schema_version: String,
    /// The id of the notification rule that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
}

/// The bucket of an object event.
///
/// ```
/// let bucket = fc_events::oss::OssBucket { name: "b".into(), ..Default::default() };
/// assert_eq!(bucket.name, "b");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OssBucket {
    /// Its ARN (`acs:oss:region:account:name`).
    pub arn: String,
    /// Its name.
    pub name: String,
    /// The owner's account id.
    pub owner_identity: String,
    /// Sent empty, through EventBridge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_bucket: Option<String>,
}

/// The object of an object event.
///
/// ```
/// let object = fc_events::oss::OssObject { key: "a.png".into(), size: 7, ..Default::default() };
/// assert_eq!((object.key.as_str(), object.size), ("a.png", 7));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OssObject {
    /// How much the object's size changed, in bytes (negative when it shrank).
    pub delta_size: i64,
    /// Its ETag.
    #[serde(rename = "eTag")]
    pub e_tag: String,
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: i64,
    /// Its content type and user metadata, when the event carries them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_meta: Option<OssObjectMeta>,
}

/// The `objectMeta` of an [`OssObject`].
///
/// ```
/// let meta = fc_events::oss::OssObjectMeta { mime_type: "image/png".into(), user_meta: None };
/// assert_eq!(meta.mime_type, "image/png");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OssObjectMeta {
    /// The object's content type.
    pub mime_type: String,
    /// Its user metadata (`x-oss-meta-*`), when it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_meta: Option<BTreeMap<String, String>>,
}

/// The `requestParameters` of an [`OssRecord`].
///
/// ```
/// let p = fc_events::oss::OssRequestParameters { source_ip_address: "140.205.1.1".into() };
/// assert_eq!(p.source_ip_address, "140.205.1.1");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OssRequestParameters {
    /// The client's address.
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
}

/// The `responseElements` of an [`OssRecord`].
///
/// ```
/// let r = fc_events::oss::OssResponseElements { request_id: "58F9".into() };
/// assert_eq!(r.request_id, "58F9");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OssResponseElements {
    /// The OSS request id.
    pub request_id: String,
}

/// The `userIdentity` of an [`OssRecord`].
///
/// ```
/// let u = fc_events::oss::OssUserIdentity { principal_id: "1649".into() };
/// assert_eq!(u.principal_id, "1649");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OssUserIdentity {
    /// The requester's account id.
    pub principal_id: String,
}

names! {
    /// What happened to an object: the OSS trigger's event names.
    ///
    /// ```
    /// use fc_events::oss::OssEventName;
    /// assert_eq!(OssEventName::from("ObjectRemoved:DeleteObject"), OssEventName::DeleteObject);
    /// assert_eq!(OssEventName::from("ObjectCreated:Future").as_str(), "ObjectCreated:Future");
    /// ```
    pub enum OssEventName {
        /// `ObjectCreated:PutObject`.
        PutObject = "ObjectCreated:PutObject",
        /// `ObjectCreated:PutSymlink`.
        PutSymlink = "ObjectCreated:PutSymlink",
        /// `ObjectCreated:PostObject`.
        PostObject = "ObjectCreated:PostObject",
        /// `ObjectCreated:CopyObject`.
        CopyObject = "ObjectCreated:CopyObject",
        /// `ObjectCreated:InitiateMultipartUpload`.
        InitiateMultipartUpload = "ObjectCreated:InitiateMultipartUpload",
        /// `ObjectCreated:UploadPart`.
        UploadPart = "ObjectCreated:UploadPart",
        /// `ObjectCreated:UploadPartCopy`.
        UploadPartCopy = "ObjectCreated:UploadPartCopy",
        /// `ObjectCreated:CompleteMultipartUpload`.
        CompleteMultipartUpload = "ObjectCreated:CompleteMultipartUpload",
        /// `ObjectCreated:AppendObject`.
        AppendObject = "ObjectCreated:AppendObject",
        /// `ObjectCreated:PutObjectTagging`.
        PutObjectTagging = "ObjectCreated:PutObjectTagging",
        /// `ObjectRemoved:DeleteObject`.
        DeleteObject = "ObjectRemoved:DeleteObject",
        /// `ObjectRemoved:DeleteObjects`.
        DeleteObjects = "ObjectRemoved:DeleteObjects",
        /// `ObjectRemoved:AbortMultipartUpload`.
        AbortMultipartUpload = "ObjectRemoved:AbortMultipartUpload",
        /// `ObjectModified:UpdateObjectMeta`.
        UpdateObjectMeta = "ObjectModified:UpdateObjectMeta",
        /// `ObjectReplication:ObjectCreated`.
        ReplicationObjectCreated = "ObjectReplication:ObjectCreated",
        /// `ObjectReplication:ObjectRemoved`.
        ReplicationObjectRemoved = "ObjectReplication:ObjectRemoved",
        /// `ObjectReplication:ObjectModified`.
        ReplicationObjectModified = "ObjectReplication:ObjectModified",
    }
}

impl OssEventName {
    /// An `ObjectCreated:*` event.
    pub fn is_created(&self) -> bool {
        self.as_str().starts_with("ObjectCreated:")
    }

    /// An `ObjectRemoved:*` event.
    pub fn is_removed(&self) -> bool {
        self.as_str().starts_with("ObjectRemoved:")
    }
}
