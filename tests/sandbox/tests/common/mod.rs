//! A tiny HTTP/1.1 client over a raw tokio `TcpStream` (no HTTP client crate).

#![allow(dead_code)]

use std::net::SocketAddr;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const USER: &str = "sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi";
pub const ORG: &str = "58168435e3b9959a929eb04b6218b9a2";
pub const USER2: &str = "zn96SWr/RjPPWztl+oQcFkT0mbKPpW7hEvPkYcRy6xM=";
pub const ORG2: &str = "4c193728a11e2d03025e29992948b12c";

pub fn auth() -> String {
    format!("User {USER}, Organization {ORG}")
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What a request got back.
#[derive(Debug)]
pub enum Outcome {
    Response(Resp),
    /// The server closed the connection; `received` bytes came before.
    Closed {
        received: usize,
    },
}

/// One keep-alive connection.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Conn {
        Conn {
            stream: TcpStream::connect(addr)
                .await
                .expect("connect to the sandbox"),
            buf: Vec::new(),
        }
    }

    /// Sends a request (adding Content-Length, and `Host: sandbox` unless `headers`
    /// has a Host) and reads one response.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Outcome {
        let mut req = format!("{method} {path} HTTP/1.1\r\n");
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            req.push_str("host: sandbox\r\n");
        }
        req.push_str(&format!("content-length: {}\r\n", body.len()));
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        if self.stream.write_all(&bytes).await.is_err() {
            return Outcome::Closed { received: 0 };
        }
        self.read_response().await
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    async fn read_response(&mut self) -> Outcome {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if !self.fill().await {
                return Outcome::Closed {
                    received: self.buf.len(),
                };
            }
        };
        let head = String::from_utf8(self.buf[..head_end].to_vec()).expect("UTF-8 head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(':').expect("a header line");
                (n.trim().to_ascii_lowercase(), v.trim().to_owned())
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map(|(_, v)| v.parse().unwrap())
            .expect("a Content-Length");
        let start = head_end + 4;
        while self.buf.len() < start + length {
            if !self.fill().await {
                return Outcome::Closed {
                    received: self.buf.len(),
                };
            }
        }
        let body = self.buf[start..start + length].to_vec();
        self.buf.drain(..start + length);
        Outcome::Response(Resp {
            status,
            headers,
            body,
        })
    }
}

/// A request on a fresh connection that must get a response.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    match Conn::open(addr)
        .await
        .send(method, path, headers, body)
        .await
    {
        Outcome::Response(r) => r,
        Outcome::Closed { received } => {
            panic!("{method} {path}: connection closed after {received} bytes")
        }
    }
}

/// An authorised JSON POST.
pub async fn post_json(addr: SocketAddr, path: &str, body: &str) -> Resp {
    let auth = auth();
    request(
        addr,
        "POST",
        path,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        body.as_bytes(),
    )
    .await
}

/// POST to the control API.
pub async fn control(addr: SocketAddr, path: &str, body: &str) -> Resp {
    request(
        addr,
        "POST",
        path,
        &[("content-type", "application/json")],
        body.as_bytes(),
    )
    .await
}

pub async fn journal(addr: SocketAddr) -> Vec<Value> {
    let r = request(addr, "GET", "/__sandbox/journal", &[], b"").await;
    assert_eq!(r.status, 200);
    r.json()["requests"].as_array().unwrap().clone()
}

pub fn is_request_id(s: &str) -> bool {
    s.len() == 24
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The status and body of a platform error, checking its shape and request id.
pub fn platform_error(r: &Resp) -> (u16, String, Option<String>) {
    let v = r.json();
    let id = v["requestId"].as_str().expect("a requestId");
    assert!(is_request_id(id), "{id}");
    assert_eq!(r.header("elements-request-id"), Some(id));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert!(
        keys == ["requestId", "message"] || keys == ["requestId", "message", "providerMessage"],
        "{keys:?}"
    );
    (
        r.status,
        v["message"].as_str().unwrap().to_owned(),
        v["providerMessage"].as_str().map(str::to_owned),
    )
}
