//! The Tablestore trigger: the rows a table's stream changed, sent as a CBOR body
//! ([`TablestoreEvent::from_cbor`]). Through `fc-runtime`'s attribute, a handler takes
//! the event as its input as it is: the runtime decodes the CBOR.
//!
//! ```
//! use fc_events::tablestore::{ColumnValue, RecordType, TablestoreEvent};
//!
//! let event: TablestoreEvent = serde_json::from_str(r#"{"Version": "Sync-v1", "Records": [{
//!     "Type": "PutRow", "Info": {"Timestamp": 1506416585740836},
//!     "PrimaryKey": [{"ColumnName": "id", "Value": 7}],
//!     "Columns": [{"Type": "Put", "ColumnName": "name", "Value": "seven", "Timestamp": 1506416585741}]
//! }]}"#)?;
//! let cbor = event.to_cbor();
//! let decoded = TablestoreEvent::from_cbor(&cbor).unwrap();
//! let record = &decoded.records[0];
//! assert_eq!(record.record_type, RecordType::PutRow);
//! assert_eq!(record.primary_key[0].value, ColumnValue::Integer(7));
//! assert_eq!(record.columns[0].value, Some(ColumnValue::String("seven".into())));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::names::names;

/// A Tablestore trigger's event: the changed rows, in the stream's order.
///
/// ```
/// let event = fc_events::tablestore::TablestoreEvent::from_cbor(&[0xa0]).unwrap(); // `{}`
/// assert!(event.records.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TablestoreEvent {
    /// The format's version (`Sync-v1`).
    #[serde(rename = "Version", default)]
    pub version: String,
    /// The changed rows.
    #[serde(rename = "Records", default)]
    pub records: Vec<Record>,
}

impl TablestoreEvent {
    /// Decodes the CBOR body the trigger sends.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, CborError> {
        ciborium::from_reader(bytes).map_err(|error| CborError(error.to_string()))
    }

    /// Encodes the event as the trigger sends it (CBOR): a test's input.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        ciborium::into_writer(self, &mut bytes).expect("an event encodes to memory");
        bytes
    }
}

/// A body that is not a Tablestore trigger's event in CBOR.
///
/// ```
/// let error = fc_events::tablestore::TablestoreEvent::from_cbor(b"{}").unwrap_err();
/// assert!(error.to_string().starts_with("invalid CBOR event: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CborError(String);

impl fmt::Display for CborError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid CBOR event: {}", self.0)
    }
}

impl std::error::Error for CborError {}

/// One changed row.
///
/// ```
/// let record = fc_events::tablestore::Record::default();
/// assert!(record.primary_key.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// What happened to the row.
    #[serde(rename = "Type")]
    pub record_type: RecordType,
    /// When.
    #[serde(rename = "Info", default)]
    pub info: RecordInfo,
    /// The row's primary key, column by column.
    #[serde(rename = "PrimaryKey", default)]
    pub primary_key: Vec<PrimaryKeyColumn>,
    /// The attribute columns it changed.
    #[serde(rename = "Columns", default)]
    pub columns: Vec<Column>,
}

/// A [`Record`]'s `Info`.
///
/// ```
/// let info = fc_events::tablestore::RecordInfo { timestamp: 1_506_416_585_740_836 };
/// assert_eq!(info.time().unwrap().timestamp(), 1_506_416_585);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordInfo {
    /// When the row changed, in microseconds since the epoch.
    #[serde(rename = "Timestamp", default)]
    pub timestamp: i64,
}

impl RecordInfo {
    /// When the row changed.
    pub fn time(&self) -> Option<crate::Time> {
        crate::encoding::epoch_micros(self.timestamp)
    }
}

/// A primary key column of a [`Record`].
///
/// ```
/// use fc_events::tablestore::{ColumnValue, PrimaryKeyColumn};
/// let pk = PrimaryKeyColumn { column_name: "id".into(), value: ColumnValue::Integer(1) };
/// assert_eq!(pk.value.as_i64(), Some(1));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PrimaryKeyColumn {
    /// The column's name.
    #[serde(rename = "ColumnName")]
    pub column_name: String,
    /// Its value.
    #[serde(rename = "Value")]
    pub value: ColumnValue,
}

/// An attribute column a [`Record`] changed.
///
/// ```
/// use fc_events::tablestore::{Column, ColumnType};
/// let column = Column { column_type: ColumnType::DeleteAllVersions, column_name: "a".into(), value: None, timestamp: None };
/// assert!(column.value.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// What happened to the column.
    #[serde(rename = "Type")]
    pub column_type: ColumnType,
    /// The column's name.
    #[serde(rename = "ColumnName")]
    pub column_name: String,
    /// Its new value (none for a deletion).
    #[serde(rename = "Value", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<ColumnValue>,
    /// The version written or deleted, in milliseconds since the epoch.
    #[serde(rename = "Timestamp", default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
}

names! {
    /// What happened to a row.
    ///
    /// ```
    /// use fc_events::tablestore::RecordType;
    /// assert_eq!(RecordType::from("UpdateRow"), RecordType::UpdateRow);
    /// assert_eq!(RecordType::from("Other").as_str(), "Other");
    /// ```
    pub enum RecordType {
        /// The row was written whole.
        PutRow = "PutRow",
        /// Some of the row's columns changed.
        UpdateRow = "UpdateRow",
        /// The row was deleted.
        DeleteRow = "DeleteRow",
    }
}

names! {
    /// What happened to a column.
    ///
    /// ```
    /// use fc_events::tablestore::ColumnType;
    /// assert_eq!(ColumnType::from("Put"), ColumnType::Put);
    /// ```
    pub enum ColumnType {
        /// A value was written.
        Put = "Put",
        /// One version was deleted.
        DeleteOneVersion = "DeleteOneVersion",
        /// Every version was deleted.
        DeleteAllVersions = "DeleteAllVersions",
    }
}

/// A column's value, as Tablestore types it.
///
/// ```
/// use fc_events::tablestore::ColumnValue;
/// assert_eq!(ColumnValue::String("a".into()).as_str(), Some("a"));
/// assert_eq!(ColumnValue::Binary(vec![1]).as_bytes(), Some(&[1u8][..]));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValue {
    /// An integer.
    Integer(i64),
    /// A double.
    Double(f64),
    /// A boolean.
    Boolean(bool),
    /// A string.
    String(String),
    /// Binary data.
    Binary(Vec<u8>),
}

impl Default for ColumnValue {
    fn default() -> Self {
        ColumnValue::String(String::new())
    }
}

impl ColumnValue {
    /// The integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ColumnValue::Integer(value) => Some(*value),
            _ => None,
        }
    }

    /// The string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ColumnValue::String(value) => Some(value),
            _ => None,
        }
    }

    /// The binary data, if it is that.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            ColumnValue::Binary(value) => Some(value),
            _ => None,
        }
    }
}

impl Serialize for ColumnValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ColumnValue::Integer(value) => serializer.serialize_i64(*value),
            ColumnValue::Double(value) => serializer.serialize_f64(*value),
            ColumnValue::Boolean(value) => serializer.serialize_bool(*value),
            ColumnValue::String(value) => serializer.serialize_str(value),
            ColumnValue::Binary(value) => serializer.serialize_bytes(value),
        }
    }
}

impl<'de> Deserialize<'de> for ColumnValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ColumnValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer, a double, a boolean, a string or bytes")
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<ColumnValue, E> {
                Ok(ColumnValue::Integer(value))
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<ColumnValue, E> {
                i64::try_from(value)
                    .map(ColumnValue::Integer)
                    .map_err(|_| E::custom(format_args!("integer {value} is out of Tablestore's range")))
            }
            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<ColumnValue, E> {
                Ok(ColumnValue::Double(value))
            }
            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<ColumnValue, E> {
                Ok(ColumnValue::Boolean(value))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<ColumnValue, E> {
                Ok(ColumnValue::String(value.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, value: String) -> Result<ColumnValue, E> {
                Ok(ColumnValue::String(value))
            }
            fn visit_bytes<E: serde::de::Error>(self, value: &[u8]) -> Result<ColumnValue, E> {
                Ok(ColumnValue::Binary(value.to_owned()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, value: Vec<u8>) -> Result<ColumnValue, E> {
                Ok(ColumnValue::Binary(value))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
