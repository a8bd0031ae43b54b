//! Requests to the test server and their answers: [`Call`] builds one (token, session cookie,
//! CSRF header, body), [`Reply`] reads the answer and checks problem JSON.

use reqwest::header::HeaderMap;
use serde_json::Value;

/// A signed-in browser session: the cookie and the CSRF token from the sign-in answer.
#[derive(Debug, Clone)]
pub struct Session {
    /// `probity_session=<value>`, as a browser sends it back.
    pub cookie: String,
    /// The `Set-Cookie` header of the sign-in answer.
    pub set_cookie: String,
    /// The value for `X-CSRF-Token`.
    pub csrf: String,
    /// The sign-in answer.
    pub body: Value,
}

impl Session {
    /// The session of a successful sign-in answer.
    pub fn from_login(reply: &Reply) -> Session {
        reply.expect_status(200);
        let set_cookie = reply
            .header("set-cookie")
            .expect("sign-in sets a cookie")
            .to_owned();
        let cookie = set_cookie.split(';').next().unwrap().trim().to_owned();
        assert!(
            cookie.starts_with("probity_session="),
            "unexpected cookie {set_cookie}"
        );
        let body = reply.json();
        let csrf = body["csrf_token"]
            .as_str()
            .expect("csrf_token in the sign-in answer")
            .to_owned();
        Session {
            cookie,
            set_cookie,
            csrf,
            body,
        }
    }
}

/// A request being built.
pub struct Call {
    builder: reqwest::RequestBuilder,
    label: String,
}

impl Call {
    /// A request for `url`; `label` names it in failure messages.
    pub fn new(builder: reqwest::RequestBuilder, label: String) -> Self {
        Call { builder, label }
    }

    /// Authenticates with an API token.
    pub fn token(self, token: &str) -> Self {
        Call {
            builder: self.builder.bearer_auth(token),
            label: self.label,
        }
    }

    /// Authenticates with the session cookie and sends its CSRF token, as the UI does.
    pub fn session(self, session: &Session) -> Self {
        self.cookie(session).header("x-csrf-token", &session.csrf)
    }

    /// Sends only the session cookie (no CSRF token).
    pub fn cookie(self, session: &Session) -> Self {
        self.header("cookie", &session.cookie)
    }

    /// Adds a header.
    pub fn header(self, name: &str, value: &str) -> Self {
        Call {
            builder: self.builder.header(name, value),
            label: self.label,
        }
    }

    /// A JSON body.
    pub fn json(self, body: &Value) -> Self {
        Call {
            builder: self.builder.json(body),
            label: self.label,
        }
    }

    /// A raw body with `content-type: application/json`.
    pub fn json_text(self, body: &str) -> Self {
        self.header("content-type", "application/json")
            .body(body.to_owned())
    }

    /// A raw body, with whatever content type was set (or none).
    pub fn body(self, body: String) -> Self {
        Call {
            builder: self.builder.body(body),
            label: self.label,
        }
    }

    /// Sends the request and reads the whole answer.
    pub async fn send(self) -> Reply {
        let response = match self.builder.send().await {
            Ok(r) => r,
            Err(e) => panic!("{}: request failed: {e}", self.label),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .expect("read the response body")
            .to_vec();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Reply {
            label: self.label,
            status,
            headers,
            text,
            bytes,
        }
    }
}

/// An answer, with the request it answers for failure messages.
#[derive(Debug)]
pub struct Reply {
    /// `METHOD path` of the request.
    pub label: String,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body, as text (invalid UTF-8 replaced).
    pub text: String,
    /// Response body, as sent.
    pub bytes: Vec<u8>,
}

impl Reply {
    /// Fails the test unless the status is `expected`.
    pub fn expect_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status, expected,
            "{} answered {} instead of {expected}: {}",
            self.label, self.status, self.text
        );
        self
    }

    /// Fails unless the status is `expected`; returns the answer for chaining.
    pub fn ok(self, expected: u16) -> Self {
        self.expect_status(expected);
        self
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        match serde_json::from_str(&self.text) {
            Ok(v) => v,
            Err(e) => panic!("{} answered non-JSON ({e}): {}", self.label, self.text),
        }
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Fails unless the answer is problem JSON with `status` and `code`; returns the body.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        self.expect_status(status);
        let body = self.assert_problem_shape();
        assert_eq!(
            body["code"], code,
            "{}: wrong problem code in {}",
            self.label, self.text
        );
        body
    }

    /// Fails unless the answer is an RFC 9457 problem whose `status` matches the HTTP one.
    pub fn assert_problem_shape(&self) -> Value {
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/problem+json"),
            "{} answered {} with content-type {content_type:?}, not problem JSON: {}",
            self.label,
            self.status,
            self.text
        );
        let body = self.json();
        for field in ["type", "title", "detail", "code"] {
            let ok = body[field].as_str().is_some_and(|s| !s.is_empty());
            assert!(
                ok,
                "{}: problem field {field:?} missing or empty in {}",
                self.label, self.text
            );
        }
        assert_eq!(
            body["status"], self.status,
            "{}: problem status in {}",
            self.label, self.text
        );
        let code = body["code"].as_str().unwrap();
        assert_eq!(
            body["type"],
            format!("urn:probity:problem:{code}"),
            "{}",
            self.label
        );
        body
    }

    /// Fails if the server answered with a 5xx.
    pub fn assert_not_server_error(&self) -> &Self {
        assert!(
            self.status < 500,
            "{} answered {}: {}",
            self.label,
            self.status,
            self.text
        );
        self
    }
}
