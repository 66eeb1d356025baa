//! Events delivered through EventBridge: CloudEvents 1.0 JSON with Alibaba Cloud's
//! extension attributes ([`CloudEvent<T>`]), one per call or, for a trigger that pushes in
//! batches, a JSON array of them (`Vec<CloudEvent<T>>`, or [`Batch<T>`] to take either).
//! `T` is the event's `data`: typed for the trigger families below, `serde_json::Value`
//! (the default) for anything else (Alibaba Cloud service events, say).
//!
//! | Trigger | `data` |
//! |---|---|
//! | OSS through EventBridge | [`OssData`] |
//! | MNS queue | [`MnsQueueData`] |
//! | ApsaraMQ for Kafka | [`KafkaData`] |
//! | ApsaraMQ for RocketMQ, self-managed Apache RocketMQ | [`RocketMqData`] |
//! | ApsaraMQ for RabbitMQ | [`RabbitMqData`] |
//! | DTS | [`DtsData`] |
//! | ApsaraMQ for MQTT | [`MqttData`] |
//!
//! ```
//! use fc_events::cloudevents::{CloudEvent, KafkaData};
//!
//! let events: Vec<CloudEvent<KafkaData>> = serde_json::from_str(r#"[{
//!     "specversion": "1.0", "id": "8e21", "source": "acs:alikafka", "type": "alikafka:Topic:Message",
//!     "time": "2022-06-23T02:49:51.589Z", "aliyunaccountid": "1649",
//!     "data": {"topic": "orders", "partition": 7, "offset": 25, "timestamp": 1655952591589,
//!         "headers": {"headers": [], "isReadOnly": false}, "key": "k", "value": "{\"n\": 1}"}
//! }]"#)?;
//! for event in &events {
//!     assert_eq!(event.aliyun_account_id.as_deref(), Some("1649"));
//!     assert_eq!((event.data.topic.as_str(), event.data.partition, event.data.offset), ("orders", 7, 25));
//!     let value: serde_json::Value = event.data.value_json()?;
//!     assert_eq!(value["n"], 1);
//! }
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A CloudEvents 1.0 event as EventBridge delivers it, with `data` of type `T`.
///
/// ```
/// use fc_events::cloudevents::CloudEvent;
///
/// let event: CloudEvent = serde_json::from_str(r#"{"id": "1", "source": "acs.ebs", "specversion": "1.0",
///     "type": "ebs:Disk:DiskBPSExceedDiskMaxLimit", "time": "2020-11-19T21:04:41+08:00",
///     "aliyunregionid": "cn-hangzhou", "data": {"resourceId": "d-2ze"}}"#).unwrap();
/// assert_eq!(event.data["resourceId"], "d-2ze");
/// assert_eq!(event.time().unwrap().timestamp(), 1_605_791_081);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct CloudEvent<T = serde_json::Value> {
    /// The event's id.
    #[serde(default)]
    pub id: String,
    /// Where it comes from: a service (`acs:alikafka`), or the trigger's or bus's name.
    #[serde(default)]
    pub source: String,
    /// The CloudEvents version (`1.0`).
    #[serde(default)]
    pub specversion: String,
    /// What happened (`oss:ObjectCreated:PutObject`, `mns:Queue:SendMessage`, …).
    #[serde(rename = "type", default)]
    pub event_type: String,
    /// The content type of `data`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacontenttype: Option<String>,
    /// The schema `data` follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataschema: Option<String>,
    /// What the event is about (an ARN: `acs:oss:cn-hangzhou:…:bucket/key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// When it happened, as text: see [`time`](Self::time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// `aliyunaccountid`: the account the event belongs to.
    #[serde(rename = "aliyunaccountid", default, skip_serializing_if = "Option::is_none")]
    pub aliyun_account_id: Option<String>,
    /// `aliyunoriginalaccountid`: the account that published it.
    #[serde(rename = "aliyunoriginalaccountid", default, skip_serializing_if = "Option::is_none")]
    pub aliyun_original_account_id: Option<String>,
    /// `aliyunpublishtime`: when EventBridge received it, as text: see
    /// [`publish_time`](Self::publish_time).
    #[serde(rename = "aliyunpublishtime", default, skip_serializing_if = "Option::is_none")]
    pub aliyun_publish_time: Option<String>,
    /// `aliyuneventbusname`: the event bus.
    #[serde(rename = "aliyuneventbusname", default, skip_serializing_if = "Option::is_none")]
    pub aliyun_event_bus_name: Option<String>,
    /// `aliyunregionid`: the region.
    #[serde(rename = "aliyunregionid", default, skip_serializing_if = "Option::is_none")]
    pub aliyun_region_id: Option<String>,
    /// `aliyunpublishaddr`: the publisher's address.
    #[serde(rename = "aliyunpublishaddr", default, skip_serializing_if = "Option::is_none")]
    pub aliyun_publish_addr: Option<String>,
    /// The event's data.
    pub data: T,
    /// Any other extension attribute, by name.
    #[serde(flatten)]
    pub extensions: BTreeMap<String, serde_json::Value>,
}

impl<T> CloudEvent<T> {
    /// When the event happened (RFC 3339; a zone written `Asia/Shanghai` or `PRC` is read
    /// as `+08:00`).
    pub fn time(&self) -> Option<crate::Time> {
        crate::encoding::lenient_time(self.time.as_deref()?)
    }

    /// When EventBridge received the event.
    pub fn publish_time(&self) -> Option<crate::Time> {
        crate::encoding::lenient_time(self.aliyun_publish_time.as_deref()?)
    }
}

/// Events of a batch push, taken in every form they arrive in: a JSON array of events, an
/// array of events each written as a JSON string, or a single event.
///
/// ```
/// use fc_events::cloudevents::{Batch, KafkaData};
///
/// let batch: Batch<KafkaData> = serde_json::from_str(
///     r#"["{\"id\": \"1\", \"data\": {\"topic\": \"t\", \"partition\": 0, \"offset\": 3}}"]"#,
/// ).unwrap();
/// assert_eq!(batch[0].data.offset, 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(bound(serialize = "T: Serialize"), transparent)]
pub struct Batch<T = serde_json::Value>(pub Vec<CloudEvent<T>>);

impl<T> std::ops::Deref for Batch<T> {
    type Target = Vec<CloudEvent<T>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T> IntoIterator for Batch<T> {
    type Item = CloudEvent<T>;
    type IntoIter = std::vec::IntoIter<CloudEvent<T>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Batch<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for Visitor<T> {
            type Value = Batch<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CloudEvent or an array of them")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Batch<T>, A::Error> {
                let event = CloudEvent::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Batch(vec![event]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Batch<T>, A::Error> {
                let mut events = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(Element(event)) = seq.next_element()? {
                    events.push(event);
                }
                Ok(Batch(events))
            }
        }
        deserializer.deserialize_any(Visitor(PhantomData))
    }
}

/// An element of a batch: an event, or an event written as a JSON string.
struct Element<T>(CloudEvent<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Element<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for Visitor<T> {
            type Value = Element<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CloudEvent, or one written as a JSON string")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Element<T>, A::Error> {
                CloudEvent::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Element)
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Element<T>, E> {
                serde_json::from_str(text).map(Element).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor(PhantomData))
    }
}

/// The `data` of an OSS event through EventBridge: the native trigger's record.
///
/// ```
/// use fc_events::cloudevents::{CloudEvent, OssData};
///
/// let event: CloudEvent<OssData> = serde_json::from_str(r#"{"type": "oss:ObjectCreated:PutObject",
///     "data": {"eventName": "ObjectCreated:PutObject", "oss": {"object": {"key": "a.png"}}}}"#).unwrap();
/// assert_eq!(event.data.oss.object.key, "a.png");
/// ```
pub type OssData = crate::oss::OssRecord;

/// The `data` of an MNS queue trigger's event: a message taken from the queue.
///
/// ```
/// let data = fc_events::cloudevents::MnsQueueData { message_body: "aGVsbG8=".into(), ..Default::default() };
/// assert_eq!(data.message_body_base64().unwrap(), b"hello");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MnsQueueData {
    /// The MNS request id.
    pub request_id: String,
    /// The message id.
    pub message_id: String,
    /// The message body, as the trigger passes it (base64 unless the trigger decodes it).
    pub message_body: String,
}

impl MnsQueueData {
    /// The message body decoded from base64.
    pub fn message_body_base64(&self) -> Result<Vec<u8>, base64::DecodeError> {
        crate::encoding::base64(&self.message_body)
    }

    /// The message body parsed as JSON.
    pub fn message_body_json<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(&self.message_body)
    }
}

/// The `data` of an ApsaraMQ for Kafka trigger's event: one record.
///
/// ```
/// let data = fc_events::cloudevents::KafkaData { timestamp: 1_655_952_591_589, ..Default::default() };
/// assert_eq!(data.time().unwrap().timestamp_millis(), 1_655_952_591_589);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KafkaData {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The record's offset in its partition.
    pub offset: i64,
    /// The record's timestamp, in milliseconds since the epoch.
    pub timestamp: i64,
    /// The record's headers.
    pub headers: KafkaHeaders,
    /// The record's key, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The record's value, as the trigger's format gives it: text, base64 (binary), or
    /// JSON.
    pub value: serde_json::Value,
}

impl KafkaData {
    /// When the record was written.
    pub fn time(&self) -> Option<crate::Time> {
        crate::encoding::epoch_millis(self.timestamp)
    }

    /// The value as text, when it is a string.
    pub fn value_str(&self) -> Option<&str> {
        self.value.as_str()
    }

    /// The value decoded from base64 (the trigger's binary format).
    pub fn value_bytes(&self) -> Option<Result<Vec<u8>, base64::DecodeError>> {
        self.value.as_str().map(crate::encoding::base64)
    }

    /// The value as JSON: parsed from the string, or taken as it is when the trigger's
    /// JSON format already gave it as JSON.
    pub fn value_json<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        match &self.value {
            serde_json::Value::String(text) => serde_json::from_str(text),
            value => T::deserialize(value),
        }
    }
}

/// The `headers` of a [`KafkaData`].
///
/// ```
/// assert!(fc_events::cloudevents::KafkaHeaders::default().headers.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KafkaHeaders {
    /// The headers.
    pub headers: Vec<serde_json::Value>,
    /// Whether they were read-only to the producer.
    pub is_read_only: bool,
}

/// The `data` of an ApsaraMQ for RocketMQ trigger's event (and each element of a
/// self-managed Apache RocketMQ trigger's batch): one message.
///
/// ```
/// let mut data = fc_events::cloudevents::RocketMqData::default();
/// data.system_properties.insert("TAGS".into(), "TagA".into());
/// assert_eq!(data.tags(), Some("TagA"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RocketMqData {
    /// The message id (self-managed Apache RocketMQ).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<String>,
    /// The topic.
    pub topic: String,
    /// The message's system properties (`TAGS`, `KEYS`, `UNIQ_KEY`, offsets, …): strings
    /// and numbers.
    pub system_properties: BTreeMap<String, serde_json::Value>,
    /// The message's user properties.
    pub user_properties: BTreeMap<String, serde_json::Value>,
    /// The message body.
    pub body: String,
}

impl RocketMqData {
    /// The message's tag: `systemProperties.TAGS`.
    pub fn tags(&self) -> Option<&str> {
        self.system_properties.get("TAGS")?.as_str()
    }

    /// The message's keys: `systemProperties.KEYS`.
    pub fn keys(&self) -> Option<&str> {
        self.system_properties.get("KEYS")?.as_str()
    }

    /// A system property read as an integer, whether sent as a number or as a string
    /// (`MIN_OFFSET`, `MAX_OFFSET`, `CONSUME_START_TIME`).
    pub fn system_property_i64(&self, name: &str) -> Option<i64> {
        match self.system_properties.get(name)? {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The message body parsed as JSON.
    pub fn body_json<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(&self.body)
    }
}

/// The `data` of an ApsaraMQ for RabbitMQ trigger's event: one message.
///
/// ```
/// let data = fc_events::cloudevents::RabbitMqData { body: serde_json::json!({"Hello": "RabbitMQ"}), ..Default::default() };
/// assert_eq!(data.body_json::<serde_json::Value>().unwrap()["Hello"], "RabbitMQ");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RabbitMqData {
    /// How it was delivered.
    pub envelope: RabbitMqEnvelope,
    /// The message body: JSON, or text.
    pub body: serde_json::Value,
    /// The message's properties (`contentEncoding`, `messageId`, `headers`, …).
    pub props: BTreeMap<String, serde_json::Value>,
}

impl RabbitMqData {
    /// The body as JSON: parsed from the string, or taken as it is.
    pub fn body_json<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        match &self.body {
            serde_json::Value::String(text) => serde_json::from_str(text),
            value => T::deserialize(value),
        }
    }
}

/// The `envelope` of a [`RabbitMqData`].
///
/// ```
/// let e = fc_events::cloudevents::RabbitMqEnvelope { routing_key: "k".into(), ..Default::default() };
/// assert_eq!(e.routing_key, "k");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RabbitMqEnvelope {
    /// The delivery tag.
    pub delivery_tag: i64,
    /// The exchange (empty for the default one).
    pub exchange: String,
    /// Whether it was delivered before.
    pub redeliver: bool,
    /// The routing key.
    pub routing_key: String,
}

/// The `data` of an ApsaraMQ for MQTT trigger's batch element: one message.
///
/// ```
/// let m = fc_events::cloudevents::MqttData { body: "hi".into(), ..Default::default() };
/// assert_eq!(m.body, "hi");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MqttData {
    /// Where it was published: `firstTopic`, `secondTopic`, `clientId`.
    pub props: MqttProps,
    /// The message body.
    pub body: String,
}

/// The `props` of an [`MqttData`].
///
/// ```
/// let p = fc_events::cloudevents::MqttProps { first_topic: "t".into(), ..Default::default() };
/// assert_eq!(p.first_topic, "t");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MqttProps {
    /// The parent topic.
    pub first_topic: String,
    /// The subtopic.
    pub second_topic: String,
    /// The publishing client.
    pub client_id: String,
}

/// The `data` of a DTS trigger's event: one change of a row, from the change tracking
/// task.
///
/// ```
/// let d = fc_events::cloudevents::DtsData { source_timestamp: 1_654_847_757, ..Default::default() };
/// assert_eq!(d.source_time().unwrap().timestamp(), 1_654_847_757);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DtsData {
    /// The record's id.
    pub id: String,
    /// Where the change tracking task stored it.
    pub topic_partition: DtsTopicPartition,
    /// Its offset there.
    pub offset: i64,
    /// When the change happened in the source database, in seconds since the epoch.
    pub source_timestamp: i64,
    /// `INSERT`, `UPDATE`, `DELETE`, `DDL`, ….
    pub operation_type: String,
    /// The table's schema.
    pub schema: DtsSchema,
    /// The row before the change (none for an insert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_image: Option<DtsImage>,
    /// The row after the change (none for a delete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_image: Option<DtsImage>,
}

impl DtsData {
    /// When the change happened in the source database.
    pub fn source_time(&self) -> Option<crate::Time> {
        crate::encoding::epoch_seconds(self.source_timestamp)
    }
}

/// The `topicPartition` of a [`DtsData`].
///
/// ```
/// let t = fc_events::cloudevents::DtsTopicPartition { partition: 1, ..Default::default() };
/// assert_eq!(t.partition, 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DtsTopicPartition {
    /// The partition's hash.
    pub hash: i64,
    /// The partition.
    pub partition: i32,
    /// The topic.
    pub topic: String,
}

/// A table's schema in a [`DtsData`].
///
/// ```
/// let s = fc_events::cloudevents::DtsSchema { table_name: "t".into(), ..Default::default() };
/// assert_eq!(s.table_name, "t");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DtsSchema {
    /// The columns, in order.
    pub record_fields: Vec<DtsField>,
    /// The columns, by name.
    pub name_index: BTreeMap<String, DtsField>,
    /// The schema's id.
    pub schema_id: String,
    /// The database.
    pub database_name: String,
    /// The table.
    pub table_name: String,
    /// The primary key's index.
    pub primary_index_info: DtsIndex,
    /// The unique indexes.
    pub unique_index_info: Vec<DtsIndex>,
    /// The foreign keys.
    pub foreign_index_info: Vec<serde_json::Value>,
    /// The other indexes.
    pub normal_index_info: Vec<DtsIndex>,
    /// The source database.
    pub database_info: DtsDatabaseInfo,
    /// The table's row count.
    pub total_rows: i64,
}

/// A column of a [`DtsSchema`].
///
/// ```
/// let f = fc_events::cloudevents::DtsField { field_name: "id".into(), is_primary_key: true, ..Default::default() };
/// assert!(f.is_primary_key);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DtsField {
    /// The column's name.
    pub field_name: String,
    /// Its type, as the source database numbers it (MySQL: 8 is `BIGINT`, 253 `VARCHAR`).
    pub raw_data_type_num: i64,
    /// Whether it is in the primary key.
    pub is_primary_key: bool,
    /// Whether it is in a unique key.
    pub is_unique_key: bool,
    /// Its position.
    pub field_position: i64,
}

/// An index of a [`DtsSchema`].
///
/// ```
/// let i = fc_events::cloudevents::DtsIndex { index_type: "PrimaryKey".into(), ..Default::default() };
/// assert_eq!(i.index_type, "PrimaryKey");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DtsIndex {
    /// `PrimaryKey`, `UniqueKey`, ….
    pub index_type: String,
    /// Its columns.
    pub index_fields: Vec<DtsField>,
    /// Its cardinality.
    pub cardinality: i64,
    /// Whether it allows nulls.
    pub nullable: bool,
    /// Whether it is the first unique index.
    pub is_first_unique_index: bool,
}

/// The `databaseInfo` of a [`DtsSchema`].
///
/// ```
/// let d = fc_events::cloudevents::DtsDatabaseInfo { database_type: "MySQL".into(), ..Default::default() };
/// assert_eq!(d.database_type, "MySQL");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DtsDatabaseInfo {
    /// The database's type.
    pub database_type: String,
    /// Its version.
    pub version: String,
}

/// A row's image (before or after the change) in a [`DtsData`].
///
/// ```
/// let image = fc_events::cloudevents::DtsImage::default();
/// assert!(image.values.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DtsImage {
    /// The schema the values follow.
    pub record_schema: DtsSchema,
    /// The values, one per column in order.
    pub values: Vec<DtsValue>,
    /// The image's size in bytes.
    pub size: i64,
}

/// A column's value in a [`DtsImage`]: a number, or text as a byte buffer with its
/// character set.
///
/// ```
/// let v: fc_events::cloudevents::DtsValue = serde_json::from_value(serde_json::json!(
///     {"data": {"hb": [104, 105], "offset": 0, "limit": 2}, "charset": "utf8mb4"})).unwrap();
/// assert_eq!(v.text().as_deref(), Some("hi"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DtsValue {
    /// The value: a number, or a byte buffer (`hb`, its bytes).
    pub data: serde_json::Value,
    /// The text's character set, for text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
}

impl DtsValue {
    /// The byte buffer's bytes (`hb`), for text and binary values.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        let bytes = self.data.get("hb")?.as_array()?;
        bytes.iter().map(|b| b.as_i64().map(|b| b as u8)).collect()
    }

    /// The bytes as text (UTF-8, lossy), for text values.
    pub fn text(&self) -> Option<String> {
        self.bytes().map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }
}
