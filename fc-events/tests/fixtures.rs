//! Every documentation sample in `fixtures/`: each deserialises into its type, serialises
//! back to JSON that keeps every key and value of the sample, and deserialises again to an
//! equal value; and its characteristic values are what the sample says.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::Path;

use fc_events::apigateway::{ApiGatewayEvent, ApiGatewayResponse};
use fc_events::cdn::{CdnEvent, CdnEventName};
use fc_events::cloudevents::{
    Batch, CloudEvent, DtsData, KafkaData, MnsQueueData, MqttData, OssData, RabbitMqData, RocketMqData,
};
use fc_events::http::{HttpTriggerEvent, HttpTriggerResponse};
use fc_events::mns::{MnsTopicEvent, MnsTopicStreamEvent};
use fc_events::oss::{OssEvent, OssEventName};
use fc_events::sls::SlsEvent;
use fc_events::tablestore::{ColumnType, ColumnValue, RecordType, TablestoreEvent};
use fc_events::timer::TimerEvent;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Every fixture file, each read by a test below.
const FIXTURES: &[&str] = &[
    "apigateway-event.json",
    "apigateway-response.json",
    "cdn-cached-objects-refreshed.json",
    "cdn-cdn-domain-added.json",
    "cdn-cdn-domain-started.json",
    "cdn-log-file-created.json",
    "eventbridge-apache-rocketmq-batch.json",
    "eventbridge-dts-batch.json",
    "eventbridge-dts.json",
    "eventbridge-ebs-disk.json",
    "eventbridge-event-overview.json",
    "eventbridge-kafka-batch.json",
    "eventbridge-kafka-string-array.json",
    "eventbridge-kafka.json",
    "eventbridge-mns-queue-batch.json",
    "eventbridge-mns-queue.json",
    "eventbridge-mqtt-batch.json",
    "eventbridge-oss-dataworks-postobject.json",
    "eventbridge-oss-event-pattern.json",
    "eventbridge-rabbitmq-batch.json",
    "eventbridge-rabbitmq.json",
    "eventbridge-rocketmq-batch.json",
    "eventbridge-rocketmq.json",
    "http-event.json",
    "http-response.json",
    "mns-topic-json-with-attributes.json",
    "mns-topic-json.json",
    "mns-topic-stream-with-attributes.json",
    "mns-topic-stream.txt",
    "oss-put-object-fc2.json",
    "oss-put-object.json",
    "sls.json",
    "tablestore.json",
    "timer-fc2-legacy.json",
    "timer.json",
];

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Deserialises fixture `name` as `T`, checks that serialising keeps every key and value
/// of the sample and that the JSON deserialises again to an equal value, and returns it.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(name: &str) -> T {
    let text = read(name);
    let sample: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
    let event: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let written = serde_json::to_value(&event).unwrap();
    keeps(&sample, &written, &mut name.to_owned());
    let again: T = serde_json::from_value(written).unwrap_or_else(|e| panic!("{name}, written back: {e}"));
    assert_eq!(again, event, "{name}: deserialising the written JSON gave another value");
    event
}

/// `written` has every key of `sample` with the same value (it may add defaults).
fn keeps(sample: &Value, written: &Value, at: &mut String) {
    match (sample, written) {
        (Value::Object(sample), Value::Object(written)) => {
            for (key, value) in sample {
                let len = at.len();
                at.push('.');
                at.push_str(key);
                match written.get(key) {
                    Some(written) => keeps(value, written, at),
                    None => panic!("{at} is lost: the sample has {value}"),
                }
                at.truncate(len);
            }
        }
        (Value::Array(sample), Value::Array(written)) => {
            assert_eq!(sample.len(), written.len(), "{at}: arrays of different lengths");
            for (i, (sample, written)) in sample.iter().zip(written).enumerate() {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                keeps(sample, written, at);
                at.truncate(len);
            }
        }
        (sample, written) => assert_eq!(sample, written, "{at} changed"),
    }
}

#[test]
fn every_fixture_is_tested_and_has_its_source_in_the_readme() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let files: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "README.md")
        .collect();
    let listed: BTreeSet<String> = FIXTURES.iter().map(|s| s.to_string()).collect();
    assert_eq!(files, listed, "the fixtures on disk and the ones this test reads differ");
    let readme = read("README.md");
    for name in FIXTURES {
        assert!(readme.contains(&format!("| `{name}` | ")), "README.md gives no source for {name}");
    }
}

#[test]
fn oss() {
    for name in ["oss-put-object.json", "oss-put-object-fc2.json"] {
        let event: OssEvent = round_trip(name);
        let record = &event.events[0];
        assert_eq!(record.event_name, OssEventName::PutObject);
        assert!(record.event_name.is_created() && !record.event_name.is_removed());
        assert_eq!(record.event_source, "acs:oss");
        assert_eq!(record.region, "cn-hangzhou");
        assert_eq!(record.time().unwrap().timestamp(), 1_660_373_143);
        assert_eq!(record.oss.bucket.name, "testbucket");
        assert_eq!(record.oss.bucket.arn, "acs:oss:cn-hangzhou:123456789:testbucket");
        assert_eq!(record.oss.object.key, "source/a.png");
        assert_eq!(record.oss.object.size, 122_539);
        assert_eq!(record.oss.object.delta_size, 122_539);
        assert_eq!(record.oss.object.e_tag, "688A7BF4F233DC9C88A80BF985AB****");
        assert_eq!(record.oss.rule_id.as_deref(), Some("9adac8e253828f4f7c0466d941fa3db81161****"));
        assert_eq!(record.request_parameters.source_ip_address, "140.205.XX.XX");
        assert_eq!(record.response_elements.request_id, "58F9FF2D3DF792092E12044C");
        assert_eq!(record.user_identity.principal_id, "164901546557****");
    }
    let event: OssEvent = round_trip("oss-put-object.json");
    let meta = event.events[0].oss.object.object_meta.as_ref().unwrap();
    assert_eq!(meta.mime_type, "application/zip");
    assert_eq!(meta.user_meta.as_ref().unwrap()["x-oss-meta-last-modified"], "20250213");
    let event: OssEvent = round_trip("oss-put-object-fc2.json");
    assert!(event.events[0].oss.object.object_meta.is_none());
}

#[test]
fn oss_event_names_not_known_yet_are_kept() {
    let event: OssEvent =
        serde_json::from_str(r#"{"events": [{"eventName": "ObjectCreated:Future", "oss": {}}]}"#).unwrap();
    assert_eq!(event.events[0].event_name, OssEventName::Other("ObjectCreated:Future".to_owned()));
    assert!(event.events[0].event_name.is_created());
    assert_eq!(serde_json::to_value(&event).unwrap()["events"][0]["eventName"], "ObjectCreated:Future");
}

#[test]
fn sls() {
    let event: SlsEvent = round_trip("sls.json");
    assert_eq!(event.source.endpoint, "http://cn-hangzhou-intranet.log.aliyuncs.com");
    assert_eq!(event.source.project_name, "fc-test-project");
    assert_eq!(event.source.logstore_name, "fc-test-logstore");
    assert_eq!(event.source.shard_id, 0);
    assert_eq!(event.source.begin_cursor, "MTUyOTQ4MDIwOTY1NTk3ODQ2Mw==");
    assert_eq!(event.source.end_cursor, "MTUyOTQ4MDIwOTY1NTk3ODQ2NA==");
    assert_eq!(event.job_name, "1f7043ced683de1a4e3d8d70b5a412843d81****");
    assert_eq!(event.task_id, "c2691505-38da-4d1b-998a-f1d4bb8c****");
    assert_eq!(event.cursor_time().unwrap().timestamp(), 1_529_486_425);
    assert!(event.parameter.is_empty());
}

#[test]
fn timer() {
    let event: TimerEvent = round_trip("timer.json");
    assert_eq!(event.trigger_name, "timer-trigger");
    assert_eq!(event.payload, "awesome-fc");
    assert_eq!(event.time().unwrap().to_rfc3339(), "2023-12-26T07:49:00+00:00");
    let event: TimerEvent = round_trip("timer-fc2-legacy.json");
    assert_eq!(event.time().unwrap().to_rfc3339(), "2018-02-09T05:49:00+00:00");
    assert!(event.payload_json::<Value>().is_err(), "a text payload is not JSON");
}

#[test]
fn mns_topic() {
    let event: MnsTopicEvent = round_trip("mns-topic-json.json");
    assert_eq!(event.topic_name, "Mytopic");
    assert_eq!(event.message, "hello topic");
    assert_eq!(event.topic_owner, "118620210433****");
    assert_eq!(event.subscription_name, "test-fc-subscribe");
    assert_eq!(event.message_md5, "BA4BA9B48AC81F0F9C66F6C909C3****");
    assert_eq!(event.message_id, "2F5B3C082B923D4EAC694B76D928****");
    assert_eq!(event.publish_time().unwrap().timestamp_millis(), 1_550_216_480_040);
    assert!(event.attributes.is_empty());

    let event: MnsTopicEvent = round_trip("mns-topic-json-with-attributes.json");
    assert_eq!(event.attributes["key"], "value");
    assert_eq!(event.message_id, "2F5B3C281B283D4EAC694B742528****");

    let event: MnsTopicStreamEvent = round_trip("mns-topic-stream-with-attributes.json");
    assert_eq!(event.body, "hello topic");
    assert_eq!(event.extend_json::<Value>().unwrap().unwrap(), serde_json::json!({"key": "value"}));

    // The STREAM format without attributes is the message body itself.
    assert_eq!(read("mns-topic-stream.txt"), "hello topic");
}

#[test]
fn cdn() {
    let event: CdnEvent = round_trip("cdn-cached-objects-refreshed.json");
    let record = &event.events[0];
    assert_eq!(record.event_name, CdnEventName::CachedObjectsRefreshed);
    assert_eq!(record.resource.domain, "example.com");
    assert_eq!(record.user_identity.ali_uid, "164901546557****");
    assert_eq!(record.time().unwrap().to_rfc3339(), "2018-03-16T14:19:55+08:00");
    let p = &record.event_parameter;
    assert_eq!(p.object_path.as_deref().unwrap(), ["/2018/03/16/13/33b430c57e7.mp4", "/2018/03/16/14/4ff6b9bd54d.mp4"]);
    assert_eq!((p.task_id, p.object_type.as_deref()), (Some(2_089_687_230), Some("File")));
    assert_eq!(p.create_time().unwrap().timestamp(), 1_521_180_769);
    assert_eq!(p.complete_time().unwrap().timestamp(), 1_521_180_777);

    let event: CdnEvent = round_trip("cdn-log-file-created.json");
    let record = &event.events[0];
    assert_eq!(record.event_name, CdnEventName::LogFileCreated);
    assert_eq!(record.trace_id, "c6459282-6a4d-4413-894c-e4ea3968****");
    let p = &record.event_parameter;
    assert_eq!(p.file_size, Some(1_788_115));
    assert!(p.file_path.as_deref().unwrap().starts_with("http://cdnlog.cn-hangzhou.oss.aliyun-inc.com/"));
    assert_eq!(p.start_time().unwrap().timestamp(), 1_528_959_600);
    assert_eq!(p.end_time().unwrap().timestamp(), 1_528_959_900);

    let event: CdnEvent = round_trip("cdn-cdn-domain-started.json");
    assert_eq!(event.events[0].event_name, CdnEventName::CdnDomainStarted);
    assert_eq!(event.events[0].event_parameter.status.as_deref(), Some("online"));

    let event: CdnEvent = round_trip("cdn-cdn-domain-added.json");
    assert_eq!(event.events[0].event_name, CdnEventName::CdnDomainAdded);
    assert_eq!(event.events[0].event_parameter.domain, "example.com");
    assert_eq!(event.events[0].event_parameter.status, None);
}

#[test]
fn cdn_numbers_sent_as_strings_are_read_as_numbers() {
    let event: CdnEvent =
        serde_json::from_str(r#"{"events": [{"eventParameter": {"domain": "d", "fileSize": "42", "taskId": 7}}]}"#)
            .unwrap();
    assert_eq!(event.events[0].event_parameter.file_size, Some(42));
    let error = serde_json::from_str::<CdnEvent>(r#"{"events": [{"eventParameter": {"fileSize": "big"}}]}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains(r#"expected an integer, found "big""#), "{error}");
}

#[test]
fn tablestore() {
    let event: TablestoreEvent = round_trip("tablestore.json");
    assert_eq!(event.version, "Sync-v1");
    let record = &event.records[0];
    assert_eq!(record.record_type, RecordType::PutRow);
    assert_eq!(record.info.timestamp, 1_506_416_585_740_836);
    assert_eq!(record.info.time().unwrap().timestamp_micros(), 1_506_416_585_740_836);
    let keys: Vec<_> = record.primary_key.iter().map(|c| (c.column_name.as_str(), c.value.clone())).collect();
    assert_eq!(
        keys,
        [
            ("pk_0", ColumnValue::Integer(1_506_416_585_881_590_900)),
            ("pk_1", ColumnValue::String("2017-09-26 17:03:05.8815909 +0800 CST".to_owned())),
            ("pk_2", ColumnValue::Integer(1_506_416_585_741_000)),
        ]
    );
    let column = &record.columns[0];
    assert_eq!((column.column_type.clone(), column.column_name.as_str()), (ColumnType::Put, "attr_0"));
    assert_eq!(column.value, Some(ColumnValue::String("hello_table_store".to_owned())));
    assert_eq!(column.timestamp, Some(1_506_416_585_741));
    assert_eq!(record.columns[1].value, Some(ColumnValue::Integer(1_506_416_585_881_590_900)));
}

#[test]
fn tablestore_from_cbor_as_the_trigger_sends_it() {
    // The sample encoded as CBOR independently of the event type (from its JSON), as the
    // trigger sends it.
    let sample: ciborium::Value = serde_json::from_str(&read("tablestore.json")).unwrap();
    let mut cbor = Vec::new();
    ciborium::into_writer(&sample, &mut cbor).unwrap();
    let event = TablestoreEvent::from_cbor(&cbor).unwrap();
    assert_eq!(event, round_trip::<TablestoreEvent>("tablestore.json"));
    assert_eq!(TablestoreEvent::from_cbor(&event.to_cbor()).unwrap(), event);

    // Every value type, deletions without a value, and byte strings.
    let mut row = event.records[0].clone();
    row.record_type = RecordType::UpdateRow;
    row.columns = serde_json::from_value(serde_json::json!([
        {"Type": "Put", "ColumnName": "d", "Value": 1.5, "Timestamp": 1},
        {"Type": "Put", "ColumnName": "b", "Value": true, "Timestamp": 1},
        {"Type": "DeleteOneVersion", "ColumnName": "x", "Timestamp": 1},
        {"Type": "DeleteAllVersions", "ColumnName": "y"}
    ]))
    .unwrap();
    row.columns.push(fc_events::tablestore::Column {
        column_type: ColumnType::Put,
        column_name: "bin".to_owned(),
        value: Some(ColumnValue::Binary(vec![0, 1, 0xff])),
        timestamp: Some(2),
    });
    let event = TablestoreEvent { version: "Sync-v1".to_owned(), records: vec![row] };
    let back = TablestoreEvent::from_cbor(&event.to_cbor()).unwrap();
    assert_eq!(back, event);
    assert_eq!(back.records[0].columns[4].value.as_ref().unwrap().as_bytes(), Some(&[0, 1, 0xff][..]));

    // Not CBOR, or CBOR of another shape: an error that says so.
    for bad in [&b"{\"Version\": 1}"[..], &[0xff, 0x00], &[0xa1, 0x67, b'R', b'e', b'c', b'o', b'r', b'd', b's', 0x01]]
    {
        let error = TablestoreEvent::from_cbor(bad).unwrap_err().to_string();
        assert!(error.starts_with("invalid CBOR event: "), "{error}");
    }
}

#[test]
fn api_gateway() {
    let event: ApiGatewayEvent = round_trip("apigateway-event.json");
    assert_eq!(event.path, "api request path");
    assert_eq!(event.http_method, "request method name");
    assert_eq!(event.body, "string of request payload");
    assert!(!event.is_base64_encoded);
    let answer: ApiGatewayResponse = round_trip("apigateway-response.json");
    assert_eq!((answer.status_code, answer.body.as_str(), answer.is_base64_encoded), (200, "...", false));
    // The strings `"true"`/`"false"` are read as booleans; other text is an error.
    let event: ApiGatewayEvent = serde_json::from_str(r#"{"body": "aGk=", "isBase64Encoded": "true"}"#).unwrap();
    assert_eq!(event.body_bytes().unwrap(), "hi");
    let error = serde_json::from_str::<ApiGatewayEvent>(r#"{"isBase64Encoded": "maybe"}"#).unwrap_err().to_string();
    assert!(error.contains(r#"expected true or false, found "maybe""#), "{error}");
}

#[test]
fn http_trigger() {
    let event: HttpTriggerEvent = round_trip("http-event.json");
    assert_eq!((event.version.as_str(), event.raw_path.as_str(), event.body.as_str()), ("v1", "/example", "Hello FC!"));
    assert_eq!(event.headers["header2"], "value1,value2");
    assert_eq!(event.query_parameters["parameter1"], "value1");
    let context = &event.request_context;
    assert_eq!(context.account_id, "123456*********");
    assert_eq!(context.domain_name, "<http-trigger-id>.<region-id>.fcapp.run");
    assert_eq!(context.request_id, "1-64f6cd87-*************");
    assert_eq!((context.http.method.as_str(), context.http.source_ip.as_str()), ("GET", "11.11.11.**"));
    assert_eq!(context.http.user_agent, "PostmanRuntime/7.32.3");
    assert_eq!(context.time().unwrap().timestamp_millis(), 1_693_896_071_895);
    let request = http::Request::<bytes::Bytes>::try_from(event).unwrap();
    assert_eq!(request.uri(), "/example?parameter1=value1&parameter2=value1%2Cvalue2");

    let answer: HttpTriggerResponse = round_trip("http-response.json");
    assert_eq!((answer.status_code, answer.body.as_str()), (200, "Hello from Function Compute"));
    assert_eq!(answer.headers["Content-Type"], "text/plain");
}

#[test]
fn oss_through_eventbridge() {
    let event: CloudEvent<OssData> = round_trip("eventbridge-oss-dataworks-postobject.json");
    assert_eq!((event.source.as_str(), event.event_type.as_str()), ("acs.oss", "oss:ObjectCreated:PostObject"));
    assert_eq!(event.subject.as_deref(), Some("acs:oss:cn-hangzhou:1***********9:dwoss1024/input/******.csv"));
    assert_eq!(event.data.event_name, OssEventName::PostObject);
    assert_eq!(event.data.oss.object.key, "input/***********.csv");
    assert_eq!(event.data.oss.object.size, 59_537);
    assert_eq!(event.data.oss.object.object_meta.as_ref().unwrap().mime_type, "text/csv");
    assert_eq!(event.data.oss.bucket.virtual_bucket.as_deref(), Some(""));
    assert_eq!(event.data.oss.rule_id, None);
    assert_eq!(event.aliyun_account_id.as_deref(), Some("1***********9"));
    assert_eq!(event.aliyun_original_account_id.as_deref(), Some("1***********9"));
    assert_eq!(event.aliyun_event_bus_name.as_deref(), Some("DATAWORKS_TRIGGER_FOR_BUCKET_******"));
    assert_eq!(event.aliyun_region_id.as_deref(), Some("cn-hangzhou"));
    assert_eq!(event.publish_time().unwrap().timestamp_millis(), 1_773_207_645_682);
    assert_eq!(event.aliyun_publish_addr, None);

    // An OSS event type with illustrative data, a `dataschema`, and a time written in a
    // named zone.
    let event: CloudEvent = round_trip("eventbridge-oss-event-pattern.json");
    assert_eq!(event.dataschema.as_deref(), Some("http://example.com/test.json"));
    assert_eq!(event.data["scope"], 100);
    assert_eq!(event.time().unwrap().to_rfc3339(), "2020-08-17T16:04:46.149+08:00");
}

#[test]
fn mns_queue() {
    let event: CloudEvent<MnsQueueData> = round_trip("eventbridge-mns-queue.json");
    assert_eq!((event.source.as_str(), event.event_type.as_str()), ("acs:mns", "mns:Queue:SendMessage"));
    assert_eq!(event.subject.as_deref(), Some("acs:mns:cn-hangzhou:123456789098****:queues/zeus"));
    assert_eq!(event.data.message_body, "TEST");
    assert_eq!(event.data.message_id, "C6DB60D1574661357FA227277445****");
    assert_eq!(event.data.request_id, "606EA3074344430D4C81****");
    assert_eq!(event.aliyun_event_bus_name.as_deref(), Some("mybus"));
    assert_eq!(event.aliyun_account_id, None);
    let batch: Vec<CloudEvent<MnsQueueData>> = round_trip("eventbridge-mns-queue-batch.json");
    assert_eq!(batch.len(), 2);
    assert_eq!(batch[1].id, "d2g71017-6f65-fhcf-a814-a396fc8d****");
    assert_eq!(batch[0].aliyun_region_id.as_deref(), Some("cn-chengdu"));
    assert_eq!(batch[0].aliyun_publish_addr.as_deref(), Some("42.120.XX.XX"));
    assert_eq!(batch[0].data.message_body, "TEST");
}

#[test]
fn kafka() {
    let event: CloudEvent<KafkaData> = round_trip("eventbridge-kafka.json");
    assert_eq!(event.event_type, "alikafka:Topic:Message");
    let data = &event.data;
    assert_eq!((data.topic.as_str(), data.partition, data.offset), ("****", 7, 25));
    assert_eq!(data.time().unwrap().timestamp_millis(), 1_655_952_591_589);
    assert_eq!((data.key.as_deref(), data.value_str()), (Some("keytest"), Some("hello kafka msg")));
    assert!(!data.headers.is_read_only && data.headers.headers.is_empty());
    assert_eq!(event.aliyun_account_id.as_deref(), Some("164901546557****"));
    let batch: Vec<CloudEvent<KafkaData>> = round_trip("eventbridge-kafka-batch.json");
    assert_eq!(batch.len(), 2);
    assert_eq!(batch[1].data, event.data);

    // The same batch as `Batch` reads as `Vec` does.
    let same: Batch<KafkaData> = round_trip("eventbridge-kafka-batch.json");
    assert_eq!(same.0, batch);

    // Events written as JSON strings: `Batch` reads them too.
    let batch: Batch<KafkaData> = serde_json::from_str(&read("eventbridge-kafka-string-array.json")).unwrap();
    let data = &batch[0].data;
    assert_eq!((data.topic.as_str(), data.partition, data.offset), ("HelloTopic", 9, 3));
    assert_eq!(data.value_str(), Some("b'{\\n    \"Test\": \"TestKafkaEventBridgetrigger\"\\n}'"));
    assert_eq!(batch[0].aliyun_account_id.as_deref(), Some("1938858730552836"));
    let again: Batch<KafkaData> = serde_json::from_value(serde_json::to_value(&batch).unwrap()).unwrap();
    assert_eq!(again, batch);
}

#[test]
fn rocketmq() {
    let event: CloudEvent<RocketMqData> = round_trip("eventbridge-rocketmq.json");
    assert_eq!(event.event_type, "mq:Topic:SendMessage");
    let data = &event.data;
    assert_eq!((data.topic.as_str(), data.body.as_str()), ("TopicName", "TEST"));
    assert_eq!(data.tags(), Some("systemProperties.TAGS"));
    assert_eq!(data.keys(), Some("systemProperties.KEYS"));
    assert_eq!(data.system_property_i64("MAX_OFFSET"), Some(8));
    assert_eq!(data.system_property_i64("CONSUME_START_TIME"), Some(1_628_577_790_396));
    assert_eq!(data.system_properties["UNIQ_KEY"], "AC14C305069E1B28CDFA3181CDA2****");
    let batch: Vec<CloudEvent<RocketMqData>> = round_trip("eventbridge-rocketmq-batch.json");
    assert_eq!(batch.len(), 2);
    assert!(!batch[0].data.system_properties.contains_key("UNIQ_KEY"));
    assert_eq!(batch[0].aliyun_event_bus_name.as_deref(), Some("RocketMQ-Function-rocketmq-trigger"));

    // Self-managed Apache RocketMQ: the messages themselves.
    let messages: Vec<RocketMqData> = round_trip("eventbridge-apache-rocketmq-batch.json");
    assert_eq!(messages[0].msg_id.as_deref(), Some("7F0000010BDD2A84AEE70DA49B57****"));
    assert_eq!((messages[0].topic.as_str(), messages[0].body.as_str()), ("testTopic", "Hello RocketMQ"));
    assert_eq!(messages[0].tags(), Some("TagA"));
    assert_eq!(messages[0].system_property_i64("MAX_OFFSET"), Some(128));
}

#[test]
fn rabbitmq() {
    let event: CloudEvent<RabbitMqData> = round_trip("eventbridge-rabbitmq.json");
    assert_eq!(event.event_type, "amqp:Queue:SendMessage");
    let data = &event.data;
    assert_eq!(data.envelope.delivery_tag, 98);
    assert_eq!(data.envelope.routing_key, "housekeeping");
    assert!(data.envelope.exchange.is_empty() && !data.envelope.redeliver);
    assert_eq!(data.body_json::<Value>().unwrap(), serde_json::json!({"Hello": "EventBridge"}));
    assert_eq!(data.props["messageId"], "f7622d51-e198-41de-a072-77c1ead7****");
    assert_eq!(event.aliyun_event_bus_name.as_deref(), Some("Housekeeping-Connect"));
    let batch: Vec<CloudEvent<RabbitMqData>> = round_trip("eventbridge-rabbitmq-batch.json");
    assert_eq!(batch[0].data.body["Hello"], "RabbitMQ");
    assert_eq!(batch[0].id, "bj694332-4cj1-389e-9d8c-b137h30b****");
}

#[test]
fn dts() {
    let event: CloudEvent<DtsData> = round_trip("eventbridge-dts.json");
    assert_eq!((event.source.as_str(), event.event_type.as_str()), ("DTSstreamDemo", "dts:ConsumeMessage"));
    assert_eq!(event.time().unwrap().timestamp(), 1_654_847_757);
    let data = &event.data;
    assert_eq!(data.id, "321****");
    assert_eq!(data.operation_type, "UPDATE");
    assert_eq!(data.offset, 3_218_099);
    assert_eq!(data.topic_partition.topic, "cn_hangzhou_rm_1234****_test_version2");
    assert_eq!(data.source_time().unwrap().timestamp(), 1_654_847_757);
    assert_eq!(data.schema.table_name, "message_info");
    assert_eq!(data.schema.database_info.database_type, "MySQL");
    assert_eq!(data.schema.primary_index_info.index_fields[0].field_name, "id");
    assert!(data.schema.name_index["id"].is_primary_key);
    let before = data.before_image.as_ref().unwrap();
    let after = data.after_image.as_ref().unwrap();
    assert_eq!((before.size, after.size), (45, 47));
    assert_eq!(before.values[0].data, 115);
    assert_eq!(before.values[1].text().as_deref(), Some("hello"));
    assert_eq!(after.values[1].text().as_deref(), Some("bye"));
    assert_eq!(after.values[1].charset.as_deref(), Some("utf8mb4"));
    let batch: Vec<CloudEvent<DtsData>> = round_trip("eventbridge-dts-batch.json");
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].data.schema.database_name, "hangzhou--test-db");
}

#[test]
fn mqtt() {
    let messages: Vec<MqttData> = round_trip("eventbridge-mqtt-batch.json");
    assert_eq!(messages[0].body, "hello mq4Iot pub sub msg");
    assert_eq!(messages[0].props.first_topic, "testTopic");
    assert_eq!(messages[0].props.second_topic, "/testMq4****");
    assert_eq!(messages[0].props.client_id, "consumerGroupID@@@xxx");
}

#[test]
fn alibaba_cloud_service_events() {
    let event: CloudEvent = round_trip("eventbridge-event-overview.json");
    assert_eq!(event.event_type, "aliyuncvc:MeetingEvent:MemberOperate");
    assert_eq!(event.data["meetingName"], "swqd");
    assert_eq!(event.aliyun_publish_addr.as_deref(), Some("172.25.XX.XX"));
    assert_eq!(event.time().unwrap().to_rfc3339(), "2020-11-19T21:04:41+08:00");
    assert_eq!(event.publish_time().unwrap().to_rfc3339(), "2020-11-19T21:04:42.179+08:00");
    let event: CloudEvent = round_trip("eventbridge-ebs-disk.json");
    assert_eq!(event.event_type, "ebs:Disk:DiskBPSExceedDiskMaxLimit");
    assert_eq!(event.data["extraAttributes"]["TotalMinutes"], 1390);
    assert_eq!(event.publish_time().unwrap().to_rfc3339(), "2020-11-19T21:04:42+00:00");
}

#[test]
fn extension_attributes_not_listed_are_kept() {
    let event: CloudEvent = serde_json::from_str(
        r#"{"id": "1", "source": "s", "specversion": "1.0", "type": "t", "data": null, "aliyunnew": "x"}"#,
    )
    .unwrap();
    assert_eq!(event.extensions["aliyunnew"], "x");
    assert_eq!(serde_json::to_value(&event).unwrap()["aliyunnew"], "x");
}

#[test]
fn unknown_fields_and_missing_optional_fields_do_not_fail() {
    let _: OssEvent =
        serde_json::from_str(r#"{"events": [{"eventName": "x", "new": 1, "oss": {"new": {}}}]}"#).unwrap();
    let _: CdnEvent = serde_json::from_str(r#"{"events": [{"new": true}]}"#).unwrap();
    let _: TimerEvent = serde_json::from_str(r#"{"triggerName": "t"}"#).unwrap();
    let _: SlsEvent = serde_json::from_str(r#"{"source": {"projectName": "p"}}"#).unwrap();
    let _: CloudEvent<KafkaData> = serde_json::from_str(r#"{"data": {"topic": "t"}}"#).unwrap();
}
