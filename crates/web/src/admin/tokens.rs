//! API tokens as the console lists them: when and from where each was last used.

use portico_domain::api_token::ApiTokenInfo;

const WHEN: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

/// One row of a token list.
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub label: String,
    pub created: String,
    /// "never", or the time (to the minute: uses are recorded at most once a minute).
    pub last_used: String,
    pub last_used_from: String,
    pub revoked: bool,
}

impl From<&ApiTokenInfo> for TokenRow {
    fn from(token: &ApiTokenInfo) -> Self {
        let when = |at: &time::OffsetDateTime| at.format(WHEN).unwrap_or_default();
        Self {
            label: token.label.clone(),
            created: when(&token.created_at),
            last_used: token.last_used_at.as_ref().map_or_else(|| "never".to_string(), when),
            last_used_from: token.last_used_ip.clone().unwrap_or_default(),
            revoked: token.revoked_at.is_some(),
        }
    }
}

pub fn rows(tokens: &[ApiTokenInfo]) -> Vec<TokenRow> {
    tokens.iter().map(TokenRow::from).collect()
}
