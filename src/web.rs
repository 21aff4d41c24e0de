//! Serves the built web frontend (`frontend/dist`) with a fallback to `index.html` for the
//! single-page app's routes, or a clear page explaining how to build it when it is missing.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::app::AppState;

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>帮扶 Bangfu</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.6;color:#222}code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}</style>
</head><body>
<h1>帮扶 Bangfu</h1>
<p>服务器已运行，但网页前端尚未构建。请在项目根目录运行 <code>./run.sh</code>，或执行 <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code> 后刷新本页。</p>
<p>The server is running, but the web frontend has not been built. Run <code>./run.sh</code> from the project root, or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>, then reload.</p>
<p>API: <a href="/api/docs">/api/docs</a> · <a href="/healthz">/healthz</a></p>
</body></html>"#;

/// The router serving the frontend from `dir`.
pub fn router(dir: &Path) -> Router<AppState> {
    let index = dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(dir = %dir.display(), "frontend not built; serving an explanation page at /");
        return Router::new().fallback(|| async {
            (
                StatusCode::OK,
                [(header::CACHE_CONTROL, "no-store")],
                Html(NOT_BUILT),
            )
                .into_response()
        });
    }
    // Hashed assets never change under one name: cache them for a year. index.html must be
    // revalidated so a deployment is picked up at once.
    let assets = Router::new()
        .nest_service("/assets", ServeDir::new(dir.join("assets")))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ));
    let spa = ServeDir::new(dir)
        .precompressed_gzip()
        .fallback(ServeFile::new(&index));
    assets
        .fallback_service(spa)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
