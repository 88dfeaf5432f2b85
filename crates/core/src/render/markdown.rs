//! Article bodies: Markdown to HTML, then sanitised, so nothing an author writes can run.
//!
//! Sanitising parses the HTML again (html5ever), whose cost grows with the square of the nesting
//! depth: forty thousand characters of `> > > …` took over a minute. So bodies are rendered once,
//! when saved, only below a nesting limit, off the async workers, a few at a time and within a
//! time budget; views read the stored HTML.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ammonia::Builder;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};
use tokio::sync::Semaphore;

use portico_domain::kb::RenderedBody;
use portico_domain::validation::FieldError;

/// Deepest nesting of blocks (quotes, lists, raw HTML elements) a body may have. Real articles
/// stay far below; the cost of sanitising stays linear below it.
pub const MAX_NESTING: usize = 32;
/// Longest a render may take before the save is refused.
pub const RENDER_BUDGET: Duration = Duration::from_secs(5);
/// Renders running at once, so saves cannot take every core.
static RENDERING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(2)));

/// Why a body cannot be rendered and saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderRefused {
    #[error(
        "Body nests blocks {depth} deep; at most {MAX_NESTING} levels of quotes, lists and HTML elements are allowed."
    )]
    TooDeep { depth: usize },
    #[error("Body is too complex to render within {} seconds: simplify it.", RENDER_BUDGET.as_secs())]
    TooSlow,
}

impl From<RenderRefused> for FieldError {
    fn from(refused: RenderRefused) -> Self {
        FieldError::new("body", refused.to_string())
    }
}

impl From<RenderRefused> for portico_domain::validation::ValidationErrors {
    fn from(refused: RenderRefused) -> Self {
        let mut errors = Self::new();
        errors.push(refused.into());
        errors
    }
}

fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options
}

/// Renders `markdown` for saving: refused when nested deeper than [`MAX_NESTING`] or when
/// rendering outlasts [`RENDER_BUDGET`]. The work runs on the blocking pool.
pub async fn render_for_saving(markdown: String) -> Result<RenderedBody, RenderRefused> {
    render_within(markdown, RENDER_BUDGET).await
}

async fn render_within(markdown: String, budget: Duration) -> Result<RenderedBody, RenderRefused> {
    let slot = RENDERING.clone().acquire_owned().await.map_err(|_| RenderRefused::TooSlow)?;
    // The slot goes with the work: a render past its budget finishes on its blocking thread (it
    // cannot be interrupted) and keeps its slot till then, so abandoned renders cannot pile up.
    // With the bounds checked first that does not happen in practice.
    let rendering = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        render_bounded(&markdown)
    });
    match tokio::time::timeout(budget, rendering).await {
        Ok(Ok(rendered)) => rendered,
        Ok(Err(_)) | Err(_) => Err(RenderRefused::TooSlow),
    }
}

/// The rendering itself, for callers already off the async workers.
pub fn render_bounded(markdown: &str) -> Result<RenderedBody, RenderRefused> {
    let depth = nesting_depth(markdown);
    if depth > MAX_NESTING {
        return Err(RenderRefused::TooDeep { depth });
    }
    Ok(RenderedBody { html: to_safe_html(markdown), text: to_plain_text(markdown) })
}

/// How deep the HTML of `markdown` nests: Markdown's own blocks plus the raw HTML elements
/// opened and not closed. Parsing Markdown is cheap and linear; only sanitising is not.
pub fn nesting_depth(markdown: &str) -> usize {
    let (mut blocks, mut deepest_blocks) = (0usize, 0usize);
    let (mut raw, mut deepest_raw) = (0usize, 0usize);
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(tag) if is_container(&tag) => {
                blocks += 1;
                deepest_blocks = deepest_blocks.max(blocks);
            }
            Event::End(end) if is_container_end(&end) => blocks = blocks.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => {
                for (opening, name) in tags(&html) {
                    if VOID_ELEMENTS.contains(&name.as_str()) {
                        continue;
                    }
                    if opening {
                        raw += 1;
                        deepest_raw = deepest_raw.max(raw);
                    } else {
                        raw = raw.saturating_sub(1);
                    }
                }
            }
            _ => {}
        }
    }
    // Raw elements may sit inside the deepest Markdown blocks: count both, to be safe.
    deepest_blocks + deepest_raw
}

fn is_container(tag: &Tag<'_>) -> bool {
    matches!(tag, Tag::BlockQuote(_) | Tag::List(_) | Tag::Item | Tag::FootnoteDefinition(_) | Tag::Table(_))
}

fn is_container_end(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item | TagEnd::FootnoteDefinition | TagEnd::Table
    )
}

const VOID_ELEMENTS: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

/// The element tags in a piece of raw HTML: (opening, lowercased name); `<x/>` is neither.
fn tags(html: &str) -> Vec<(bool, String)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let closing = rest.starts_with('/');
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let self_closing = rest.find('>').is_some_and(|end| rest[..end].ends_with('/'));
        if !self_closing {
            found.push((!closing, name));
        }
    }
    found
}

/// Safe HTML for a Markdown text: no script, no event handlers, no `javascript:` links,
/// links to other sites marked and opened safely.
/// Unbounded: callers check [`nesting_depth`] first (see [`render_bounded`]).
pub fn to_safe_html(markdown: &str) -> String {
    let mut raw = String::new();
    html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .add_generic_attributes(["id"])
        .id_prefix(Some("kb-"))
        .clean(&raw)
        .to_string()
}

/// A body shown as it was typed, escaped: for articles whose HTML is not (yet) there.
pub fn as_plain_html(markdown: &str) -> String {
    let escaped = markdown
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    format!("<pre class=\"kb-plain\">{escaped}</pre>")
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
    fn deep_nesting_is_refused_before_rendering_and_ordinary_bodies_pass() {
        // `TooDeep` comes from the count made before rendering; the rendering budget has its own.
        for hostile in [
            "> ".repeat(20_000) + "x",
            "- ".repeat(20_000) + "x",
            "<div>".repeat(20_000),
            "1. ".repeat(20_000),
        ] {
            let refused = render_bounded(&hostile).unwrap_err();
            assert!(
                matches!(refused, RenderRefused::TooDeep { depth } if depth > MAX_NESTING),
                "{refused:?}"
            );
        }
        let message = FieldError::from(RenderRefused::TooDeep { depth: 40 });
        assert_eq!(message.field, "body");
        assert!(message.message.contains("at most 32 levels"), "{}", message.message);

        let ordinary = "# VPN\n\n> Note:\n> - one\n>   - two\n\n<details><summary>More</summary><p>x<br>y</p></details>\n";
        let rendered = render_bounded(ordinary).unwrap();
        assert!(rendered.html.contains("<blockquote>") && rendered.text.contains("VPN"));
        // quote, list, item, list, item; details, p.
        assert_eq!(nesting_depth(ordinary), 7);
        let just_allowed = "> ".repeat(MAX_NESTING) + "x";
        assert!(render_bounded(&just_allowed).is_ok());
    }

    #[tokio::test]
    async fn a_render_past_its_budget_is_refused() {
        let slow = "> ".repeat(MAX_NESTING) + &"x ".repeat(40_000);
        assert_eq!(render_within(slow, Duration::from_nanos(1)).await.unwrap_err(), RenderRefused::TooSlow);
        assert!(render_within("*fine*".into(), RENDER_BUDGET).await.is_ok());
    }

    #[test]
    fn plain_text_drops_the_markup() {
        assert_eq!(to_plain_text("# Title\n\nSome *text* and `code`."), "Title Some text and code.");
    }
}
