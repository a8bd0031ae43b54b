//! The vendor respondent's page, `/respond/{token}`: no account, no navigation, no link to
//! anything else — the token opens one questionnaire, which the respondent saves or submits.
//! File questions are answered through `PUT /api/v1/respond/{token}` (the page says so).

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use probity_core::DomainError;
use probity_core::governance::RespondentAnswers;
use probity_core::governance::vendor::{Answer, QuestionType};

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

/// `POST /respond/{token}`: `a_<question id>` fields (repeated for multiple choice) and
/// `action` = `save` or `submit`.
pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let view = match state.governance().respondent_view(&token).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
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
    for (name, value) in fields {
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
