//! Bounded fuzzing on the stable toolchain: bolero's random engine under `cargo test`.
//!
//! Every target first replays its corpus (`fuzz/corpus/<target>/`, one input per file), then
//! builds random inputs for [`SUITE_TIME`] from fuzzer choices: pieces of the corpus, a
//! dictionary of tokens that matter to the parser and raw characters. Each checks properties,
//! never just "does not crash": accepted values re-validate to themselves, rendered Markdown
//! carries no script, an accepted redirect target stays on the site.
//!
//! `scripts/fuzz SECONDS` runs each target longer (`BOLERO_RANDOM_TEST_TIME_MS` wins over
//! [`SUITE_TIME`]); a failure prints `BOLERO_RANDOM_SEED=…`, which replays it. Worth keeping
//! inputs go into the corpus as new files.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Duration;

use bolero::check;
use portico::domain::portal::colour::Colour;
use portico::domain::portal::document::{PortalDocument, PortalSettings};
use portico::domain::portal::draft::PortalDraft;
use portico::domain::portal::hostname::Hostname;
use portico::domain::slug::{self, Slug};
use portico::domain::text;
use portico::render::markdown;
use serde_json::{Value, json};

/// How long each target runs in the normal test run (9 targets, in parallel with the rest).
const SUITE_TIME: Duration = Duration::from_millis(2500);

/// The inputs kept for `target`, in file-name order.
fn corpus(target: &str) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {} is missing: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    let seeds: Vec<String> = files
        .iter()
        .map(|path| String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned())
        .collect();
    assert!(!seeds.is_empty(), "the corpus {} is empty", dir.display());
    seeds
}

/// An input built from fuzzer choices: dictionary tokens, ASCII and any characters, and slices
/// of corpus inputs, appended or inserted.
fn soup(seeds: &[String], dictionary: &[&str], choices: &[(u8, char)]) -> String {
    let mut out = String::new();
    for &(op, c) in choices {
        let pick = op as usize / 8 + c as usize;
        match op % 8 {
            0 | 1 => out.push_str(dictionary[pick % dictionary.len()]),
            2 | 3 => out.push((c as u32 % 0x80) as u8 as char),
            4 => out.push(c),
            5 => {
                let seed = &seeds[pick % seeds.len()];
                let cut = ceil_boundary(seed, c as usize % (seed.len() + 1));
                out.push_str(if op & 0x40 == 0 { &seed[..cut] } else { &seed[cut..] });
            }
            6 => {
                let at = ceil_boundary(&out, c as usize % (out.len() + 1));
                out.insert_str(at, dictionary[pick % dictionary.len()]);
            }
            _ => {
                // Start over from a whole seed: mutations of good inputs reach deeper.
                out.clear();
                out.push_str(&seeds[pick % seeds.len()]);
            }
        }
    }
    out
}

fn ceil_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// Runs `property` on the corpus, then on random inputs for the suite's time budget.
fn fuzz(target: &str, dictionary: &[&str], property: impl Fn(&str)) {
    let seeds = corpus(target);
    for seed in &seeds {
        property(seed);
    }
    let property = AssertUnwindSafe(&property);
    check!()
        .with_type::<Vec<(u8, char)>>()
        .with_max_len(2048)
        .with_test_time(SUITE_TIME)
        .with_shrink_time(Duration::from_secs(10))
        .for_each(|choices| (*property)(&soup(&seeds, dictionary, choices)));
}

const CONTROL: &[&str] = &[
    "\0", "\t", "\n", "\r", "\u{1b}", "\u{7f}", "\u{85}", "\u{a0}", "\u{200b}", "\u{202e}", "\u{feff}", " ",
];

#[test]
fn fuzz_colour() {
    let dictionary =
        [&["#", "##", "0", "f", "F", "a", "g", "+", "-", "0x", "rgb(", ")", "ｆ", "٣"], CONTROL].concat();
    fuzz("colour", &dictionary, |raw| {
        let Ok(colour) = Colour::parse("colour", raw) else { return };
        let written = colour.to_string();
        assert!(
            written.len() == 7
                && written.starts_with('#')
                && written[1..].chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
            "{raw:?} was written as {written:?}"
        );
        assert_eq!(Colour::parse("colour", &written), Ok(colour), "{raw:?} does not re-validate");
        let digits = raw.trim().trim_start_matches('#').to_ascii_lowercase();
        let expanded: String =
            if digits.len() == 3 { digits.chars().flat_map(|c| [c, c]).collect() } else { digits };
        assert_eq!(written[1..], expanded, "{raw:?} changed colour");
        let json = serde_json::to_string(&colour).unwrap();
        assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), colour);
    });
}

#[test]
fn fuzz_slug() {
    let dictionary = [
        &[
            "a", "z", "0", "9", "-", "--", "_", ".", "/", "A", "é", "Ø", "ß", "&", "admin", "api", "p",
            "new", "acme",
        ],
        CONTROL,
    ]
    .concat();
    fuzz("slug", &dictionary, |raw| {
        if let Ok(slug) = Slug::parse("slug", raw) {
            let value = slug.as_str();
            assert!((slug::MIN_LEN..=slug::MAX_LEN).contains(&value.len()), "{raw:?} → {value:?}");
            assert!(
                value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{raw:?}"
            );
            assert_eq!(Slug::parse("slug", value).as_ref(), Ok(&slug), "{raw:?} does not re-validate");
            assert_eq!(urlencoded(value), value, "a slug needs no escaping in a URL");
        }
        // Any name gives a valid slug, and so does each numbered variant of it.
        let made = Slug::from_name(raw);
        assert_eq!(Slug::parse("slug", made.as_str()).as_ref(), Ok(&made), "from_name({raw:?})");
        for n in [2, 10, slug::SUFFIX_TRIES] {
            let variant = made.with_suffix(n);
            assert!(Slug::parse("slug", variant.as_str()).is_ok(), "{variant:?} from {raw:?}");
            assert_ne!(variant, made);
        }
    });
}

fn urlencoded(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
}

#[test]
fn fuzz_hostname() {
    let dictionary = [
        &[
            "a", "z", "0", "1", "9", "-", ".", "..", "0x", "0x7f", "127", "255", "example", "xn--", "A", ":",
            "/", "@", "%", "[", "]", "_", "é", "ａ",
        ][..],
        CONTROL,
    ]
    .concat();
    fuzz("hostname", &dictionary, |raw| {
        let Ok(host) = Hostname::parse("custom_domain", raw) else { return };
        let value = host.as_str();
        assert!(value.len() <= 253 && !value.ends_with('.'), "{raw:?} → {value:?}");
        assert_eq!(
            Hostname::parse("custom_domain", value).as_ref(),
            Ok(&host),
            "{raw:?} does not re-validate"
        );
        // Browsers and the URL standard must read it as this very domain name, never an address.
        match url::Host::parse(value) {
            Ok(url::Host::Domain(domain)) => assert_eq!(domain, value, "{raw:?}"),
            other => panic!("{raw:?} was accepted as host name {value:?} but URLs read it as {other:?}"),
        }
    });
}

#[test]
fn fuzz_text() {
    let dictionary = [
        &["a", "é", "名", "🙂", "  ", "\r\n", "\u{301}", "\u{2028}", "\u{2029}", "\u{1680}", "\u{3000}"],
        CONTROL,
    ]
    .concat();
    fuzz("text", &dictionary, |raw| {
        for (min, max, multiline) in [(1, 20, false), (0, 200, false), (1, 2000, true)] {
            let Ok(value) = text::bounded("field", raw, min, max, multiline) else { continue };
            assert_eq!(value, value.trim(), "{raw:?} kept surrounding space");
            let length = value.chars().count();
            assert!((min..=max).contains(&length), "{raw:?}: {length} characters");
            let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'));
            assert!(value.chars().all(allowed), "{raw:?} kept a control character");
            assert_eq!(text::bounded("field", &value, min, max, multiline).as_ref(), Ok(&value), "{raw:?}");
        }
        match text::optional("field", Some(raw), 50) {
            Ok(None) => assert!(raw.trim().is_empty(), "{raw:?} was taken for nothing"),
            Ok(Some(value)) => assert_eq!(text::optional("field", Some(&value), 50), Ok(Some(value.clone()))),
            Err(_) => {}
        }
    });
}

#[test]
fn fuzz_markdown() {
    let dictionary = [
        &[
            "<script>",
            "</script>",
            "<SCRIPT",
            "<scr<script>ipt>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"",
            "\">",
            "</a>",
            "javascript:",
            "JaVaScRiPt:",
            "java\tscript:",
            "&#106;avascript:",
            "&#x6A;",
            "data:text/html,",
            "vbscript:",
            "[x](",
            ")",
            "![i](",
            "<",
            ">",
            "\"",
            "'",
            "`",
            "```",
            "\n",
            "\n\n",
            "> ",
            "- ",
            "1. ",
            "* ",
            "|a|b|\n|-|-|\n",
            "~~",
            "[ ] ",
            "[x] ",
            "# ",
            "**",
            "_",
            "\\",
            "<!--",
            "-->",
            "<svg onload=alert(1)>",
            "<iframe>",
            "<style>",
            "<div onclick=x>",
            " onmouseover=",
            "style=",
            "<https://a.example>",
            "<javascript:alert(1)>",
            "[r]: javascript:x\n[a][r]",
            "&amp;",
            "&lt;",
            "<math>",
            "<form action=",
            "<base href=",
            "<object data=",
            "<meta http-equiv=refresh content=",
            "<noscript>",
        ][..],
        CONTROL,
    ]
    .concat();
    fuzz("markdown", &dictionary, |source| {
        let html = markdown::to_safe_html(source);
        assert_safe_html(source, &html);
        let _ = markdown::to_plain_text(source);
    });
}

/// No script element, no event handler attribute, no link to a scheme but http(s), mailto
/// or a relative one: checked on every tag of the sanitised output (text is escaped by then).
fn assert_safe_html(source: &str, html: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in
        ["<script", "<iframe", "<style", "<object", "<embed", "<svg", "<math", "<form", "<base", "<meta"]
    {
        assert!(!lower.contains(bad), "{source:?} rendered {bad}: {html}");
    }
    for (name, value) in attributes(html) {
        let name = name.to_ascii_lowercase();
        assert!(!name.starts_with("on"), "{source:?} rendered an event handler {name}: {html}");
        assert!(
            name != "style" && name != "srcdoc" && name != "formaction",
            "{source:?} rendered {name}: {html}"
        );
        if matches!(name.as_str(), "href" | "src" | "action" | "cite" | "poster" | "background") {
            // Where a browser on an article page would go: the URL standard decides, not a pattern.
            let page = url::Url::parse("https://portal.example/p/acme/kb/1").unwrap();
            if let Ok(target) = page.join(&decode_entities(&value)) {
                assert!(
                    matches!(target.scheme(), "http" | "https" | "mailto"),
                    "{source:?} rendered {name}={value:?} ({target}): {html}"
                );
            }
        }
    }
}

/// The attributes of every tag in serialised HTML (attribute values are always double-quoted).
fn attributes(html: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' && i + 1 < bytes.len() && bytes[i + 1].is_ascii_alphabetic() {
            i += 1;
            while i < bytes.len() && !matches!(bytes[i], b' ' | b'>' | b'/') {
                i += 1;
            }
            loop {
                while i < bytes.len() && matches!(bytes[i], b' ' | b'/') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'>' {
                    break;
                }
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b'=' | b' ' | b'>') {
                    i += 1;
                }
                let name = html[start..i].to_string();
                let mut value = String::new();
                if i < bytes.len() && bytes[i] == b'=' {
                    i += 1;
                    assert_eq!(bytes.get(i), Some(&b'"'), "unquoted attribute in {html}");
                    let end = html[i + 1..].find('"').map(|e| i + 1 + e).expect("closed attribute");
                    value = html[i + 1..end].to_string();
                    i = end + 1;
                }
                found.push((name, value));
            }
        }
        i += 1;
    }
    found
}

fn decode_entities(value: &str) -> String {
    value
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
}

#[test]
fn fuzz_portal_draft() {
    let paths = [
        "/slug",
        "/custom_domain",
        "/active",
        "/design/primary_color",
        "/design/secondary_color",
        "/features/ticketing/enabled",
        "/features/ticketing/default_assignment_group_id",
        "/features/knowledge_base/enabled",
        "/features/external_links/enabled",
        "/features/external_links/links/0/id",
        "/features/external_links/links/0/label",
        "/features/external_links/links/0/url",
        "/features/external_links/links/0/description",
        "/features/external_links/links/1/id",
        "/layout/sections/0/kind",
        "/layout/sections/1/headline",
        "/layout/buttons/0/target",
        "/layout/buttons/0/size",
        "/layout/buttons/0/label",
        "/layout/buttons/0/description",
        "/layout/buttons/1/target",
    ];
    let values = [
        json!(""),
        json!(" "),
        json!(true),
        json!(false),
        json!(null),
        json!(7),
        json!("#fff"),
        json!("#ABCDEF"),
        json!("acme-2"),
        json!("help.acme.example"),
        json!("javascript:alert(1)"),
        json!("https://hr.example/a?b#c"),
        json!("http://[::1]/"),
        json!("link:hr"),
        json!("link:"),
        json!("submit_ticket"),
        json!("my_tickets"),
        json!("knowledge_base"),
        json!("large"),
        json!("small"),
        json!("search"),
        json!("large_buttons"),
        json!("small_buttons"),
        json!("hr"),
        json!("0192f0c0-0000-7000-8000-000000000001"),
        json!("a\u{0}b"),
        json!("x".repeat(300)),
        json!([]),
        json!({}),
    ];
    let seeds: Vec<Value> =
        corpus("portal_draft").iter().map(|s| serde_json::from_str(s).expect("corpus JSON")).collect();
    let property = |document: &Value| {
        let Ok(draft) = serde_json::from_value::<PortalDraft>(document.clone()) else { return };
        let Ok(settings) = draft.validate() else { return };
        assert_valid_settings(document, &settings);
        // What the API returns can be sent back unchanged and means the same.
        let returned = PortalDocument::new(
            &settings,
            "https://x.example/p/s".into(),
            None,
            3,
            time::OffsetDateTime::UNIX_EPOCH,
            "Ada".into(),
        );
        let returned = serde_json::to_value(&returned).unwrap();
        let again: PortalDraft =
            serde_json::from_value(returned.clone()).unwrap_or_else(|e| panic!("{returned} is refused: {e}"));
        let again = again
            .validate()
            .unwrap_or_else(|e| panic!("{returned} no longer validates: {e:?}\nfrom {document}"));
        assert_eq!(again, settings, "a returned document changed meaning\nfrom {document}");
        // What is stored reads back the same.
        let stored = serde_json::to_string(&settings).unwrap();
        assert_eq!(serde_json::from_str::<PortalSettings>(&stored).unwrap(), settings);
    };
    for seed in &seeds {
        property(seed);
    }
    check!()
        .with_type::<(u8, Vec<(u8, u8, String)>)>()
        .with_max_len(2048)
        .with_test_time(SUITE_TIME)
        .with_shrink_time(Duration::from_secs(10))
        .for_each(|(seed, edits)| {
            let mut document = seeds[*seed as usize % seeds.len()].clone();
            for (path, choice, text) in edits {
                let path = paths[*path as usize % paths.len()];
                let value = match *choice as usize % (values.len() + 2) {
                    i if i < values.len() => values[i].clone(),
                    i if i == values.len() => json!(text),
                    _ => Value::Null,
                };
                if *choice % 7 == 6 {
                    remove(&mut document, path);
                } else {
                    set(&mut document, path, value);
                }
            }
            property(&document);
        });
}

fn set(document: &mut Value, path: &str, value: Value) {
    if let Some(slot) = document.pointer_mut(path) {
        *slot = value;
    } else if let Some((parent, _)) = path.rsplit_once('/')
        && let Some(Value::Array(items)) =
            document.pointer_mut(parent.rsplit_once('/').map_or("", |(p, _)| p))
        && let Some(last) = items.last().cloned()
    {
        // A path one past the end of a list adds a copy of its last item.
        items.push(last);
    }
}

fn remove(document: &mut Value, path: &str) {
    let Some((parent, key)) = path.rsplit_once('/') else { return };
    match document.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// Accepted settings keep the rules the whole product relies on.
fn assert_valid_settings(document: &Value, settings: &PortalSettings) {
    assert!(Slug::parse("slug", settings.slug.as_str()).is_ok(), "{document}");
    for link in &settings.features.external_links.links {
        let url = url::Url::parse(&link.url).unwrap_or_else(|_| panic!("{document}: {}", link.url));
        assert!(matches!(url.scheme(), "http" | "https") && url.host().is_some(), "{document}: {}", link.url);
        assert!(
            !link.label.is_empty() && text::bounded("l", &link.label, 1, 1000, false).is_ok(),
            "{document}"
        );
    }
    let targets: std::collections::HashSet<_> =
        settings.layout.buttons.iter().map(|b| b.target.to_string()).collect();
    assert_eq!(targets.len(), settings.layout.buttons.len(), "two buttons share a target: {document}");
    for button in &settings.layout.buttons {
        assert!(text::bounded("l", &button.label, 1, 1000, false).is_ok(), "{document}");
    }
}

/// The one redirect guard (console `next` and portal `return_to`), as the console uses it:
/// the target it would redirect to when it accepts `raw`, `None` when it falls back.
fn redirect_guard(raw: &str) -> Option<String> {
    let origin = url::Url::parse("https://portico.example/").unwrap();
    let console = |path: &str| path == "/admin" || path.starts_with("/admin/");
    portico::web::redirect::local_target(&origin, Some(raw), console)
}

#[test]
fn fuzz_redirect_target() {
    let dictionary = [
        &[
            "/",
            "//",
            "///",
            "/admin",
            "/admin/",
            "/admin/login",
            "/p/acme",
            "\\",
            "/\\",
            "%09",
            "%0a",
            "%2f",
            "%5c",
            "%2e",
            "..",
            "../",
            ".",
            "@",
            ":",
            "?",
            "#",
            "evil.example",
            "https:",
            "http://",
            "javascript:",
            "//evil.example",
            "/%09/evil.example/",
            "/\t/evil.example",
            "\u{3002}",
            "／",
            "＼",
            "\u{2044}",
        ][..],
        CONTROL,
    ]
    .concat();
    let origin = url::Url::parse("https://portico.example/").unwrap();
    fuzz("redirect_target", &dictionary, |raw| {
        let Some(target) = redirect_guard(raw) else { return };
        // It must be usable as a Location header value, and a browser must stay on this site.
        assert!(
            axum::http::HeaderValue::from_str(&target).is_ok(),
            "{raw:?} was accepted but is no valid Location header"
        );
        let resolved =
            origin.join(&target).unwrap_or_else(|e| panic!("{raw:?} was accepted but is no URL: {e}"));
        assert_eq!(resolved.origin(), origin.origin(), "{raw:?} leaves the site: {resolved}");
        assert!(resolved.path().starts_with("/admin"), "{raw:?} leaves the console: {resolved}");
    });
}

/// The sign-in callback's query, over HTTP against a real server and a crafted IdP: every
/// iteration starts a real sign-in, then answers it with a fuzzed query in which `{state}` and
/// `{code}` stand for the genuine values. Never a 5xx, never markup echoed unescaped.
#[test]
fn fuzz_callback_query() {
    use crate::crafted_idp::{Claims, CraftedIdp, Key};
    use crate::idp::Visitor;
    use crate::sso_tokens::{CLIENT, portal_for};
    use crate::support::{Backend, TestApp};

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (app, idp, portal, key) = runtime.block_on(async {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let key = Key::load(1, "k1");
        let idp = CraftedIdp::start(&[&key], "").await;
        let portal = portal_for(&app, &idp, json!({})).await;
        (app, idp, portal, key)
    });
    let issuer = idp.issuer();
    let dictionary = [
        &[
            "code=",
            "state=",
            "iss=",
            "error=",
            "error_description=",
            "{state}",
            "{code}",
            "&",
            "=",
            "&&",
            "%",
            "%00",
            "%0d%0a",
            "%ff",
            "%C3%A9",
            "+",
            "%2B",
            "access_denied",
            "<script>alert(1)</script>",
            "<b id=fuzz>",
            "%3Cb%20id%3Dfuzz%3E",
            "\"",
            "'",
            "state[]=",
            "code[x]=",
            ";",
            "#",
            "?",
        ][..],
        CONTROL,
    ]
    .concat();
    let property = |query: &str| {
        runtime.block_on(async {
            let visitor = Visitor::new(&app);
            let authorize = visitor.start(&portal).await;
            let pairs: std::collections::HashMap<String, String> =
                url::Url::parse(&authorize).unwrap().query_pairs().into_owned().collect();
            idp.hand_out(Claims::valid(&issuer, CLIENT, &pairs["nonce"]).sign(&key));
            let query = query.replace("{state}", &pairs["state"]).replace("{code}", "c0de");
            let path = portal.path(&format!("/auth/{}/callback", portal.sso_id));
            // Whatever reqwest cannot send as a URL is no input the server can get either.
            let Ok(url) = url::Url::parse(&format!("{}{path}?{query}", app.base)) else { return };
            let response = visitor.client.get(url).send().await.unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert!(!status.is_server_error(), "{query:?} got {status}: {body}");
            assert!(
                !body.contains("<b id=fuzz") && !body.contains("<script>alert(1)"),
                "{query:?} is echoed unescaped: {body}"
            );
        });
    };
    let seeds = corpus("callback_query");
    for seed in &seeds {
        property(seed.trim_end_matches('\n'));
    }
    let property = AssertUnwindSafe(&property);
    check!()
        .with_type::<Vec<(u8, char)>>()
        .with_max_len(512)
        .with_test_time(SUITE_TIME)
        .with_shrink_time(Duration::from_secs(10))
        .for_each(|choices| (*property)(&soup(&seeds, &dictionary, choices)));
}

/// Inbound mail as a stranger writes it: nested multiparts, enclosed and encoded messages,
/// digests, several senders. Reading it never panics or overflows, and what comes out is bounded.
#[test]
fn fuzz_inbound_mime() {
    use portico::mail::inbound;
    let dictionary = [
        &[
            "\r\n",
            "\r\n\r\n",
            "--b\r\n",
            "--b--\r\n",
            "--d\r\n",
            "From: a@acme.example\r\n",
            "From: b@x.example\r\n",
            "Content-Type: multipart/mixed; boundary=b\r\n",
            "Content-Type: multipart/digest; boundary=d\r\n",
            "Content-Type: message/rfc822\r\n",
            "Content-Type: message/global\r\n",
            "Content-Transfer-Encoding: base64\r\n",
            "Content-Transfer-Encoding: quoted-printable\r\n",
            "Content-Disposition: attachment; filename=x.txt\r\n",
            "Message-ID: <",
            ">\r\n",
            "References: ",
            "Subject: Re: [T-000001] x\r\n",
            "Authentication-Results: mx.msp.example; dmarc=pass header.from=acme.example\r\n",
            "RnJvbTogYUBhY21lLmV4YW1wbGUNCg0KaGk=",
            "=?utf-8?b?w6k=?=",
            "(",
            ")",
            "\\",
            "\"",
        ],
        CONTROL,
    ]
    .concat();
    fuzz("inbound_mime", &dictionary, |raw| {
        let Ok(incoming) = inbound::read(raw.as_bytes()) else { return };
        assert!(incoming.message_id.len() <= inbound::MAX_ID_LENGTH + 2, "{:?}", incoming.message_id);
        assert!(incoming.answers.iter().all(|id| id.len() <= inbound::MAX_ID_LENGTH + 2));
        assert!(
            incoming
                .sender
                .as_deref()
                .is_none_or(|s| s.contains('@') && !s.chars().any(|c| c.is_ascii_uppercase()))
        );
        // (No claim ties the sender to a literal "From:": the parser forgives blanks and stray
        // carriage returns in header names, as mail servers do.)
    });
}
