//! `events`: an OSS trigger's function. Input: the event the OSS trigger sends
//! (`fc::events::oss::OssEvent`); output: each new object's bucket, key, size and content
//! type. For another trigger, take its type instead: `fc::events::timer::TimerEvent`,
//! `fc::events::cloudevents::CloudEvent<KafkaData>`, … (README, "Trigger events").

use fc::events::oss::OssEvent;
use serde::Serialize;

#[derive(Serialize)]
struct Upload {
    bucket: String,
    key: String,
    size: i64,
    content_type: Option<String>,
}

#[fc::handler]
async fn on_upload(event: OssEvent) -> Vec<Upload> {
    event
        .events
        .into_iter()
        .filter(|record| record.event_name.is_created())
        .map(|record| {
            log::info!("{} {} in {}", record.event_name, record.oss.object.key, record.region);
            let object = record.oss.object;
            Upload {
                bucket: record.oss.bucket.name,
                key: object.key,
                size: object.size,
                content_type: object.object_meta.map(|meta| meta.mime_type),
            }
        })
        .collect()
}

fn main() -> std::io::Result<()> {
    fc::run()
}
