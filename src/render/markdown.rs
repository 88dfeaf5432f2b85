//! Article bodies: Markdown to HTML, then sanitised, so nothing an author writes can run.

use ammonia::Builder;
use pulldown_cmark::{Options, Parser, html};

/// Safe HTML for a Markdown text: no script, no event handlers, no `javascript:` links,
/// links to other sites marked and opened safely.
pub fn to_safe_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut raw = String::new();
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .add_generic_attributes(["id"])
        .id_prefix(Some("kb-"))
        .clean(&raw)
        .to_string()
}

/// Plain text of a Markdown body, for snippets.
pub fn to_plain_text(markdown: &str) -> String {
    let mut text = String::new();
    for event in Parser::new(markdown) {
        match event {
            pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => text.push_str(&t),
            pulldown_cmark::Event::SoftBreak
            | pulldown_cmark::Event::HardBreak
            | pulldown_cmark::Event::End(_) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_safe_html("# Reset\n\n**Press** the [button](https://help.example).");
        assert!(html.contains("<h1>Reset</h1>") && html.contains("<strong>Press</strong>"));
        assert!(html.contains("rel=\"noopener noreferrer\""));
    }

    #[test]
    fn hostile_html_and_urls_are_removed() {
        for hostile in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"data:text/html,x\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<style>body{display:none}</style>",
            "<div onclick=\"alert(1)\">x</div>",
        ] {
            let html = to_safe_html(hostile).to_lowercase();
            for bad in ["<script", "onerror", "javascript:", "data:", "<iframe", "<style", "onclick"] {
                assert!(!html.contains(bad), "{hostile} left {bad}: {html}");
            }
        }
    }

    #[test]
    fn plain_text_drops_the_markup() {
        assert_eq!(to_plain_text("# Title\n\nSome *text* and `code`."), "Title Some text and code.");
    }
}
