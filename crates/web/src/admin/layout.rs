//! What every signed-in console page shows around its content.

/// The header: who is signed in, the current section, and the CSRF token for the sign-out form.
#[derive(Debug, Clone)]
pub struct Nav {
    pub member_name: String,
    pub role: &'static str,
    pub is_admin: bool,
    pub csrf: String,
    pub section: &'static str,
    /// What the form just submitted did, confirmed in a status region above the content.
    pub notice: Option<String>,
    /// Two-step sign-in must be set up before anything else: the console's sections are not shown.
    pub must_enrol: bool,
}
