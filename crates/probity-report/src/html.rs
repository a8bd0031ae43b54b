//! HTML rendering: one self-contained document (its stylesheet inline, charts inline, no
//! script), laid out like the PDF — cover facts, numbered sections, tables, the verification
//! block. [`style_csp`] is the Content-Security-Policy to serve it with.

use std::fmt::Write as _;
use std::sync::OnceLock;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::charts::{CHART_CSS, xml_escape as esc};
use crate::model::{Block, Report, Table, Tone, Verification};
use crate::pdf::VerificationText;

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;color:#1b2430;max-width:60rem;\
margin:2rem auto;padding:0 1rem}header{border-bottom:2px solid #1f4e79;margin-bottom:1.5rem}\
.kicker{color:#1f4e79;letter-spacing:.1em;text-transform:uppercase;font-size:.75rem}\
h1{margin:.2rem 0}h2{color:#1f4e79;margin-top:2rem}.subtitle{color:#55606e;font-size:1.1rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1.5rem}dt{color:#55606e}\
dd{margin:0}.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));\
gap:.75rem;margin:1rem 0}.figure{border:1px solid #d5dbe3;border-radius:4px;padding:.6rem}\
.figure b{display:block;font-size:1.4rem}.figure span{color:#55606e;font-size:.8rem}\
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0 1rem}\
th,td{border:1px solid #d5dbe3;padding:.25rem .4rem;text-align:left;vertical-align:top}\
th{background:#e8ebef}tr:nth-child(even) td{background:#f7f8fa}.good{color:#1d6b45}\
.warn{color:#8a5a00}.bad{color:#a4262c;font-weight:600}.muted{color:#6b7480}\
figure{margin:1rem 0}figure svg{max-width:36rem;width:100%;height:auto}\
code{font-size:.8rem;word-break:break-all}footer{margin-top:2rem;border-top:1px solid #d5dbe3;\
color:#55606e;font-size:.8rem}";

fn style() -> &'static str {
    static FULL: OnceLock<String> = OnceLock::new();
    FULL.get_or_init(|| format!("{STYLE}{CHART_CSS}"))
}

/// The Content-Security-Policy for a rendered HTML report: nothing but its own inline
/// stylesheet (by hash) and inline SVG; no script, no requests.
pub fn style_csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style()));
        format!(
            "default-src 'none'; style-src 'sha256-{hash}'; img-src data:; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        )
    })
}

fn tone_class(t: Tone) -> &'static str {
    match t {
        Tone::Plain => "",
        Tone::Good => " class=\"good\"",
        Tone::Warn => " class=\"warn\"",
        Tone::Bad => " class=\"bad\"",
        Tone::Muted => " class=\"muted\"",
    }
}

fn table(out: &mut String, t: &Table) {
    if t.rows.is_empty() {
        out.push_str("<p class=\"muted\"><em>No entries.</em></p>\n");
        return;
    }
    out.push_str("<table>\n<thead><tr>");
    for c in &t.columns {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(&c.title));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td{}>{}</td>", tone_class(cell.tone), esc(&cell.text));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Renders a report as one HTML document.
pub fn render(report: &Report, verification: &Verification) -> String {
    let texts = VerificationText::new(report, verification);
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — {tenant}</title>\n<style>{style}</style>\n</head>\n<body>\n<header>\n\
         <p class=\"kicker\">Probity report</p>\n<h1>{title}</h1>\n",
        title = esc(&report.title),
        tenant = esc(&report.tenant),
        style = style(),
    );
    if let Some(sub) = &report.subtitle {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", esc(sub));
    }
    let _ = writeln!(
        out,
        "<dl><dt>Tenant</dt><dd>{}</dd><dt>Generated</dt><dd>{}</dd>\
         <dt>Ledger checkpoint</dt><dd>{}</dd></dl>",
        esc(&report.tenant),
        esc(&texts.generated),
        esc(&texts.checkpoint)
    );
    if !report.summary.is_empty() {
        out.push_str("<div class=\"figures\">");
        for f in &report.summary {
            let _ = write!(
                out,
                "<div class=\"figure\"><b>{}</b><span>{}</span></div>",
                esc(&f.value),
                esc(&f.label)
            );
        }
        out.push_str("</div>\n");
    }
    out.push_str("</header>\n<main>\n");
    for (i, section) in report.sections.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section>\n<h2>{}. {}</h2>",
            i + 1,
            esc(&section.heading)
        );
        for block in &section.blocks {
            match block {
                Block::Paragraph { text } => {
                    let _ = writeln!(out, "<p>{}</p>", esc(text));
                }
                Block::Facts { facts } => {
                    out.push_str("<dl>");
                    for f in facts {
                        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(&f.label), esc(&f.value));
                    }
                    out.push_str("</dl>\n");
                }
                Block::Table(t) => table(&mut out, t),
                Block::Chart { svg, caption } => {
                    let _ = writeln!(
                        out,
                        "<figure>{svg}<figcaption>{}</figcaption></figure>",
                        esc(caption)
                    );
                }
            }
        }
        out.push_str("</section>\n");
    }
    let _ = write!(
        out,
        "</main>\n<footer>\n<h2>Verification</h2>\n<p>{}</p>\n<dl><dt>Tenant</dt><dd>{}</dd>\
         <dt>Checkpoint size</dt><dd>{}</dd><dt>Checkpoint root</dt><dd><code>{}</code></dd>\
         <dt>Content SHA-256</dt><dd><code>{}</code></dd></dl>\n</footer>\n</body>\n</html>\n",
        esc(&texts.explain),
        esc(&verification.tenant),
        esc(&texts.checkpoint),
        esc(&texts.root),
        esc(&verification.content_hash),
    );
    out
}
