//! Typed trigger events as handler inputs, over the real protocol: the `events` example
//! (an OSS trigger's function) sent the documentation's samples, and a Tablestore
//! trigger's function sent CBOR; a malformed event of either is a clear error and the
//! process goes on serving. And every family is an input the attribute takes.

mod common;

use common::{Server, post};
use serde_json::json;

const EVENTS: &str = env!("CARGO_BIN_EXE_events");
const TABLESTORE: &str = env!("CARGO_BIN_EXE_tablestore");

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fc-events/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn an_oss_trigger_function_takes_the_oss_event() {
    let server = Server::start(EVENTS, &[]);
    let reply = server.invoke("o1", &fixture("oss-put-object.json")).await;
    assert_eq!(
        reply.assert_ok().json(),
        json!([{"bucket": "testbucket", "key": "source/a.png", "size": 122539, "content_type": "application/zip"}])
    );
    let reply = server.invoke("o2", &fixture("oss-put-object-fc2.json")).await;
    assert_eq!(reply.assert_ok().json()[0]["content_type"], json!(null));
    let removed = fixture("oss-put-object.json").replace("ObjectCreated:PutObject", "ObjectRemoved:DeleteObject");
    assert_eq!(server.invoke("o3", &removed).await.assert_ok().json(), json!([]));
    assert!(server.stdout().contains("[INFO] ObjectCreated:PutObject source/a.png in cn-hangzhou\n"));

    // A malformed event: the error says where, and the next call is served.
    let bad = fixture("oss-put-object.json")
        .replace("122539,\n                    \"eTag\"", "\"big\",\n                    \"eTag\"");
    let json = server.invoke("o4", &bad).await.assert_error(404, "DeserializeError");
    let message = json["errorMessage"].as_str().unwrap();
    assert!(message.contains("events[0].oss.object.deltaSize"), "{message}");
    assert_eq!(server.invoke("o5", &fixture("oss-put-object.json")).await.assert_ok().json()[0]["size"], 122539);
}

fn tablestore_cbor() -> Vec<u8> {
    // The documentation's sample, encoded as the trigger sends it: CBOR.
    let sample: ciborium::Value = serde_json::from_str(&fixture("tablestore.json")).unwrap();
    let mut cbor = Vec::new();
    ciborium::into_writer(&sample, &mut cbor).unwrap();
    cbor
}

#[tokio::test]
async fn a_tablestore_trigger_function_takes_the_cbor_body() {
    let server = Server::start(TABLESTORE, &[]);
    let send = |id: &'static str, body: Vec<u8>| {
        let request = post("/invoke").control_path("/invoke").request_id(id).body(body);
        server.send(request)
    };
    let expected = json!([{
        "type": "PutRow",
        "primaryKey": {"pk_0": 1506416585881590900_i64, "pk_1": "2017-09-26 17:03:05.8815909 +0800 CST", "pk_2": 1506416585741000_i64},
        "columns": 2
    }]);
    assert_eq!(send("t1", tablestore_cbor()).await.assert_ok().json(), expected);

    // JSON is not what the trigger sends; nor is a truncated body.
    for (id, body) in [("t2", fixture("tablestore.json").into_bytes()), ("t3", tablestore_cbor()[..40].to_vec())] {
        let json = send(id, body).await.assert_error(404, "DeserializeError");
        let message = json["errorMessage"].as_str().unwrap();
        assert!(
            message.starts_with("the input is not a Tablestore trigger's event: invalid CBOR event: "),
            "{message}"
        );
    }
    assert_eq!(send("t4", tablestore_cbor()).await.assert_ok().json(), expected);
}

/// Every family is an input `#[fc::handler]` takes (this compiles), and the outputs the
/// response types are.
#[allow(dead_code)]
mod every_family_is_an_input {
    use fc::events::{apigateway, cdn, cloudevents, http, mns, oss, sls, tablestore, timer};

    #[fc::handler]
    async fn oss(_: oss::OssEvent) {}
    #[fc::handler]
    async fn sls(_: &fc::Context, _: sls::SlsEvent) {}
    #[fc::handler]
    fn timer(_: timer::TimerEvent) {}
    #[fc::handler]
    async fn mns_topic(_: mns::MnsTopicEvent) {}
    #[fc::handler]
    async fn mns_topic_stream(_: mns::MnsTopicStreamEvent) {}
    #[fc::handler]
    async fn cdn(_: cdn::CdnEvent) {}
    #[fc::handler]
    async fn tablestore(_: tablestore::TablestoreEvent) {}
    #[fc::handler]
    async fn api_gateway(event: apigateway::ApiGatewayEvent) -> apigateway::ApiGatewayResponse {
        apigateway::ApiGatewayResponse { body: event.body, ..Default::default() }
    }
    #[fc::handler]
    async fn http_trigger(_: http::HttpTriggerEvent) -> fc::Result<http::HttpTriggerResponse> {
        Ok(Default::default())
    }
    #[fc::handler]
    async fn cloud_event(_: cloudevents::CloudEvent<cloudevents::OssData>) {}
    #[fc::handler]
    async fn cloud_event_batch(_: Vec<cloudevents::CloudEvent<cloudevents::KafkaData>>) {}
    #[fc::handler]
    async fn batch(_: cloudevents::Batch<cloudevents::RocketMqData>) {}
    #[fc::handler]
    async fn any_cloud_event(_: cloudevents::CloudEvent) {}

    // The README's examples.
    #[fc::handler]
    async fn on_upload(event: oss::OssEvent) -> Vec<String> {
        event.events.into_iter().filter(|r| r.event_name.is_created()).map(|r| r.oss.object.key).collect()
    }

    #[derive(Debug, serde::Deserialize)]
    struct Order {
        id: u64,
    }

    #[fc::handler]
    async fn on_records(events: Vec<cloudevents::CloudEvent<cloudevents::KafkaData>>) -> fc::Result<()> {
        for event in events {
            let order: Order = event.data.value_json()?; // the record's value, as JSON
            log::info!("{} [{}] @{}: {order:?}", event.data.topic, event.data.partition, event.data.offset);
        }
        Ok(())
    }
}
