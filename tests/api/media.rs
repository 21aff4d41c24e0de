//! Image uploads: attacks are refused with a clear 4xx and nothing is stored; good images are
//! re-encoded (metadata gone) and served with long cache lifetimes and ETags.

use axum::http::{Method, StatusCode, header};

use crate::fixtures::{jpeg, png};
use crate::helpers::{Auth, TestApp};

fn files_in(dir: &std::path::Path) -> usize {
    fn walk(dir: &std::path::Path, n: &mut usize) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() { walk(&p, n) } else { *n += 1 }
            }
        }
    }
    let mut n = 0;
    walk(dir, &mut n);
    n
}

/// A PNG that claims `w` x `h` pixels in its header: a decompression bomb when large (the
/// zero rows compress to almost nothing).
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().expect("header");
        let mut stream = writer.stream_writer().expect("stream");
        let row = vec![0u8; w as usize];
        use std::io::Write;
        for _ in 0..h.min(64) {
            stream.write_all(&row).expect("row");
        }
        // The rest of the promised rows are never written: the file is small, the claim huge.
        let _ = stream.flush();
        std::mem::forget(stream);
    }
    out.into_inner()
}

#[tokio::test]
async fn attacks_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let s = app.login("supplier").await;
    let media_rows = app.count("media").await;
    let dir = crate::helpers::media_dir();
    let files = files_in(&dir);
    let good = png(40, 30, 77);
    let mut polyglot = good.clone();
    polyglot.extend_from_slice(b"PK\x03\x04\x14\x00 zip payload <?php system($_GET['c']); ?>");
    let mut jpeg_polyglot = jpeg(20, 20);
    jpeg_polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "wrong magic bytes",
            b"this is not an image at all, it is text pretending to be image.png".to_vec(),
            "image_unsupported_format",
        ),
        (
            "gif",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!".to_vec(),
            "image_unsupported_format",
        ),
        (
            "truncated png",
            good[..good.len() / 2].to_vec(),
            "image_undecodable",
        ),
        (
            "truncated jpeg",
            jpeg(50, 50)[..300].to_vec(),
            "image_undecodable",
        ),
        ("polyglot png+zip", polyglot, "image_trailing_data"),
        ("polyglot jpeg+html", jpeg_polyglot, "image_trailing_data"),
        (
            "decompression bomb",
            png_claiming(30_000, 30_000),
            "image_dimensions_too_large",
        ),
        (
            "huge dimensions",
            png_claiming(9_000, 10),
            "image_dimensions_too_large",
        ),
    ];
    for (what, bytes, code) in cases {
        let r = app
            .multipart(
                "/api/media/images",
                &[],
                Some(("file", "x.png", &bytes)),
                &s.bearer(),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            r.text
        );
        assert_eq!(
            r.body["error"]["details"]["fields"]["file"][0]["code"], code,
            "{what}: {}",
            r.text
        );
    }
    // Over the size limit: refused before processing.
    let big = vec![0x89u8; 11 * 1024 * 1024];
    let r = app
        .multipart(
            "/api/media/images",
            &[],
            Some(("file", "big.png", &big)),
            &s.bearer(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    // Not multipart, no file, not allowed.
    app.post("/api/media/images", serde_json::json!({}), &s.bearer())
        .await
        .expect_error(StatusCode::BAD_REQUEST, "invalid_multipart");
    app.multipart("/api/media/images", &[("other", "x")], None, &s.bearer())
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    // Regulators have no use for photos (members and unit buyers do: refund and acceptance
    // photos).
    let regulator = app.login("regulator").await;
    app.multipart(
        "/api/media/images",
        &[],
        Some(("file", "x.png", &good)),
        &regulator.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    app.multipart(
        "/api/media/images",
        &[],
        Some(("file", "x.png", &good)),
        &Auth::None,
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(app.count("media").await, media_rows, "no media row");
    assert_eq!(files_in(&dir), files, "no file");
}

#[tokio::test]
async fn good_images_are_reencoded_without_metadata_and_cached_forever() {
    let app = TestApp::spawn().await;
    let s = app.login("supplier").await;
    // A JPEG carrying an EXIF block with GPS coordinates (APP1 inserted after SOI).
    let plain = jpeg(1200, 800);
    let mut exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
    let payload =
        b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08GPSLatitude 22.5431N GPSLongitude 114.0579E";
    exif.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    exif.extend_from_slice(payload);
    exif.extend_from_slice(&plain[2..]);
    let r = app
        .multipart(
            "/api/media/images",
            &[],
            Some(("file", "photo.jpg", &exif)),
            &s.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(r.body["width"], 1200);
    let urls = r.body["urls"].as_array().expect("urls");
    assert_eq!(urls.len(), 3);
    for u in urls {
        for ext in ["webp", "jpg"] {
            let path = u[ext].as_str().expect("url");
            let img = app.get(path, &Auth::None).await;
            assert_eq!(img.status, StatusCode::OK, "{path}");
            assert_eq!(
                img.headers
                    .get(header::CACHE_CONTROL)
                    .and_then(|v| v.to_str().ok()),
                Some("public, max-age=31536000, immutable")
            );
            let bytes = app
                .send(
                    axum::http::Request::get(path)
                        .body(axum::body::Body::empty())
                        .expect("req"),
                )
                .await;
            let _ = bytes;
            let etag = img
                .headers
                .get(header::ETAG)
                .and_then(|v| v.to_str().ok())
                .expect("etag")
                .to_owned();
            let again = app
                .call_with(
                    Method::GET,
                    path,
                    None,
                    &Auth::None,
                    &[("if-none-match", &etag)],
                )
                .await;
            assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        }
    }
    // The stored renditions carry no EXIF/GPS.
    let path = urls[2]["jpg"].as_str().expect("url");
    let raw = {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let resp = app
            .router
            .clone()
            .oneshot(
                axum::http::Request::get(path)
                    .body(axum::body::Body::empty())
                    .expect("req"),
            )
            .await
            .expect("resp");
        resp.into_body().collect().await.expect("body").to_bytes()
    };
    let decoded = image::load_from_memory(&raw).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (960, 640));
    assert!(!raw.windows(4).any(|w| w == b"Exif"), "EXIF stripped");
    assert!(
        !raw.windows(11).any(|w| w == b"GPSLatitude"),
        "GPS stripped"
    );
    // The same bytes again: the same image, nothing new stored.
    let rows = app.count("media").await;
    let again = app
        .multipart(
            "/api/media/images",
            &[],
            Some(("file", "again.jpg", &exif)),
            &s.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(again.body["hash"], r.body["hash"]);
    assert_eq!(app.count("media").await, rows);
    app.get("/media/0000/240.webp", &Auth::None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let hash = r.body["hash"].as_str().expect("hash");
    app.get(&format!("/media/{hash}/241.webp"), &Auth::None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.get(&format!("/media/{hash}/240.exe"), &Auth::None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
}

/// Uploads `bytes` as `auth` and answers the response.
async fn upload_as(app: &TestApp, auth: &Auth, bytes: &[u8]) -> crate::helpers::TestResponse {
    app.multipart(
        "/api/media/images",
        &[],
        Some(("file", "photo.png", bytes)),
        auth,
    )
    .await
}

#[tokio::test]
async fn members_upload_photos_within_a_rate_limit_and_other_roles_are_refused() {
    let app = TestApp::spawn().await;
    let member = app.login("member").await;
    let photo = png(48, 36, 201);
    // The default limit: 30 uploads an hour per member (the same bytes give the same image).
    let first = upload_as(&app, &member.bearer(), &photo)
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(first.body["urls"].as_array().map(Vec::len), Some(3));
    for _ in 1..30 {
        let r = upload_as(&app, &member.bearer(), &photo)
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(r.body["hash"], first.body["hash"]);
    }
    let limited = upload_as(&app, &member.bearer(), &png(48, 36, 202))
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait: u64 = limited
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("retry-after");
    assert!((1..=3600).contains(&wait), "retry after {wait}");
    // Counted before the body is read: even a broken upload is refused as too many.
    upload_as(&app, &member.bearer(), b"not an image")
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // The limit is per member; suppliers are not limited.
    let other = crate::commerce::members(&app, 1).await;
    upload_as(&app, &Auth::Bearer(other[0].1.clone()), &png(48, 36, 203))
        .await
        .expect(StatusCode::CREATED);
    let supplier = app.login("supplier").await;
    for i in 0..31u8 {
        upload_as(&app, &supplier.bearer(), &png(16, 16, i))
            .await
            .expect(StatusCode::CREATED);
    }
    // A unit's buyer uploads acceptance photos (rate limited like members).
    let buyer = app.login("buyer").await;
    upload_as(&app, &buyer.bearer(), &png(20, 20, 7))
        .await
        .expect(StatusCode::CREATED);
    // Roles without a use for photos are refused; nobody logged in is asked to log in.
    for login in ["regulator", "union_admin"] {
        let s = app.login(login).await;
        upload_as(&app, &s.bearer(), &photo)
            .await
            .expect_error(StatusCode::FORBIDDEN, "forbidden");
    }
    upload_as(&app, &Auth::None, &photo)
        .await
        .expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn members_photos_never_become_catalogue_images() {
    let app = TestApp::spawn().await;
    let member = app.login("member").await;
    let supplier = app.login("supplier").await;
    let operator = app.login("operator").await;
    let bytes = png(60, 40, 211);
    let photo = upload_as(&app, &member.bearer(), &bytes)
        .await
        .expect(StatusCode::CREATED)
        .body["hash"]
        .as_str()
        .expect("hash")
        .to_owned();
    // A supplier who learnt the hash (it sees its orders' refund photos) cannot list it.
    let org = supplier.org_with("supplier_admin");
    let cat = crate::fixtures::category(&app, "tropical").await;
    let own = crate::fixtures::upload(&app, &supplier, &png(60, 40, 212)).await;
    let refused = app
        .post(
            &format!("/api/suppliers/{org}/products"),
            crate::fixtures::product_input(cat, "会员照片", 3000, &[own.clone(), photo.clone()]),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.body["error"]["details"]["fields"]["images"][0]["code"], "unknown_image",
        "{}",
        refused.text
    );
    // Nor can an operator make it a zone banner.
    let zone = serde_json::json!({"slug": "hechi", "name": "河池专区", "name_en": "Hechi", "rule_kind": "region", "rule_value": "451200", "banner_media_hash": photo, "position": 9, "active": true});
    let refused = app
        .post("/api/zones", zone.clone(), &operator.bearer())
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.body["error"]["details"]["fields"]["banner_media_hash"][0]["code"],
        "unknown_image"
    );
    // Whoever uploads the very same file holds it too: then it is theirs to use.
    assert_eq!(
        crate::fixtures::upload(&app, &supplier, &bytes).await,
        photo
    );
    app.post(
        &format!("/api/suppliers/{org}/products"),
        crate::fixtures::product_input(cat, "自家照片", 3000, &[own, photo.clone()]),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::CREATED);
    // A member uploading a catalogue image's bytes does not take it away from its supplier.
    upload_as(&app, &member.bearer(), &bytes)
        .await
        .expect(StatusCode::CREATED);
    app.post("/api/zones", zone, &operator.bearer())
        .await
        .expect(StatusCode::CREATED);
}

/// A complete 8000x8000 PNG (about 64 megapixels of zeros, compressed to little) is refused
/// from its header, before any pixel is decoded.
#[tokio::test]
async fn photos_over_forty_megapixels_are_refused_quickly() {
    let app = TestApp::spawn().await;
    let s = app.login("supplier").await;
    let (w, h) = (8000u32, 8000u32);
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().expect("header");
        writer
            .write_image_data(&vec![0u8; (w * h) as usize])
            .expect("pixels");
    }
    let bytes = out.into_inner();
    assert!(bytes.len() < 10 * 1024 * 1024, "{} bytes", bytes.len());
    let started = std::time::Instant::now();
    let r = app
        .multipart(
            "/api/media/images",
            &[],
            Some(("file", "big.png", &bytes)),
            &s.bearer(),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        r.body["error"]["details"]["fields"]["file"][0]["code"], "image_dimensions_too_large",
        "{}",
        r.text
    );
    assert!(took < std::time::Duration::from_secs(1), "took {took:?}");
}
