//! The vendor respondent's page, `/respond/{token}`: no account, no navigation, no link to
//! anything else — the token opens one questionnaire, which the respondent saves or submits.
//! The form posts `multipart/form-data` so file questions take a browser upload (each file at
//! most [`MAX_FILE`] bytes, read as it streams in and refused past that); the answers then go
//! through the same use case as `PUT /api/v1/respond/{token}`, so the rules, the storage apart
//! and the audit are the API's. Like the rest of the page, the form needs no script.
//!
//! Forgery: the respondent has no session, so the page has no session-bound CSRF token; the
//! 256-bit token in the path is the credential and a forged request would have to know it (the
//! page sends no `Referer`, and its CSP allows forms to post only to this origin).

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use probity_core::DomainError;
use probity_core::governance::RespondentAnswers;
use probity_core::governance::vendor::{Answer, MAX_FILE, QuestionType};

use super::assets::ASSETS;
use super::{error_page, render, see_other};
use crate::state::AppState;

/// One question as the form shows it.
#[derive(Debug, Clone)]
pub struct FormQuestion {
    /// Field name (`a_<id>`).
    pub field: String,
    /// Text.
    pub text: String,
    /// `yes_no`, `single`, `multiple`, `text`, `number` or `file`.
    pub kind: &'static str,
    /// Choices: value, label, chosen.
    pub options: Vec<(String, String, bool)>,
    /// The saved answer as text (text, number, yes/no).
    pub value: String,
}

/// A section as the form shows it.
#[derive(Debug, Clone)]
pub struct FormSection {
    /// Title.
    pub title: String,
    /// Questions.
    pub questions: Vec<FormQuestion>,
}

#[derive(Template)]
#[template(path = "respond.html")]
struct RespondPage {
    css: &'static str,
    js: &'static str,
    icon: &'static str,
    vendor: String,
    asked_by: String,
    title: String,
    summary: String,
    sections: Vec<FormSection>,
    open: bool,
    expires: String,
    saved: bool,
    token: String,
}

fn kind(k: QuestionType) -> &'static str {
    match k {
        QuestionType::YesNo => "yes_no",
        QuestionType::Single => "single",
        QuestionType::Multiple => "multiple",
        QuestionType::Text => "text",
        QuestionType::Number => "number",
        QuestionType::File => "file",
    }
}

async fn page(state: &AppState, token: &str, saved: bool) -> Response {
    let view = match state.governance().respondent_view(token).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let sections = view
        .template
        .sections
        .iter()
        .map(|s| FormSection {
            title: s.title.clone(),
            questions: s
                .questions
                .iter()
                .map(|q| {
                    let answer = view.answers.get(&q.id);
                    let chosen = |v: &str| match answer {
                        Some(Answer::Text(t)) => t == v,
                        Some(Answer::Choices(c)) => c.iter().any(|x| x == v),
                        _ => false,
                    };
                    let options = if q.kind == QuestionType::YesNo {
                        vec![
                            ("yes".to_owned(), "Yes".to_owned(), chosen("yes")),
                            ("no".to_owned(), "No".to_owned(), chosen("no")),
                        ]
                    } else {
                        q.options
                            .iter()
                            .map(|o| (o.value.clone(), o.label.clone(), chosen(&o.value)))
                            .collect()
                    };
                    FormQuestion {
                        field: format!("a_{}", q.id),
                        text: q.text.clone(),
                        kind: kind(q.kind),
                        options,
                        value: match answer {
                            Some(Answer::Text(t)) => t.clone(),
                            Some(Answer::Number(n)) => n.to_string(),
                            Some(Answer::File { name, .. }) => name.clone(),
                            _ => String::new(),
                        },
                    }
                })
                .collect(),
        })
        .collect();
    render(
        StatusCode::OK,
        &RespondPage {
            css: ASSETS.css.href.as_str(),
            js: ASSETS.js.href.as_str(),
            icon: ASSETS.icon.href.as_str(),
            vendor: view.vendor,
            asked_by: view.asked_by,
            title: view.template.title,
            summary: view.template.summary,
            sections,
            open: view.state.as_str() == "sent",
            expires: view
                .link_expires_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
            saved,
            token: token.to_owned(),
        },
    )
}

/// The largest body the respondent form may post: a few files of [`MAX_FILE`] bytes each with
/// the other answers (each file is also checked on its own as it streams in).
pub const RESPOND_BODY_LIMIT: usize = 8 * MAX_FILE + 256 * 1024;

/// A field of the respondent form: text, or a file (name and bytes).
enum Field {
    Text(String, String),
    File(String, String, Vec<u8>),
}

/// Reads the fields of a `multipart/form-data` post; a file larger than [`MAX_FILE`] is refused
/// by its question as soon as it passes the limit.
async fn multipart_fields(mut form: Multipart) -> Result<Vec<Field>, DomainError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        DomainError::invalid(
            "form",
            format!("the form could not be read: {}", e.body_text()),
        )
    };
    let mut out = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    if bytes.len() + chunk.len() > MAX_FILE {
                        let id = name.strip_prefix("a_").unwrap_or(&name);
                        return Err(DomainError::invalid(
                            format!("answers.{id}"),
                            format!("a file must be 1 to {MAX_FILE} bytes"),
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                out.push(Field::File(name, file_name, bytes));
            }
            None => out.push(Field::Text(name, field.text().await.map_err(unreadable)?)),
        }
    }
    Ok(out)
}

/// `POST /respond/{token}`: `a_<question id>` fields (repeated for multiple choice; a file
/// input for file questions) and `action` = `save` or `submit`, as `multipart/form-data` (what
/// the page sends) or `application/x-www-form-urlencoded` (without files).
pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    // The token is checked before the body is read, so nobody without one can upload.
    let view = match state.governance().respondent_view(&token).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let fields = if multipart {
        let form = match Multipart::from_request(request, &state).await {
            Ok(f) => f,
            Err(e) => {
                return error_page(&DomainError::invalid(
                    "form",
                    format!("the form could not be read: {}", e.body_text()),
                ));
            }
        };
        match multipart_fields(form).await {
            Ok(f) => f,
            Err(e) => return error_page(&e),
        }
    } else {
        match Form::<Vec<(String, String)>>::from_request(request, &state).await {
            Ok(Form(f)) => f.into_iter().map(|(n, v)| Field::Text(n, v)).collect(),
            Err(e) => {
                return error_page(&DomainError::invalid(
                    "form",
                    format!("the form could not be read: {}", e.body_text()),
                ));
            }
        }
    };
    let questions: BTreeMap<String, QuestionType> = view
        .template
        .sections
        .iter()
        .flat_map(|s| &s.questions)
        .map(|q| (q.id.clone(), q.kind))
        .collect();
    let mut answers: BTreeMap<String, Answer> = BTreeMap::new();
    let mut submit = false;
    for field in fields {
        let (name, value) = match field {
            Field::File(name, file_name, bytes) => {
                // An empty file input (nothing chosen) keeps the earlier answer.
                if let Some(id) = name.strip_prefix("a_")
                    && questions.get(id) == Some(&QuestionType::File)
                    && !(bytes.is_empty() && file_name.is_empty())
                {
                    let file_name = file_name
                        .rsplit(['/', '\\'])
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    answers.insert(
                        id.to_owned(),
                        Answer::File {
                            name: file_name,
                            sha256: String::new(),
                            size: 0,
                            content_base64: Some(
                                base64::engine::general_purpose::STANDARD.encode(&bytes),
                            ),
                        },
                    );
                }
                continue;
            }
            Field::Text(name, value) => (name, value),
        };
        if name == "action" {
            submit = value == "submit";
            continue;
        }
        let Some(id) = name.strip_prefix("a_") else {
            continue;
        };
        let Some(kind) = questions.get(id) else {
            continue;
        };
        let value = value.trim().to_owned();
        if value.is_empty() {
            continue;
        }
        let answer = match kind {
            QuestionType::Multiple => match answers.remove(id) {
                Some(Answer::Choices(mut c)) => {
                    c.push(value);
                    Answer::Choices(c)
                }
                _ => Answer::Choices(vec![value]),
            },
            QuestionType::Number => match value.parse::<f64>() {
                Ok(n) => Answer::Number(n),
                Err(_) => {
                    return error_page(&DomainError::invalid(
                        format!("answers.{id}"),
                        "must be a number",
                    ));
                }
            },
            QuestionType::File => continue,
            _ => Answer::Text(value),
        };
        answers.insert(id.to_owned(), answer);
    }
    let req = RespondentAnswers { answers, submit };
    match state.governance().respond(&token, &req).await {
        Ok(_) => see_other(&format!("/respond/{token}?saved=1")),
        Err(e) => error_page(&e),
    }
}

/// `GET /respond/{token}` (`?saved=1` after a save adds a notice).
pub async fn form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    axum::extract::Query(q): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    page(&state, &token, q.contains_key("saved")).await
}
