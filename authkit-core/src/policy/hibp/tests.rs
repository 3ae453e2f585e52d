//! The client against a local server that speaks the range API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// A breached password and how often the corpus lists it.
const BREACHED: &str = "P@ssw0rd";
const BREACHED_COUNT: u64 = 52_579;
/// A password whose suffix the server lists only as padding (count 0).
const PADDED: &str = "a quiet kettle orbits the moon";

/// How the server answers.
#[derive(Clone, Copy)]
enum Mode {
    Ranges,
    Status(u16),
    Garbage,
    Stall,
}

/// One request as the server saw it: the request line and the headers, lower-cased names.
#[derive(Debug, Clone)]
struct Seen {
    request_line: String,
    headers: HashMap<String, String>,
    raw: String,
}

/// A range server on 127.0.0.1 with a few known ranges; records every request.
struct RangeServer {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl RangeServer {
    async fn start(mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/range/", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let ranges = Arc::new(ranges());
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (log, ranges) = (Arc::clone(&log), Arc::clone(&ranges));
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let raw = String::from_utf8_lossy(&request).into_owned();
                    let mut lines = raw.split("\r\n");
                    let request_line = lines.next().unwrap_or_default().to_owned();
                    let headers = lines
                        .filter_map(|line| line.split_once(':'))
                        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
                        .collect();
                    let prefix = request_line
                        .split(' ')
                        .nth(1)
                        .and_then(|path| path.strip_prefix("/range/"))
                        .unwrap_or_default()
                        .to_owned();
                    log.lock().unwrap().push(Seen {
                        request_line,
                        headers,
                        raw,
                    });
                    let (status, body) = match mode {
                        Mode::Ranges => match ranges.get(&prefix) {
                            Some(body) => (200, body.clone()),
                            None => (200, padding(&prefix, 3)),
                        },
                        Mode::Status(status) => (status, String::new()),
                        Mode::Garbage => (200, "<html>maintenance</html>".to_owned()),
                        Mode::Stall => {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                            return;
                        }
                    };
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        Self { url, seen }
    }

    fn check(&self, fail_open: bool) -> HibpCheck {
        HibpCheck::with_options(HibpOptions {
            range_url: self.url.clone(),
            timeout: Duration::from_millis(500),
            fail_open,
        })
        .unwrap()
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Padding lines as the API sends them: made-up suffixes with a count of 0.
fn padding(prefix: &str, lines: usize) -> String {
    (0..lines)
        .map(|i| {
            format!(
                "{}:0\r\n",
                sha1_hex(&format!("{prefix}{i}"))[5..].to_owned()
            )
        })
        .collect()
}

/// The ranges the server knows: the breached password's among neighbours, and the padded one's
/// suffix listed with a count of 0 (lower case, as a mirror might spell it).
fn ranges() -> HashMap<String, String> {
    let breached = sha1_hex(BREACHED);
    let padded = sha1_hex(PADDED);
    let mut ranges = HashMap::new();
    ranges.insert(
        breached[..5].to_owned(),
        format!(
            "{}{}:{BREACHED_COUNT}\r\n{}",
            padding(&breached[..5], 2),
            &breached[5..],
            padding("x", 2)
        ),
    );
    ranges.insert(
        padded[..5].to_owned(),
        format!(
            "{}:0\r\n{}",
            padded[5..].to_ascii_lowercase(),
            padding("y", 2)
        ),
    );
    ranges
}

fn new_password(password: &str) -> NewPassword<'_> {
    NewPassword::new(password, "ada@example.com", None)
}

#[test]
fn sha1_is_upper_case_hex_as_the_api_spells_it() {
    // RFC 3174's first test vector.
    assert_eq!(sha1_hex("abc"), "A9993E364706816ABA3E25717850C26C9CD0D89D");
    assert_eq!(sha1_hex(BREACHED).len(), 40);
}

#[tokio::test]
async fn a_breached_password_is_refused_and_only_the_five_digit_prefix_leaves() {
    let server = RangeServer::start(Mode::Ranges).await;
    let check = server.check(true);
    assert_eq!(check.breach_count(BREACHED).await.unwrap(), BREACHED_COUNT);
    assert_eq!(
        check.check(&new_password(BREACHED)).await,
        Err(PasswordCheckError::Refused(PolicyViolation::Breached))
    );

    let hash = sha1_hex(BREACHED);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(
            request.request_line,
            format!("GET /range/{} HTTP/1.1", &hash[..5])
        );
        assert_eq!(
            request.headers.get("add-padding").map(String::as_str),
            Some("true")
        );
        assert!(
            !request.raw.contains(&hash[5..]),
            "the suffix left: {}",
            request.raw
        );
        assert!(
            !request.raw.contains(BREACHED),
            "the password left: {}",
            request.raw
        );
    }
}

#[tokio::test]
async fn a_suffix_listed_only_as_padding_and_an_unknown_password_are_accepted() {
    let server = RangeServer::start(Mode::Ranges).await;
    let check = server.check(false);
    assert_eq!(check.breach_count(PADDED).await.unwrap(), 0);
    assert_eq!(check.check(&new_password(PADDED)).await, Ok(()));
    assert_eq!(
        check.check(&new_password("vintage kettle orbits")).await,
        Ok(())
    );
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_failing_service_is_accepted_when_failing_open_and_unavailable_when_closed() {
    for mode in [Mode::Status(503), Mode::Status(429), Mode::Garbage] {
        let server = RangeServer::start(mode).await;
        assert_eq!(
            server.check(true).check(&new_password(BREACHED)).await,
            Ok(())
        );
        let closed = server.check(false).check(&new_password(BREACHED)).await;
        let Err(PasswordCheckError::Unavailable(reason)) = closed else {
            panic!("expected unavailable, got {closed:?}");
        };
        assert!(!reason.contains(BREACHED), "{reason}");
    }
}

#[tokio::test]
async fn a_stalled_service_times_out() {
    let server = RangeServer::start(Mode::Stall).await;
    let started = std::time::Instant::now();
    let closed = server.check(false).check(&new_password(BREACHED)).await;
    assert!(
        matches!(closed, Err(PasswordCheckError::Unavailable(_))),
        "{closed:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        server.check(true).check(&new_password(BREACHED)).await,
        Ok(())
    );
}

#[test]
fn a_range_url_that_is_not_http_is_a_config_error() {
    let err = HibpCheck::with_options(HibpOptions {
        range_url: "ftp://mirror/range/".into(),
        ..HibpOptions::default()
    })
    .unwrap_err();
    assert_eq!(err.setting, "hibp_range_url");
}

#[test]
fn malformed_lines_are_errors_and_counts_are_read_case_insensitively() {
    let suffix = &sha1_hex(BREACHED)[5..];
    let body = format!("{}:7\r\n", suffix.to_ascii_lowercase());
    assert_eq!(count_in_range(body.as_bytes(), suffix).unwrap(), 7);
    assert!(matches!(
        count_in_range(b"ABC:1\r\n", suffix),
        Err(LookupError::Malformed(1))
    ));
    let not_a_count = format!("{suffix}:many");
    assert!(matches!(
        count_in_range(not_a_count.as_bytes(), suffix),
        Err(LookupError::Malformed(1))
    ));
}
