//! The web UI's static files (stylesheet, script, icon), embedded in the binary and served
//! under `/static/<stem>.<content hash>.<ext>`: a new build with changed content gets a new
//! URL, so the files can be cached for a year (`immutable`).

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The versioned file name, e.g. `app.3f2a9c1b7d0e.css`.
    pub name: String,
    /// Its URL path.
    pub href: String,
    content_type: &'static str,
    body: &'static [u8],
}

/// Every embedded file.
#[derive(Debug)]
pub struct Assets {
    /// `app.css`.
    pub css: Asset,
    /// `app.js`.
    pub js: Asset,
    /// `icon.svg`.
    pub icon: Asset,
}

impl Assets {
    fn all(&self) -> [&Asset; 3] {
        [&self.css, &self.js, &self.icon]
    }
}

fn asset(stem: &str, ext: &str, content_type: &'static str, body: &'static [u8]) -> Asset {
    let digest = hex::encode(Sha256::digest(body));
    let short = digest.get(..12).unwrap_or(&digest);
    let name = format!("{stem}.{short}.{ext}");
    Asset {
        href: format!("/static/{name}"),
        name,
        content_type,
        body,
    }
}

/// The embedded files, named by their content hash (computed once).
pub static ASSETS: LazyLock<Assets> = LazyLock::new(|| Assets {
    css: asset(
        "app",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
    js: asset(
        "app",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/app.js"),
    ),
    icon: asset(
        "icon",
        "svg",
        "image/svg+xml",
        include_bytes!("../../static/icon.svg"),
    ),
});

/// `GET /static/{file}`: the embedded file of that exact versioned name, cached for a year.
pub async fn serve(Path(file): Path<String>) -> Response {
    let Some(found) = ASSETS.all().into_iter().find(|a| a.name == file) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "no such file",
        )
            .into_response();
    };
    let mut response = found.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(found.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        let css = &ASSETS.css;
        assert!(
            css.name.starts_with("app.") && css.name.ends_with(".css"),
            "{}",
            css.name
        );
        assert_eq!(css.name.len(), "app..css".len() + 12);
        assert_eq!(css.href, format!("/static/{}", css.name));
        assert_ne!(ASSETS.css.name, ASSETS.js.name);
        let again = asset(
            "app",
            "css",
            "text/css",
            include_bytes!("../../static/app.css"),
        );
        assert_eq!(again.name, css.name, "the same content gets the same name");
        let other = asset("app", "css", "text/css", b"body{}");
        assert_ne!(other.name, css.name, "other content gets another name");
    }
}
