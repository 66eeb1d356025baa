//! The sample events `cargo fc invoke --example` sends: the documentation's samples that
//! `fc-events` tests against, by trigger.

/// A sample event.
pub(crate) struct Example {
    pub(crate) name: &'static str,
    pub(crate) what: &'static str,
    text: &'static str,
    /// Sent as the trigger sends it: CBOR rather than JSON.
    cbor: bool,
}

macro_rules! fixture {
    ($file:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../fc-events/fixtures/", $file))
    };
}

pub(crate) const EXAMPLES: &[Example] = &[
    Example {
        name: "oss",
        what: "OSS: an object uploaded (fc::events::oss::OssEvent)",
        text: fixture!("oss-put-object.json"),
        cbor: false,
    },
    Example {
        name: "sls",
        what: "Simple Log Service: a shard's cursors (sls::SlsEvent)",
        text: fixture!("sls.json"),
        cbor: false,
    },
    Example {
        name: "timer",
        what: "Timer: a trigger firing (timer::TimerEvent)",
        text: fixture!("timer.json"),
        cbor: false,
    },
    Example {
        name: "mns-topic",
        what: "MNS topic, JSON format (mns::MnsTopicEvent)",
        text: fixture!("mns-topic-json.json"),
        cbor: false,
    },
    Example {
        name: "mns-topic-stream",
        what: "MNS topic, STREAM format: the raw body",
        text: fixture!("mns-topic-stream.txt"),
        cbor: false,
    },
    Example {
        name: "cdn",
        what: "CDN: a log file created (cdn::CdnEvent)",
        text: fixture!("cdn-log-file-created.json"),
        cbor: false,
    },
    Example {
        name: "cdn-refresh",
        what: "CDN: cached objects refreshed (cdn::CdnEvent)",
        text: fixture!("cdn-cached-objects-refreshed.json"),
        cbor: false,
    },
    Example {
        name: "tablestore",
        what: "Tablestore: a row written, as CBOR (tablestore::TablestoreEvent)",
        text: fixture!("tablestore.json"),
        cbor: true,
    },
    Example {
        name: "apigateway",
        what: "API Gateway: a request (apigateway::ApiGatewayEvent)",
        text: fixture!("apigateway-event.json"),
        cbor: false,
    },
    Example {
        name: "http",
        what: "HTTP trigger, event format (http::HttpTriggerEvent)",
        text: fixture!("http-event.json"),
        cbor: false,
    },
    Example {
        name: "oss-eventbridge",
        what: "OSS through EventBridge (CloudEvent<OssData>)",
        text: fixture!("eventbridge-oss-dataworks-postobject.json"),
        cbor: false,
    },
    Example {
        name: "mns-queue",
        what: "MNS queue, a batch (Vec<CloudEvent<MnsQueueData>>)",
        text: fixture!("eventbridge-mns-queue-batch.json"),
        cbor: false,
    },
    Example {
        name: "kafka",
        what: "ApsaraMQ for Kafka, a batch (Vec<CloudEvent<KafkaData>>)",
        text: fixture!("eventbridge-kafka-batch.json"),
        cbor: false,
    },
    Example {
        name: "rocketmq",
        what: "ApsaraMQ for RocketMQ, a batch (Vec<CloudEvent<RocketMqData>>)",
        text: fixture!("eventbridge-rocketmq-batch.json"),
        cbor: false,
    },
    Example {
        name: "rabbitmq",
        what: "ApsaraMQ for RabbitMQ, a batch (Vec<CloudEvent<RabbitMqData>>)",
        text: fixture!("eventbridge-rabbitmq-batch.json"),
        cbor: false,
    },
    Example {
        name: "dts",
        what: "DTS: a row changed (Vec<CloudEvent<DtsData>>)",
        text: fixture!("eventbridge-dts-batch.json"),
        cbor: false,
    },
    Example {
        name: "mqtt",
        what: "ApsaraMQ for MQTT, a batch (Vec<MqttData>)",
        text: fixture!("eventbridge-mqtt-batch.json"),
        cbor: false,
    },
    Example {
        name: "ecs-event",
        what: "an Alibaba Cloud service event (CloudEvent)",
        text: fixture!("eventbridge-ebs-disk.json"),
        cbor: false,
    },
];

impl Example {
    /// The body to send.
    pub(crate) fn body(&self) -> Vec<u8> {
        if !self.cbor {
            return self.text.as_bytes().to_vec();
        }
        let event: fc_events::tablestore::TablestoreEvent =
            serde_json::from_str(self.text).expect("the Tablestore sample is a Tablestore event");
        event.to_cbor()
    }

    /// The body's content type.
    pub(crate) fn content_type(&self) -> &'static str {
        match (self.cbor, self.name) {
            (true, _) => "application/cbor",
            (false, "mns-topic-stream") => "text/plain",
            _ => "application/json",
        }
    }
}

/// The example named `name`.
pub(crate) fn find(name: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.name == name)
}

/// The list `--example list` prints.
pub(crate) fn list() -> String {
    let width = EXAMPLES.iter().map(|e| e.name.len()).max().unwrap_or(0);
    EXAMPLES.iter().map(|e| format!("{:width$}  {}\n", e.name, e.what)).collect()
}
