//! Text that searches like a real help desk's: words drawn from a Zipf distribution over a
//! vocabulary ranked by how often help-desk articles and tickets use them, with a long tail of
//! rare terms (product names, error codes, model numbers) as real knowledge bases have. A
//! common word is in most articles; a rare one in a handful. A query is one to three words
//! of the kind people type; the worst case (the most common word alone) is measured apart.

/// Help-desk words, most frequent first (ranked from the wording of common IT support
/// articles: steps, things, problems).
const RANKED: &[&str] = &[
    "click", "select", "open", "user", "settings", "account", "password", "windows", "email",
    "access", "computer", "device", "server", "network", "file", "folder", "install", "update",
    "sign", "error", "outlook", "teams", "office", "microsoft", "printer", "laptop", "screen",
    "connect", "restart", "check", "issue", "problem", "support", "request", "team", "manager",
    "share", "drive", "onedrive", "sharepoint", "vpn", "wifi", "internet", "browser", "chrome",
    "edge", "login", "reset", "mailbox", "calendar", "meeting", "phone", "mobile", "app",
    "application", "software", "license", "backup", "restore", "permission", "group", "admin",
    "portal", "ticket", "message", "attachment", "download", "upload", "sync", "profile",
    "domain", "policy", "security", "authenticator", "mfa", "code", "token", "certificate",
    "remote", "desktop", "session", "monitor", "keyboard", "mouse", "dock", "cable", "battery",
    "charger", "bluetooth", "headset", "camera", "microphone", "audio", "video", "display",
    "driver", "firmware", "bios", "boot", "disk", "storage", "memory", "slow", "freeze", "crash",
    "cannot", "missing", "locked", "expired", "blocked", "denied", "failed", "offline", "online",
    "status", "setup", "configure", "enable", "disable", "delete", "remove", "add", "create",
    "new", "starter", "leaver", "onboarding", "offboarding", "hardware", "order", "approval",
    "invoice", "quote", "contract", "vendor", "warranty", "repair", "replace", "loan", "spare",
    "scanner", "scan", "print", "queue", "toner", "paper", "jam", "tray", "duplex", "colour",
    "excel", "word", "powerpoint", "onenote", "pdf", "adobe", "acrobat", "zoom", "webex",
    "slack", "salesforce", "sage", "xero", "quickbooks", "citrix", "vmware", "azure", "intune",
    "entra", "okta", "google", "workspace", "gmail", "macos", "iphone", "android", "ipad",
    "router", "switch", "firewall", "port", "dns", "dhcp", "ip", "address", "proxy", "gateway",
    "latency", "bandwidth", "outage", "incident", "change", "maintenance", "window", "schedule",
    "alert", "notification", "spam", "phishing", "quarantine", "junk", "forward", "rule",
    "signature", "alias", "distribution", "list", "contact", "directory", "sso", "saml", "oidc",
    "encryption", "bitlocker", "recovery", "key", "antivirus", "defender", "malware", "virus",
    "patch", "upgrade", "version", "compatibility", "plugin", "extension", "cache", "cookies",
    "history", "bookmark", "shortcut", "taskbar", "start", "menu", "search", "index", "language",
    "keyboard", "timezone", "clock", "time", "date", "holiday", "travel", "abroad", "roaming",
    "sim", "voicemail", "extension", "hunt", "transfer", "conference", "room", "projector",
    "whiteboard", "hdmi", "usb", "adapter", "port", "ethernet", "socket", "power", "ups",
];

/// How many words of the tail there are: terms a few articles each mention.
const TAIL: usize = 20_000;

/// Syllables the tail's product names and codes are made of.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ro", "ta", "vi", "ze", "qu", "dra", "fen", "gor", "hul", "jin",
    "kor", "lum", "mor", "nix", "pel", "ryn", "sol", "tor", "urb", "vex", "wyn", "xal", "yor",
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

/// The vocabulary and its word frequencies (Zipf, exponent 1.07, as measured for English
/// text).
pub struct Vocabulary {
    words: Vec<String>,
    /// Cumulative probabilities, one per word.
    cumulative: Vec<f64>,
}

impl Vocabulary {
    pub fn help_desk() -> Self {
        let mut words: Vec<String> = Vec::with_capacity(RANKED.len() + TAIL);
        for word in RANKED {
            if !words.iter().any(|w| w == word) {
                words.push((*word).to_string());
            }
        }
        for n in 0..TAIL {
            words.push(tail_term(n));
        }
        let weights: Vec<f64> = (1..=words.len()).map(|rank| 1.0 / (rank as f64).powf(1.07)).collect();
        let total: f64 = weights.iter().sum();
        let mut sum = 0.0;
        let cumulative = weights.iter().map(|w| {
            sum += w / total;
            sum
        });
        Self { cumulative: cumulative.collect(), words }
    }

    /// One word, as often as help-desk text uses it.
    pub fn word(&self, dice: &mut Dice) -> &str {
        let at = dice.unit();
        let index = self.cumulative.partition_point(|&c| c < at).min(self.words.len() - 1);
        &self.words[index]
    }

    pub fn sentence(&self, dice: &mut Dice, words: usize) -> String {
        (0..words).map(|_| self.word(dice)).collect::<Vec<_>>().join(" ")
    }

    /// What someone types into the search box: one to three words of the ranked (real)
    /// vocabulary, common ones more often, the few most common (click, select, open …) never
    /// alone as they carry no meaning.
    pub fn query(&self, dice: &mut Dice) -> String {
        let count = 1 + dice.below(3);
        let real = RANKED.len().min(self.words.len());
        (0..count)
            .map(|_| loop {
                let word = self.word(dice);
                let rank = self.words.iter().position(|w| w == word).unwrap_or(real);
                if (5..real).contains(&rank) {
                    break word.to_string();
                }
            })
            .collect::<Vec<_>>()
            .join("+")
    }

    /// The query that matches the most articles: the most common word alone.
    pub fn worst_query(&self) -> &str {
        &self.words[0]
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
