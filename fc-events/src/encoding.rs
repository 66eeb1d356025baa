//! The encodings events carry values in, and their decoders: times, base64, JSON in a
//! string.

use base64::Engine as _;
use chrono::{DateTime, FixedOffset, TimeZone as _, Utc};

/// A point in time with the offset the platform wrote it with: what the events' time
/// accessors return (a [`chrono`] `DateTime`).
///
/// ```
/// let event = fc_events::timer::TimerEvent { trigger_time: "2023-12-26T07:49:00Z".into(), ..Default::default() };
/// let time: fc_events::Time = event.time().unwrap();
/// assert_eq!(time.format("%H:%M").to_string(), "07:49");
/// ```
pub type Time = DateTime<FixedOffset>;

/// An RFC 3339 time (`2023-12-26T07:49:00Z`, `2018-03-16T14:19:55+08:00`,
/// `2022-08-13T06:45:43.000Z`).
pub(crate) fn rfc3339(text: &str) -> Option<Time> {
    DateTime::parse_from_rfc3339(text.trim()).ok()
}

/// Seconds since the Unix epoch.
#[allow(dead_code)]
pub(crate) fn epoch_seconds(seconds: i64) -> Option<Time> {
    Utc.timestamp_opt(seconds, 0).single().map(|t| t.fixed_offset())
}

/// Milliseconds since the Unix epoch.
#[allow(dead_code)]
pub(crate) fn epoch_millis(millis: i64) -> Option<Time> {
    Utc.timestamp_millis_opt(millis).single().map(|t| t.fixed_offset())
}

/// Standard base64, with or without padding.
#[allow(dead_code)]
pub(crate) fn base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    let text = text.trim();
    STANDARD.decode(text).or_else(|error| STANDARD_NO_PAD.decode(text.trim_end_matches('=')).map_err(|_| error))
}

/// Microseconds since the Unix epoch.
#[allow(dead_code)]
pub(crate) fn epoch_micros(micros: i64) -> Option<Time> {
    DateTime::from_timestamp_micros(micros).map(|t| t.fixed_offset())
}

/// An RFC 3339 time, or one whose zone is written `Asia/Shanghai` or `PRC` (as some
/// EventBridge sources write it: `2020-08-17T16:04:46.149Asia/Shanghai`).
#[allow(dead_code)]
pub(crate) fn lenient_time(text: &str) -> Option<Time> {
    let text = text.trim();
    rfc3339(text).or_else(|| {
        let local = text.strip_suffix("Asia/Shanghai").or_else(|| text.strip_suffix("PRC"))?;
        rfc3339(&format!("{local}+08:00"))
    })
}

/// An optional integer sent as a number or as a numeric string; written as a number.
#[allow(dead_code)]
pub(crate) mod lenient_i64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(value: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.serialize_i64(*value),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Number<'a> {
            Integer(i64),
            Text(&'a str),
            Owned(String),
        }
        let parse = |text: &str| {
            text.trim()
                .parse::<i64>()
                .map_err(|_| serde::de::Error::custom(format_args!("expected an integer, found {text:?}")))
        };
        match Option::<Number<'de>>::deserialize(deserializer)? {
            None => Ok(None),
            Some(Number::Integer(value)) => Ok(Some(value)),
            Some(Number::Text(text)) => parse(text).map(Some),
            Some(Number::Owned(text)) => parse(&text).map(Some),
        }
    }
}

/// A boolean sent as `true`/`false` or as the strings `"true"`/`"false"`; written as a
/// boolean.
#[allow(dead_code)]
pub(crate) mod lenient_bool {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(*value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Flag {
            Bool(bool),
            Text(String),
        }
        match Flag::deserialize(deserializer)? {
            Flag::Bool(value) => Ok(value),
            Flag::Text(text) => match text.trim() {
                "true" | "True" | "TRUE" => Ok(true),
                "false" | "False" | "FALSE" | "" => Ok(false),
                other => Err(serde::de::Error::custom(format_args!("expected true or false, found {other:?}"))),
            },
        }
    }
}
