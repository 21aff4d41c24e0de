//! The S3 media store against a real S3-compatible server (moto): uploads land in the bucket
//! and are served from it like from the local directory; store-level behaviour; readiness.
//!
//! The server is `BANGFU_TEST_S3_URL` when set (`.ci/test` starts one for the whole run),
//! otherwise a moto server of the test's own (`python3 -m moto.server`, or the program in
//! `BANGFU_TEST_MOTO_SERVER`). When neither is there the tests fail; only
//! `BANGFU_TEST_S3=off` skips them.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::{StatusCode, header};
use bangfu::media::{MediaStore, S3Settings, S3Store};
use bytes::Bytes;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::fixtures;
use crate::helpers::{Auth, TestApp, TestOptions};

const ACCESS_KEY_ID: &str = "bangfu-test-key";
const SECRET: &str = "bangfu-test-secret-never-printed-0123";

/// An S3-compatible server for one test; a moto server it started stops with it.
struct S3Server {
    endpoint: String,
    child: Option<Child>,
}

impl S3Server {
    /// The server, or `None` when `BANGFU_TEST_S3=off` asks to skip.
    async fn start() -> Option<S3Server> {
        if std::env::var("BANGFU_TEST_S3").as_deref() == Ok("off") {
            eprintln!("skipped: BANGFU_TEST_S3=off");
            return None;
        }
        if let Ok(url) = std::env::var("BANGFU_TEST_S3_URL")
            && !url.trim().is_empty()
        {
            return Some(S3Server {
                endpoint: url.trim_end_matches('/').to_owned(),
                child: None,
            });
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let port_arg = port.to_string();
        let mut command = match std::env::var("BANGFU_TEST_MOTO_SERVER") {
            Ok(program) => Command::new(program),
            Err(_) => {
                let mut c = Command::new("python3");
                c.args(["-m", "moto.server"]);
                c
            }
        };
        let mut child = command
            .args(["-H", "127.0.0.1", "-p", &port_arg])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "start moto (pip install 'moto[server]', or bash .ci/s3; BANGFU_TEST_S3=off skips)",
            );
        for _ in 0..300 {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "moto exited with {status}: is it installed? (pip install 'moto[server]', or bash .ci/s3; BANGFU_TEST_S3=off skips)"
                );
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(S3Server {
                    endpoint: format!("http://127.0.0.1:{port}"),
                    child: Some(child),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("moto did not answer on port {port} within 15 s");
    }

    /// Creates a bucket of a fresh name (moto accepts unsigned requests) and returns it.
    async fn bucket(&self) -> String {
        let name = format!(
            "bangfu-test-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..16]
        );
        let (status, body) = self.raw("PUT", &format!("/{name}")).await;
        assert_eq!(status, 200, "create bucket {name}: {body}");
        name
    }

    /// One plain HTTP/1.1 request to the server.
    async fn raw(&self, method: &str, path: &str) -> (u16, String) {
        let host = self
            .endpoint
            .strip_prefix("http://")
            .expect("an http endpoint");
        let mut stream = tokio::net::TcpStream::connect(host)
            .await
            .expect("connect S3 server");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("send request");
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .await
            .expect("read response");
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    fn settings(&self, bucket: &str, prefix: Option<&str>) -> S3Settings {
        S3Settings {
            bucket: bucket.to_owned(),
            endpoint: Some(self.endpoint.clone()),
            region: "us-east-1".to_owned(),
            credentials: Some((ACCESS_KEY_ID.to_owned(), SecretString::from(SECRET))),
            prefix: prefix.map(str::to_owned),
            allow_http: true,
        }
    }

    /// An application whose media live in `bucket` under `prefix`, configured as an operator
    /// would (environment-shaped settings through `Config`).
    async fn app(&self, bucket: &str, prefix: &str) -> TestApp {
        let endpoint = self.endpoint.clone();
        let bucket = bucket.to_owned();
        let prefix = prefix.to_owned();
        TestApp::spawn_with(TestOptions {
            configure: Box::new(move |c| {
                c.media_s3_bucket = Some(bucket);
                c.media_s3_endpoint = Some(endpoint);
                c.media_s3_access_key_id = Some(ACCESS_KEY_ID.to_owned());
                c.media_s3_secret_access_key = Some(SecretString::from(SECRET));
                c.media_s3_prefix = Some(prefix);
            }),
            ..TestOptions::default()
        })
        .await
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// GET through the real router, keeping the body as bytes.
async fn get_raw(
    app: &TestApp,
    path: &str,
    if_none_match: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Bytes) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request = axum::http::Request::get(path);
    if let Some(etag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(axum::body::Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, headers, body)
}

#[tokio::test]
async fn product_images_are_stored_in_s3_and_served_with_etags() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let bucket = s3.bucket().await;
    let app = s3.app(&bucket, "shop/media").await;
    let ready = app.get("/readyz", &Auth::None).await.expect(StatusCode::OK);
    assert_eq!(ready.body["media"], "ok", "{}", ready.text);

    // A photo no other test uploads, so nothing of it can be in the local directory.
    let supplier = app.login("supplier").await;
    let operator = app.login("operator").await;
    let seed = rand::random::<u8>();
    let photo = fixtures::png(300 + u32::from(seed), 200, rand::random::<u8>());
    let hash = fixtures::upload(&app, &supplier, &photo).await;
    let id = fixtures::listed_product_with(
        &app,
        &supplier,
        &operator,
        "S3 百色芒果",
        5900,
        hash.clone(),
    )
    .await;

    let page = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    let sizes = page.body["images"][0].as_array().expect("image urls");
    assert_eq!(sizes.len(), 3, "{}", page.text);
    let width = 300 + u32::from(seed);
    let raw = S3Store::new(&s3.settings(&bucket, None)).expect("unprefixed store");
    for size in sizes {
        let px = u32::try_from(size["size"].as_u64().expect("size")).expect("px");
        for (ext, content_type) in [("webp", "image/webp"), ("jpg", "image/jpeg")] {
            let path = size[ext].as_str().expect("url");
            let (status, headers, body) = get_raw(&app, path, None).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            let value = |name| headers.get(name).and_then(|v| v.to_str().ok());
            assert_eq!(value(header::CONTENT_TYPE), Some(content_type));
            assert_eq!(
                value(header::CACHE_CONTROL),
                Some("public, max-age=31536000, immutable")
            );
            let etag = value(header::ETAG).expect("etag").to_owned();
            let (again, again_headers, again_body) = get_raw(&app, path, Some(&etag)).await;
            assert_eq!(again, StatusCode::NOT_MODIFIED, "{path}");
            assert!(again_body.is_empty());
            assert_eq!(
                again_headers
                    .get(header::ETAG)
                    .and_then(|v| v.to_str().ok()),
                Some(etag.as_str())
            );

            // What is served is the object in the bucket, under the prefix, and nothing local.
            let key = format!("img/{}/{hash}/{px}.{ext}", &hash[..2]);
            let stored = raw
                .get(&format!("shop/media/{key}"))
                .await
                .expect("read bucket")
                .expect("object under the prefix");
            assert_eq!(body, stored, "{path}");
            let decoded = image::load_from_memory(&body).expect("decodes");
            assert_eq!(decoded.width(), width.min(px), "{path}");
            assert!(
                !crate::helpers::media_dir().join(&key).exists(),
                "{key} must not be in the local directory"
            );
        }
    }
    // A rendition that was never stored is a 404, not an error.
    app.get(&format!("/media/{}/240.webp", "0".repeat(64)), &Auth::None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn store_reads_writes_and_refuses_bad_keys() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let bucket = s3.bucket().await;
    let store = S3Store::new(&s3.settings(&bucket, Some("/tenant-a/"))).expect("store");
    store.check().await.expect("bucket answers");

    // Missing: None, not an error.
    assert!(
        store
            .get("img/ab/missing/240.webp")
            .await
            .expect("get")
            .is_none()
    );

    // The same key twice: harmless, the content stays.
    let key = "doc/0f/0f0f";
    let bytes = Bytes::from_static(b"%PDF-1.7 certificate");
    store.put(key, bytes.clone()).await.expect("first put");
    store.put(key, bytes.clone()).await.expect("second put");
    assert_eq!(store.get(key).await.expect("get"), Some(bytes.clone()));

    // The prefix (slashes trimmed) is where the object is; other tenants do not see it.
    let raw = S3Store::new(&s3.settings(&bucket, None)).expect("raw");
    assert_eq!(
        raw.get(&format!("tenant-a/{key}")).await.expect("get"),
        Some(bytes.clone())
    );
    let other = S3Store::new(&s3.settings(&bucket, Some("tenant-b"))).expect("other");
    assert!(other.get(key).await.expect("get").is_none());

    // Bad keys are refused by the same check as the local store's, before any request.
    for bad in [
        "", "/doc/x", "doc/../x", "doc//x", "Doc/x", "doc/x y", "doc/x/",
    ] {
        let e = store.put(bad, bytes.clone()).await.expect_err(bad);
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "put {bad:?}");
        let e = store.get(bad).await.expect_err(bad);
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "get {bad:?}");
    }
    let bad_prefix = S3Store::new(&s3.settings(&bucket, Some("../up"))).expect_err("bad prefix");
    assert_eq!(bad_prefix.kind(), std::io::ErrorKind::InvalidInput);

    // A missing bucket is what the readiness probe reports.
    let missing = S3Store::new(&s3.settings("bangfu-no-such-bucket", None)).expect("store");
    missing.check().await.expect_err("missing bucket");
}

#[tokio::test]
async fn readiness_reports_a_missing_bucket() {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let app = s3.app("bangfu-never-created", "").await;
    let r = app.get("/readyz", &Auth::None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.body["status"], "unavailable");
    assert_eq!(r.body["database"], "ok");
    let media = r.body["media"].as_str().expect("media");
    assert!(media.starts_with("error"), "{media}");
    assert!(!r.text.contains(SECRET), "{}", r.text);
}

/// No S3 server needed: an https endpoint goes through rustls with the ring provider (the
/// only one built in), and a failure is an io error that names no secret.
#[tokio::test]
async fn https_endpoint_uses_rustls_and_errors_name_no_secret() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        // Answers every connection with plain text: the TLS handshake must fail.
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.write_all(b"HTTP/1.1 400 Not TLS\r\n\r\n").await;
        }
    });
    let store = S3Store::new(&S3Settings {
        bucket: "bangfu-media".to_owned(),
        endpoint: Some(format!("https://127.0.0.1:{port}")),
        region: "cn-south-1".to_owned(),
        credentials: Some((ACCESS_KEY_ID.to_owned(), SecretString::from(SECRET))),
        prefix: None,
        allow_http: false,
    })
    .expect("store");
    let e = store
        .get("img/ab/abcd/240.webp")
        .await
        .expect_err("not a TLS server");
    let text = format!("{e} {e:?} {store:?}");
    // rustls itself refused the answer (a missing crypto provider would fail earlier, in
    // `S3Store::new`, or panic).
    assert!(text.contains("InvalidMessage"), "{text}");
    assert!(text.contains("bangfu-media"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    server.abort();
}
