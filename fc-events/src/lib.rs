//! Typed trigger events for Alibaba Cloud Function Compute.
//!
//! Each Function Compute trigger sends the function an event of its own shape. This crate
//! models each of them, one module per trigger family, each behind a feature of the same
//! name (all on by default): a program compiles only the families it names.
//!
//! | Module | Trigger | Type |
//! |---|---|---|
//! | [`oss`] | OSS (native) | [`oss::OssEvent`] |
//! | [`sls`] | Simple Log Service | [`sls::SlsEvent`] |
//! | [`timer`] | Timer | [`timer::TimerEvent`] |
//! | [`mns`] | MNS topic | [`mns::MnsTopicEvent`] |
//! | [`cdn`] | CDN | [`cdn::CdnEvent`] |
//! | [`tablestore`] | Tablestore (CBOR) | [`tablestore::TablestoreEvent`] |
//! | [`apigateway`] | API Gateway | [`apigateway::ApiGatewayEvent`], [`apigateway::ApiGatewayResponse`] |
//! | [`http`] | HTTP trigger (FC 3.0 event format) | [`http::HttpTriggerEvent`], [`http::HttpTriggerResponse`] |
//! | [`cloudevents`] | everything delivered by EventBridge | [`cloudevents::CloudEvent<T>`] |
//!
//! The types keep every field the platform sends under the key it sends it, so an event
//! that is deserialised and serialised again is the same JSON. Fields that not every
//! variant of an event carries are `Option`s; fields the documentation does not show are
//! ignored. Values the platform sends encoded (numbers as strings, base64, JSON in a
//! string, times) are kept as sent, with typed accessors beside them.
//!
//! With the `fc-runtime` crate, the families are `fc::events::…` and each type is a
//! handler's input as it is:
//!
//! ```
//! use fc_events::oss::OssEvent;
//!
//! let event: OssEvent = serde_json::from_str(r#"{"events": [{
//!     "eventName": "ObjectCreated:PutObject",
//!     "oss": {"bucket": {"name": "photos"}, "object": {"key": "a.jpg", "size": 42}}
//! }]}"#)?;
//! let record = &event.events[0];
//! assert_eq!(record.oss.bucket.name, "photos");
//! assert_eq!(record.oss.object.key, "a.jpg");
//! # Ok::<(), serde_json::Error>(())
//! ```

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod encoding;
#[allow(unused_macros, unused_imports)]
mod names;

/// The time library of [`Time`].
pub use chrono;
pub use encoding::Time;

#[cfg(feature = "apigateway")]
pub mod apigateway;
#[cfg(feature = "cdn")]
pub mod cdn;
#[cfg(feature = "cloudevents")]
pub mod cloudevents;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "mns")]
pub mod mns;
#[cfg(feature = "oss")]
pub mod oss;
#[cfg(feature = "sls")]
pub mod sls;
#[cfg(feature = "tablestore")]
pub mod tablestore;
#[cfg(feature = "timer")]
pub mod timer;

#[cfg(any(feature = "http", feature = "apigateway"))]
mod serve;
#[cfg(any(feature = "http", feature = "apigateway"))]
pub use serve::{InvalidEvent, ServeError};
