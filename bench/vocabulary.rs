//! Text that searches like a real help desk's. Words of help-desk articles are of three kinds:
//! the general words of instructions (click, select, open …), which every article uses, with
//! Zipf frequencies; the article's topics (vpn, printer, bitlocker …), which it uses often and
//! most other articles not at all; and rare terms (product names, error codes), a few per
//! article. A topic is the subject of about one article in a hundred. Searches are one or two
//! topic words, the popular topics more often (Zipf), the second one sharing an article with
//! the first, so that every search finds something (one that finds nothing is a cheaper page
//! and must not pass for a search). The worst case, the commonest general word alone, matches
//! every article and is measured as its own row.

use std::collections::HashMap;

/// Help-desk words, most frequent first (ranked from the wording of common IT support
/// articles: steps, things, problems).
const RANKED: &[&str] = &[
    "click",
    "select",
    "open",
    "user",
    "settings",
    "account",
    "password",
    "windows",
    "email",
    "access",
    "computer",
    "device",
    "server",
    "network",
    "file",
    "folder",
    "install",
    "update",
    "sign",
    "error",
    "outlook",
    "teams",
    "office",
    "microsoft",
    "printer",
    "laptop",
    "screen",
    "connect",
    "restart",
    "check",
    "issue",
    "problem",
    "support",
    "request",
    "team",
    "manager",
    "share",
    "drive",
    "onedrive",
    "sharepoint",
    "vpn",
    "wifi",
    "internet",
    "browser",
    "chrome",
    "edge",
    "login",
    "reset",
    "mailbox",
    "calendar",
    "meeting",
    "phone",
    "mobile",
    "app",
    "application",
    "software",
    "license",
    "backup",
    "restore",
    "permission",
    "group",
    "admin",
    "portal",
    "ticket",
    "message",
    "attachment",
    "download",
    "upload",
    "sync",
    "profile",
    "domain",
    "policy",
    "security",
    "authenticator",
    "mfa",
    "code",
    "token",
    "certificate",
    "remote",
    "desktop",
    "session",
    "monitor",
    "keyboard",
    "mouse",
    "dock",
    "cable",
    "battery",
    "charger",
    "bluetooth",
    "headset",
    "camera",
    "microphone",
    "audio",
    "video",
    "display",
    "driver",
    "firmware",
    "bios",
    "boot",
    "disk",
    "storage",
    "memory",
    "slow",
    "freeze",
    "crash",
    "cannot",
    "missing",
    "locked",
    "expired",
    "blocked",
    "denied",
    "failed",
    "offline",
    "online",
    "status",
    "setup",
    "configure",
    "enable",
    "disable",
    "delete",
    "remove",
    "add",
    "create",
    "new",
    "starter",
    "leaver",
    "onboarding",
    "offboarding",
    "hardware",
    "order",
    "approval",
    "invoice",
    "quote",
    "contract",
    "vendor",
    "warranty",
    "repair",
    "replace",
    "loan",
    "spare",
    "scanner",
    "scan",
    "print",
    "queue",
    "toner",
    "paper",
    "jam",
    "tray",
    "duplex",
    "colour",
    "excel",
    "word",
    "powerpoint",
    "onenote",
    "pdf",
    "adobe",
    "acrobat",
    "zoom",
    "webex",
    "slack",
    "salesforce",
    "sage",
    "xero",
    "quickbooks",
    "citrix",
    "vmware",
    "azure",
    "intune",
    "entra",
    "okta",
    "google",
    "workspace",
    "gmail",
    "macos",
    "iphone",
    "android",
    "ipad",
    "router",
    "switch",
    "firewall",
    "port",
    "dns",
    "dhcp",
    "ip",
    "address",
    "proxy",
    "gateway",
    "latency",
    "bandwidth",
    "outage",
    "incident",
    "change",
    "maintenance",
    "window",
    "schedule",
    "alert",
    "notification",
    "spam",
    "phishing",
    "quarantine",
    "junk",
    "forward",
    "rule",
    "signature",
    "alias",
    "distribution",
    "list",
    "contact",
    "directory",
    "sso",
    "saml",
    "oidc",
    "encryption",
    "bitlocker",
    "recovery",
    "key",
    "antivirus",
    "defender",
    "malware",
    "virus",
    "patch",
    "upgrade",
    "version",
    "compatibility",
    "plugin",
    "extension",
    "cache",
    "cookies",
    "history",
    "bookmark",
    "shortcut",
    "taskbar",
    "start",
    "menu",
    "search",
    "index",
    "language",
    "keyboard",
    "timezone",
    "clock",
    "time",
    "date",
    "holiday",
    "travel",
    "abroad",
    "roaming",
    "sim",
    "voicemail",
    "extension",
    "hunt",
    "transfer",
    "conference",
    "room",
    "projector",
    "whiteboard",
    "hdmi",
    "usb",
    "adapter",
    "port",
    "ethernet",
    "socket",
    "power",
    "ups",
];

/// How many words of the tail there are: terms a few articles each mention.
const TAIL: usize = 20_000;

/// Syllables the tail's product names and codes are made of.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ro", "ta", "vi", "ze", "qu", "dra", "fen", "gor", "hul", "jin", "kor", "lum",
    "mor", "nix", "pel", "ryn", "sol", "tor", "urb", "vex", "wyn", "xal", "yor",
];

/// A tiny deterministic generator (xorshift64*): runs are repeatable and need no extra crate.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.below(1 << 30) as f64 / (1u64 << 30) as f64
    }
}

/// How many of the ranked words are general words of instructions; the rest are topics.
const GENERAL: usize = 20;
/// Topics per article, and rare terms per article.
const TOPICS_PER_ARTICLE: usize = 3;
/// An article's topics.
pub type Topics = [&'static str; TOPICS_PER_ARTICLE];
const RARE_PER_ARTICLE: usize = 3;

/// A Zipf distribution over `n` ranks (exponent 1.07, as measured for English text).
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Self {
        let weights: Vec<f64> = (1..=n).map(|rank| 1.0 / (rank as f64).powf(1.07)).collect();
        let total: f64 = weights.iter().sum();
        let mut sum = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                sum += w / total;
                sum
            })
            .collect();
        Self { cumulative }
    }

    fn rank(&self, dice: &mut Dice) -> usize {
        let at = dice.unit();
        self.cumulative.partition_point(|&c| c < at).min(self.cumulative.len() - 1)
    }
}

/// The vocabulary: general words, topics and rare terms.
pub struct Vocabulary {
    general: Vec<&'static str>,
    topics: Vec<&'static str>,
    rare: Vec<String>,
    general_frequency: Zipf,
    topic_popularity: Zipf,
}

impl Vocabulary {
    pub fn help_desk() -> Self {
        let mut words: Vec<&'static str> = Vec::with_capacity(RANKED.len());
        for word in RANKED {
            if !words.contains(word) {
                words.push(word);
            }
        }
        let topics = words.split_off(GENERAL);
        Self {
            general_frequency: Zipf::new(words.len()),
            topic_popularity: Zipf::new(topics.len()),
            general: words,
            topics,
            rare: (0..TAIL).map(tail_term).collect(),
        }
    }

    /// An article's title and body (Markdown): its topics named in the title and used
    /// throughout, instructions around them, a few rare terms.
    pub fn article(&self, dice: &mut Dice) -> (String, String) {
        let topics = self.article_topics(dice);
        let rare: Vec<&str> =
            (0..RARE_PER_ARTICLE).map(|_| self.rare[dice.below(self.rare.len())].as_str()).collect();
        let word = |dice: &mut Dice| -> &str {
            match dice.below(100) {
                0..55 => self.general[self.general_frequency.rank(dice)],
                55..95 => topics[dice.below(topics.len())],
                _ => rare[dice.below(rare.len())],
            }
        };
        let title = format!("How to {} {} {}", word(dice), topics[0], topics[1]);
        let paragraphs: Vec<String> = (0..3)
            .map(|_| {
                let length = 40 + dice.below(60);
                let words: Vec<&str> = (0..length).map(|_| word(dice)).collect();
                format!("{}.", words.join(" "))
            })
            .collect();
        (title, format!("# Steps\n\n{}", paragraphs.join("\n\n")))
    }

    /// The topics of the article `dice` is about to make: the first thing [`Self::article`]
    /// draws, so the same seed tells which topics an article has without making it. Topics are
    /// spread evenly over articles; searches, not articles, favour some.
    pub fn article_topics(&self, dice: &mut Dice) -> Topics {
        std::array::from_fn(|_| self.topics[dice.below(self.topics.len())])
    }

    /// Words as a ticket's text has them: instructions and one topic.
    pub fn sentence(&self, dice: &mut Dice, words: usize) -> String {
        let topic = self.topics[dice.below(self.topics.len())];
        (0..words)
            .map(|_| if dice.below(3) == 0 { topic } else { self.general[self.general_frequency.rank(dice)] })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The query that matches the most articles: the commonest general word alone.
    pub fn worst_query(&self) -> &str {
        self.general[0]
    }
}

/// What people search for, among the articles there are: every query finds at least one.
pub struct Searches<'a> {
    vocabulary: &'a Vocabulary,
    articles: &'a [Topics],
    by_topic: HashMap<&'static str, Vec<usize>>,
}

impl<'a> Searches<'a> {
    /// From the topics of each article made ([`Vocabulary::article_topics`]).
    pub fn new(vocabulary: &'a Vocabulary, articles: &'a [Topics]) -> Self {
        assert!(!articles.is_empty(), "searches need articles to find");
        let mut by_topic: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (index, topics) in articles.iter().enumerate() {
            for topic in topics {
                by_topic.entry(topic).or_default().push(index);
            }
        }
        Self { vocabulary, articles, by_topic }
    }

    /// What someone types into the search box: a topic, popular topics more often (among those
    /// some article has: all of them at the standard size), and half the time a second topic of
    /// an article that has the first, as "outlook calendar" is typed.
    pub fn query(&self, dice: &mut Dice) -> String {
        let vocabulary = self.vocabulary;
        let first = (0..64)
            .map(|_| vocabulary.topics[vocabulary.topic_popularity.rank(dice)])
            .find(|topic| self.by_topic.contains_key(topic))
            .unwrap_or_else(|| self.articles[dice.below(self.articles.len())][0]);
        if dice.below(2) == 0 {
            return first.to_string();
        }
        let having = &self.by_topic[first];
        let others: Vec<&str> = self.articles[having[dice.below(having.len())]]
            .iter()
            .copied()
            .filter(|topic| *topic != first)
            .collect();
        if others.is_empty() {
            first.to_string()
        } else {
            format!("{first}+{}", others[dice.below(others.len())])
        }
    }
}

/// Rare term number `n`: a product name, an error code or a model number.
fn tail_term(n: usize) -> String {
    let syllable = |i: usize| SYLLABLES[i % SYLLABLES.len()];
    match n % 3 {
        0 => format!("{}{}{}", syllable(n / 3), syllable(n / 7 + 3), syllable(n / 29 + 5)),
        1 => format!("0x8{:07x}", n.wrapping_mul(2_654_435_761) % 0x0fff_ffff),
        _ => format!("{}{}", syllable(n / 5).to_uppercase(), 100 + n),
    }
}
