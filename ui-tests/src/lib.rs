//! Support for the compile-pass cases: serve the functions the case registered with the
//! attributes, in-process on a loopback port, and make one real HTTP call to them.

use std::io::{Read, Write};
use std::net::TcpStream;

/// A whole HTTP answer.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The `x-fc-status` header (empty when there is none).
    pub fc_status: String,
    /// The body.
    pub body: String,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// Asserts an event function's or a hook's success and returns the body.
    pub fn ok(&self) -> &str {
        assert_eq!((self.status, self.fc_status.as_str()), (200, "200"), "{self:?}");
        &self.body
    }

    /// Asserts an HTTP function's 200, as it answered it (no `x-fc-status` added), and
    /// returns the body.
    pub fn http_ok(&self) -> &str {
        assert_eq!((self.status, self.fc_status.as_str()), (200, ""), "{self:?}");
        &self.body
    }

    /// Asserts a failure with this `errorType` and returns `errorMessage`.
    pub fn error(&self, error_type: &str) -> String {
        self.error_with_status(404, error_type)
    }

    /// Asserts a failure with this status and `errorType` and returns `errorMessage`.
    pub fn error_with_status(&self, status: u16, error_type: &str) -> String {
        assert_eq!((self.status, self.fc_status.as_str()), (status, "404"), "{self:?}");
        let json = self.json();
        assert_eq!(json["errorType"], error_type, "{self:?}");
        json["errorMessage"].as_str().unwrap().to_owned()
    }
}

/// `POST /invoke` with `body`.
pub fn invoke(body: &str) -> Reply {
    call("POST", "/invoke", body)
}

/// Serves the registered functions on a loopback port, sends one request, stops.
pub fn call(method: &str, path: &str, body: &str) -> Reply {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(fc::Runtime::new().serve_with_shutdown(listener, async {
            let _ = stopped.await;
        }));
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: localhost\r\nx-fc-request-id: ui-1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let answer = tokio::task::spawn_blocking(move || {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream.write_all(request.as_bytes()).unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
            answer
        })
        .await
        .unwrap();
        let _ = stop.send(());
        server.await.unwrap().unwrap();
        parse(&answer)
    })
}

fn parse(answer: &str) -> Reply {
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let fc_status = head.lines().find_map(|l| l.strip_prefix("x-fc-status: ")).unwrap_or_default().to_owned();
    Reply { status, fc_status, body: body.to_owned() }
}
