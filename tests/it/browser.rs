//! Real headless Chromium for the tests, driven through WebDriver (fantoccini + chromedriver
//! from Debian), with axe-core accessibility checks and screenshots under target/screenshots/.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::processes::Helper;
use crate::support::TempDir;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The widths every page's layout is checked at: a small phone and a common laptop.
pub const PHONE: u32 = 375;
pub const DESKTOP: u32 = 1366;
/// More space than this between a heading and what follows it is a layout fault.
pub const MAX_HEADING_GAP: u32 = 48;

/// Finds layout faults in the document it runs in (argument: the largest heading gap).
const LAYOUT_CHECK: &str = r#"
const maxGap = arguments[0];
const problems = [];
const width = window.innerWidth;
const page = document.documentElement;
const unseen = (e) => {
  if (e.closest('.visually-hidden, .skip')) return true;
  const style = getComputedStyle(e);
  return style.display === 'none' || style.visibility === 'hidden' || e.getClientRects().length === 0;
};
const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
  + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '');
if (page.scrollWidth > width) problems.push(`the page scrolls sideways: ${page.scrollWidth} px wide in a ${width} px window`);
// Elements that end past the right edge (also those a parent clips): the outermost of each.
for (const e of document.body.querySelectorAll('*')) {
  if (unseen(e)) continue;
  const right = e.getBoundingClientRect().right + window.scrollX;
  if (right <= width + 1) continue;
  const parent = e.parentElement;
  if (parent && parent !== document.body && parent.getBoundingClientRect().right + window.scrollX > width + 1) continue;
  problems.push(`${name(e)} ends at ${Math.round(right)} px, past the ${width} px window`);
  if (problems.length > 12) break;
}
// Each heading sits right above what follows it (its next visible sibling, or its parent's).
for (const heading of document.querySelectorAll('h1, h2')) {
  if (unseen(heading)) continue;
  let next = null;
  for (let e = heading; e && e !== document.body && !next; e = e.parentElement) {
    let sibling = e.nextElementSibling;
    while (sibling && (unseen(sibling) || getComputedStyle(sibling).position === 'absolute')) sibling = sibling.nextElementSibling;
    next = sibling;
  }
  if (!next) continue;
  // Where the text is, not the boxes: a stretched grid row makes the heading's box tall and
  // leaves its text at the top.
  const content = (e) => { const range = document.createRange(); range.selectNodeContents(e); return range.getBoundingClientRect(); };
  const gap = Math.min(next.getBoundingClientRect().top, content(next).top) - content(heading).bottom;
  if (gap > maxGap) {
    problems.push(`${Math.round(gap)} px between the heading "${heading.textContent.trim().slice(0, 40)}" and the ${name(next)} after it`);
  }
}
return problems;
"#;

/// The port chromedriver says it listens on ("… started successfully on port N."); its further
/// output is read and dropped so it never blocks on a full pipe.
async fn driver_port(driver: &mut Helper) -> u16 {
    use tokio::io::AsyncBufReadExt;
    let stdout = driver.take_stdout().expect("chromedriver's output is piped");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("chromedriver's output") {
            if let Some(port) = line.split("started successfully on port ").nth(1) {
                return port.trim_end_matches('.').trim().parse().expect("a port number");
            }
        }
        panic!("chromedriver ended without saying its port");
    };
    let port = tokio::time::timeout(Duration::from_secs(20), read).await.expect("chromedriver says its port");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    port
}

/// A browser session with its own chromedriver and a fresh profile; both go with it.
pub struct Browser {
    pub client: Client,
    /// chromedriver, and the Chromium it starts, in one process group.
    driver: Helper,
    /// Removed after the browser has ended (see `Drop`).
    _profile: TempDir,
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Browser {
    /// A new browser, or `None` where Chromium is not installed and skipping was asked for
    /// ([`crate::support::missing`]).
    pub async fn start() -> Option<Self> {
        if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
            crate::support::missing("Chromium and ChromeDriver (Debian's chromium and chromium-driver)");
            return None;
        }
        let profile = TempDir::new("portico-chrome");
        // Chromium's own temporary folders go inside the profile, which goes with the browser.
        let scratch = profile.join("t");
        std::fs::create_dir_all(&scratch).expect("a profile folder");
        let mut command = Command::new(CHROMEDRIVER);
        command
            // Port 0: chromedriver binds a port the system gives it and says which.
            .arg("--port=0")
            .env("TMPDIR", &scratch)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut driver = Helper::spawn(command, CHROMEDRIVER).expect("start chromedriver");
        let port = driver_port(&mut driver).await;
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-extensions", "--disable-default-apps",
                    format!("--user-data-dir={}", profile.display()), "--window-size=1280,900",
                ]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(capabilities.clone());
            match builder.connect(&url).await {
                Ok(client) => break client,
                // chromedriver takes a moment to listen: retry until it answers.
                Err(error) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = error;
                    tokio::task::yield_now().await;
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(error) => panic!("cannot start a WebDriver session: {error}"),
            }
        };
        Some(Self { client, driver, _profile: profile })
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// A form field's current value.
    pub async fn value_of(&self, css: &str) -> String {
        self.find(css).await.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Replaces a field's text as a person would: select all, then type.
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Clicks something that loads a new page (a form's submit) and waits until the new page
    /// has loaded: the page clicked on is marked first, so that it can never pass for the next
    /// one while the browser is still on it.
    pub async fn click_and_load(&self, css: &str) {
        self.client.execute("window.__porticoLeaving = true; return true", vec![]).await.unwrap();
        self.click(css).await;
        self.wait_until(
            &format!("the page after clicking {css}"),
            "return !window.__porticoLeaving && document.readyState === 'complete'",
        )
        .await;
    }

    /// Waits (bounded) until `script` returns true in the page.
    pub async fn wait_until(&self, what: &str, script: &str) {
        let started = Instant::now();
        loop {
            let done = self.client.execute(script, vec![]).await.unwrap();
            if done == Value::Bool(true) {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Signs in to the console through its form.
    pub async fn sign_in(&self, base: &str, email: &str, password: &str) {
        self.goto(&format!("{base}/admin/login")).await;
        self.type_into("#email", email).await;
        self.type_into("#password", password).await;
        self.click("button[type=submit]").await;
        self.wait_until("the console after sign-in", "return location.pathname === '/admin'").await;
    }

    /// At the identity provider's own pages (where the portal sent the browser): logs in as
    /// `account` and gives consent when asked, until the browser leaves the provider.
    pub async fn log_in_at_idp(&self, issuer: &str, account: &str) {
        self.wait_until("the IdP's login page", &format!("return location.href.startsWith('{issuer}')"))
            .await;
        self.type_into("input[name=login]", account).await;
        self.type_into("input[name=password]", "anything").await;
        self.click("button[type=submit]").await;
        // The IdP asks for consent the first time.
        self.wait_until(
            "the consent page or the portal",
            &format!("return document.readyState === 'complete' && !document.querySelector('input[name=password]') && (!location.href.startsWith('{issuer}') || !!document.querySelector('button[type=submit]'))"),
        )
        .await;
        if self.client.current_url().await.unwrap().as_str().starts_with(issuer) {
            self.click("button[type=submit]").await;
        }
    }

    /// Fills the portal's submit form (open in the browser) as an incident and sends it; returns
    /// the new ticket's page and its id.
    pub async fn submit_ticket(&self, summary: &str, details: &str) -> (url::Url, String) {
        self.click("input[name=type][value=incident]").await;
        self.type_into("#short_description", summary).await;
        self.type_into("#description", details).await;
        self.click("#ticket-form button[type=submit]").await;
        self.wait_until("the ticket page", "return document.body.innerText.includes('has been submitted')")
            .await;
        let page = self.client.current_url().await.unwrap();
        let id = page.path().rsplit('/').next().unwrap().to_string();
        (page, id)
    }

    /// Saves a screenshot of the whole page as target/screenshots/{name}.png.
    pub async fn screenshot(&self, name: &str) {
        let height = self
            .client
            .execute("return Math.ceil(document.documentElement.scrollHeight)", vec![])
            .await
            .unwrap();
        let (width, _) = self.client.get_window_size().await.unwrap();
        let height = height.as_u64().unwrap_or(900).clamp(600, 4000) as u32;
        self.client.set_window_size(width as u32, height).await.unwrap();
        self.client.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
        let png = self.client.screenshot().await.unwrap();
        let dir = manifest_dir().join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
        self.client.set_window_size(width as u32, 900).await.unwrap();
    }

    /// What is wrong with the layout of the current document (or frame) at the current width:
    /// sideways scrolling, elements sticking out of the window, and headings parted from their
    /// content by more than [`MAX_HEADING_GAP`] pixels (a stretched grid spreads them apart).
    pub async fn layout_problems(&self) -> Vec<String> {
        let found = self.client.execute(LAYOUT_CHECK, vec![json!(MAX_HEADING_GAP)]).await.unwrap();
        found.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
    }

    /// The layout check at [`PHONE`] and [`DESKTOP`] widths, with a screenshot of each as
    /// `target/screenshots/{name}-{width}.png`; returns the problems found, named by page and
    /// width. The window gets its width back afterwards.
    pub async fn layout_problems_at_both_widths(&self, name: &str) -> Vec<String> {
        let (width, height) = self.client.get_window_size().await.unwrap();
        let mut problems = Vec::new();
        for check_width in [PHONE, DESKTOP] {
            self.client.set_window_size(check_width, 900).await.unwrap();
            self.screenshot(&format!("{name}-{check_width}")).await;
            for problem in self.layout_problems().await {
                problems.push(format!("{name} at {check_width} px: {problem}"));
            }
        }
        self.client.set_window_size(width as u32, height as u32).await.unwrap();
        problems
    }

    /// Fails on any layout problem of the current page at phone and desktop widths (see
    /// [`Self::layout_problems_at_both_widths`]).
    pub async fn assert_layout(&self, name: &str) {
        let problems = self.layout_problems_at_both_widths(name).await;
        assert!(problems.is_empty(), "layout problems:\n{}", problems.join("\n"));
    }

    /// Runs axe-core on the current document (or frame) and fails on any violation.
    pub async fn assert_accessible(&self, page: &str) {
        let axe = std::fs::read_to_string(manifest_dir().join("node_modules/axe-core/axe.min.js"))
            .expect("node_modules/axe-core: run `npm install` (scripts/test does)");
        self.client.execute(&axe, vec![]).await.unwrap();
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                    .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + n.failureSummary) }))))
                    .catch((e) => done([{ id: 'axe-error', help: String(e), nodes: [] }]));",
                vec![],
            )
            .await
            .unwrap();
        let violations = result.as_array().cloned().unwrap_or_default();
        assert!(
            violations.is_empty(),
            "axe-core found accessibility violations on {page}:\n{}",
            serde_json::to_string_pretty(&violations).unwrap()
        );
    }

    /// Ends the WebDriver session; dropping the browser does the rest.
    pub async fn close(self) {
        self.client.clone().close().await.ok();
    }
}

/// Also when a test fails: chromedriver and every Chromium process go (they share a process
/// group); the profile folder goes after them, as fields are dropped after this.
impl Drop for Browser {
    fn drop(&mut self) {
        self.driver.end();
    }
}
