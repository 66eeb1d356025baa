//! The MNS topic trigger: a message published to a topic. The subscription's format
//! decides the body:
//! - JSON: [`MnsTopicEvent`], the message with its topic and subscription (and message
//!   attributes as top-level keys);
//! - STREAM: the message body itself, unwrapped — take it as raw bytes (`fc::Bytes` or
//!   `Vec<u8>`) — or, when the message has attributes, [`MnsTopicStreamEvent`].
//!
//! Messages of an MNS *queue* arrive through EventBridge:
//! [`cloudevents::MnsQueueData`](crate::cloudevents::MnsQueueData).
//!
//! ```
//! use fc_events::mns::MnsTopicEvent;
//!
//! let event: MnsTopicEvent = serde_json::from_str(r#"{
//!     "TopicOwner": "1186", "Message": "hello topic", "Subscriber": "1186",
//!     "PublishTime": 1550216480040, "SubscriptionName": "s", "MessageMD5": "BA4B",
//!     "TopicName": "Mytopic", "MessageId": "2F5B"
//! }"#)?;
//! assert_eq!((event.topic_name.as_str(), event.message.as_str()), ("Mytopic", "hello topic"));
//! assert_eq!(event.publish_time().unwrap().timestamp_millis(), 1_550_216_480_040);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A message of an MNS topic subscription in the JSON format.
///
/// ```
/// let mut event = fc_events::mns::MnsTopicEvent::default();
/// event.attributes.insert("key".into(), "value".into());
/// assert_eq!(serde_json::to_value(&event).unwrap()["key"], "value");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MnsTopicEvent {
    /// The topic owner's account id.
    #[serde(default)]
    pub topic_owner: String,
    /// The message body.
    #[serde(default)]
    pub message: String,
    /// The subscriber's account id.
    #[serde(default)]
    pub subscriber: String,
    /// When the message was published, in milliseconds since the epoch.
    #[serde(default)]
    pub publish_time: i64,
    /// The subscription.
    #[serde(default)]
    pub subscription_name: String,
    /// The MD5 of the body.
    #[serde(rename = "MessageMD5", default)]
    pub message_md5: String,
    /// The topic.
    #[serde(default)]
    pub topic_name: String,
    /// The message id.
    #[serde(default)]
    pub message_id: String,
    /// The message's tag, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_tag: Option<String>,
    /// The message's attributes, which the JSON format gives as keys of their own.
    #[serde(flatten)]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

impl MnsTopicEvent {
    /// When the message was published.
    pub fn publish_time(&self) -> Option<crate::Time> {
        crate::encoding::epoch_millis(self.publish_time)
    }

    /// The message body parsed as JSON, for a topic whose messages are JSON.
    pub fn message_json<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(&self.message)
    }
}

/// A message of an MNS topic subscription in the STREAM format when it has attributes:
/// the body, and the attributes (without them, the body comes unwrapped).
///
/// ```
/// let event: fc_events::mns::MnsTopicStreamEvent =
///     serde_json::from_str(r#"{"body": "hello topic", "attrs": {"Extend": "{\"key\":\"value\"}"}}"#).unwrap();
/// let extend: serde_json::Value = event.extend_json().unwrap().unwrap();
/// assert_eq!(extend["key"], "value");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MnsTopicStreamEvent {
    /// The message body.
    #[serde(default)]
    pub body: String,
    /// The message's attributes (`Extend`, a JSON object as text).
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
}

impl MnsTopicStreamEvent {
    /// The `Extend` attribute parsed as JSON, when there is one.
    pub fn extend_json<T: serde::de::DeserializeOwned>(&self) -> Option<serde_json::Result<T>> {
        self.attrs.get("Extend").map(|text| serde_json::from_str(text))
    }
}
