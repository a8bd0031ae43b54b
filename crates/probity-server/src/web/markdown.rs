//! A small Markdown renderer for policy texts: ATX headings, paragraphs, `-`/`*` and numbered
//! lists, `**bold**`, `*emphasis*` and `` `code` ``. Everything is HTML-escaped first, so a
//! policy text can never inject markup; anything else renders as plain text.

use std::fmt::Write as _;

use super::charts::xml_escape;

enum Block {
    None,
    Paragraph,
    Bullets,
    Numbers,
}

fn close(out: &mut String, block: &mut Block) {
    out.push_str(match block {
        Block::None => "",
        Block::Paragraph => "</p>\n",
        Block::Bullets => "</ul>\n",
        Block::Numbers => "</ol>\n",
    });
    *block = Block::None;
}

/// Inline markup of one escaped line: `**strong**`, `*em*`, `` `code` ``.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let pair = [("**", "strong"), ("`", "code"), ("*", "em")]
            .into_iter()
            .find_map(|(mark, tag)| {
                let body = rest.strip_prefix(mark)?;
                let end = body.find(mark).filter(|e| *e > 0)?;
                let inner = body.get(..end)?;
                // Like CommonMark, a mark next to a space is literal.
                if inner.starts_with(char::is_whitespace) || inner.ends_with(char::is_whitespace) {
                    return None;
                }
                Some((tag, inner, body.get(end + mark.len()..)?))
            });
        match pair {
            Some((tag, body, after)) => {
                let _ = write!(out, "<{tag}>{body}</{tag}>");
                rest = after;
            }
            None => {
                let mut chars = rest.chars();
                if let Some(c) = chars.next() {
                    out.push(c);
                }
                rest = chars.as_str();
            }
        }
    }
    out
}

/// Renders `markdown` to HTML (safe to insert unescaped).
pub fn to_html(markdown: &str) -> String {
    let mut out = String::new();
    let mut block = Block::None;
    for raw in markdown.lines() {
        let line = xml_escape(raw.trim_end());
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            close(&mut out, &mut block);
            continue;
        }
        let level = trimmed.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&level) && trimmed.chars().nth(level) == Some(' ') {
            close(&mut out, &mut block);
            // The page has its own h1: policy headings start at h2.
            let h = (level + 1).min(6);
            let _ = writeln!(
                out,
                "<h{h}>{}</h{h}>",
                inline(trimmed.get(level..).unwrap_or_default().trim())
            );
            continue;
        }
        let bullet = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "));
        let number = trimmed
            .split_once(". ")
            .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            .map(|(_, item)| item);
        match (bullet, number) {
            (Some(item), _) => {
                if !matches!(block, Block::Bullets) {
                    close(&mut out, &mut block);
                    out.push_str("<ul>\n");
                    block = Block::Bullets;
                }
                let _ = writeln!(out, "<li>{}</li>", inline(item));
            }
            (None, Some(item)) => {
                if !matches!(block, Block::Numbers) {
                    close(&mut out, &mut block);
                    out.push_str("<ol>\n");
                    block = Block::Numbers;
                }
                let _ = writeln!(out, "<li>{}</li>", inline(item));
            }
            (None, None) => {
                if matches!(block, Block::Paragraph) {
                    out.push('\n');
                } else {
                    close(&mut out, &mut block);
                    out.push_str("<p>");
                    block = Block::Paragraph;
                }
                out.push_str(&inline(trimmed));
            }
        }
    }
    close(&mut out, &mut block);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_subset_and_escapes_everything_else() {
        let html = to_html(
            "# Title\n\nSome **bold** and *soft* text\nwrapped `here`.\n\n- one\n- two <script>\n\n3. three\n4. four\n## Next\n",
        );
        assert_eq!(
            html,
            "<h2>Title</h2>\n<p>Some <strong>bold</strong> and <em>soft</em> text\nwrapped <code>here</code>.</p>\n\
             <ul>\n<li>one</li>\n<li>two &lt;script&gt;</li>\n</ul>\n<ol>\n<li>three</li>\n<li>four</li>\n</ol>\n<h3>Next</h3>\n"
        );
        assert_eq!(
            to_html("a * b ** c"),
            "<p>a * b ** c</p>\n",
            "unpaired marks stay"
        );
        assert_eq!(to_html("#hashtag"), "<p>#hashtag</p>\n");
    }
}
