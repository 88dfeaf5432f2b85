//! Two-step sign-in for the console: what a person may type as their second step, and the
//! rules of who must have it and who may turn it off. Pure: the TOTP arithmetic lives in
//! the core (`auth::totp`), storage in the store.

use uuid::Uuid;

use super::validation::FieldError;

/// How many recovery codes a member gets at a time.
pub const RECOVERY_CODE_COUNT: usize = 10;

/// Characters of a recovery code (without its dashes): 16 of 31 symbols, 79 bits.
pub const RECOVERY_CODE_LEN: usize = 16;

/// The symbols of recovery codes: lower-case letters and digits without look-alikes
/// (no 0/o, 1/l/i), so a code read off paper types back right.
pub const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A second step as typed: a six-digit code from the authenticator app, or a recovery code.
#[derive(Clone, PartialEq, Eq)]
pub enum SecondStep {
    Totp(String),
    /// Normalised: lower case, without spaces or dashes.
    Recovery(String),
}

impl std::fmt::Debug for SecondStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A code is a credential, if a short-lived one: never in logs.
        match self {
            Self::Totp(_) => f.write_str("Totp(***)"),
            Self::Recovery(_) => f.write_str("Recovery(***)"),
        }
    }
}

const CODE_SHAPE: &str = "Enter the 6-digit code from your authenticator app, or one of your recovery codes.";

impl SecondStep {
    /// Reads what was typed into `field`: spaces and dashes are ignored (apps show `123 456`,
    /// recovery codes are printed in groups), and letters may be in either case.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let compact: String =
            raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_lowercase();
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Self::Totp(compact));
        }
        if compact.len() == RECOVERY_CODE_LEN && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
            return Ok(Self::Recovery(compact));
        }
        Err(FieldError::new(field, CODE_SHAPE))
    }

    /// Only a code from the app: confirming enrolment proves the app has the secret.
    pub fn parse_totp(field: &str, raw: &str) -> Result<String, FieldError> {
        match Self::parse(field, raw)? {
            Self::Totp(code) => Ok(code),
            Self::Recovery(_) => {
                Err(FieldError::new(field, "Enter the 6-digit code from your authenticator app."))
            }
        }
    }
}

/// Recovery codes as shown to people: four groups of four (`abcd-efgh-jkmn-pqrs`).
pub fn format_recovery_code(compact: &str) -> String {
    compact
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Where a member stands with two-step sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaState {
    Off,
    /// A secret was made and shown; no code has confirmed it yet, so it is not asked for.
    Enrolling,
    On,
}

impl MfaState {
    pub fn is_on(self) -> bool {
        self == Self::On
    }
}

/// Whether a signed-in member must enrol before anything else in the console: the MSP asks for
/// two-step sign-in and they have not set it up.
pub fn must_enrol(mfa_required: bool, state: MfaState) -> bool {
    mfa_required && !state.is_on()
}

/// Why a change to two-step sign-in is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MfaRefused {
    #[error("Two-step sign-in is required for everyone in this console, so it cannot be turned off.")]
    Required,
    #[error("Two-step sign-in is not on.")]
    NotOn,
    #[error("Two-step sign-in is already on. Turn it off first to set up another app.")]
    AlreadyOn,
    #[error("Set up two-step sign-in first: scan the code or type the key, then enter a code.")]
    NotEnrolling,
    #[error("Use 'Turn off' on your own account; resetting is for other members.")]
    OwnReset,
}

/// A member turns their own second step off: not while the MSP requires it.
pub fn check_may_turn_off(mfa_required: bool, state: MfaState) -> Result<(), MfaRefused> {
    if state != MfaState::On {
        return Err(MfaRefused::NotOn);
    }
    if mfa_required {
        return Err(MfaRefused::Required);
    }
    Ok(())
}

/// A member starts enrolling: not when it is on already (that would replace a working app
/// without proof of the old one).
pub fn check_may_enrol(state: MfaState) -> Result<(), MfaRefused> {
    if state == MfaState::On { Err(MfaRefused::AlreadyOn) } else { Ok(()) }
}

/// A TOTP step may be accepted only after the last one accepted: a code seen once (over a
/// shoulder, in a phishing proxy) never works again, nor does an older one.
pub fn step_is_fresh(step: u64, last_used_step: Option<u64>) -> bool {
    last_used_step.is_none_or(|last| step > last)
}

/// A passkey as its owner sees it, with the stored credential.
#[derive(Debug, Clone)]
pub struct StoredPasskey {
    pub id: Uuid,
    pub team_member_id: Uuid,
    pub name: String,
    /// webauthn-rs's credential record, as JSON.
    pub credential: String,
    pub created_at: time::OffsetDateTime,
    pub last_used_at: Option<time::OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_six_digit_code_is_read_with_spaces_and_dashes_ignored() {
        assert_eq!(SecondStep::parse("code", " 123 456 ").unwrap(), SecondStep::Totp("123456".into()));
        assert_eq!(SecondStep::parse("code", "123-456").unwrap(), SecondStep::Totp("123456".into()));
    }

    #[test]
    fn a_recovery_code_is_read_in_any_case_with_or_without_its_dashes() {
        let code = "abcd-efgh-jkmn-pqrs";
        let expected = SecondStep::Recovery("abcdefghjkmnpqrs".into());
        assert_eq!(SecondStep::parse("code", code).unwrap(), expected);
        assert_eq!(SecondStep::parse("code", &code.to_uppercase()).unwrap(), expected);
        assert_eq!(SecondStep::parse("code", "abcdefghjkmnpqrs").unwrap(), expected);
    }

    #[test]
    fn anything_else_is_refused_naming_the_field() {
        for bad in ["", "12345", "1234567", "12a456", "abcd-efgh-jkmn-pqr0", "<script>"] {
            let error = SecondStep::parse("code", bad).unwrap_err();
            assert_eq!(error.field, "code", "{bad}");
        }
    }

    #[test]
    fn enrolment_accepts_only_an_app_code() {
        assert_eq!(SecondStep::parse_totp("code", "654 321").unwrap(), "654321");
        assert!(SecondStep::parse_totp("code", "abcd-efgh-jkmn-pqrs").is_err());
    }

    #[test]
    fn codes_never_show_in_debug_output() {
        let shown = format!("{:?}", SecondStep::parse("code", "123456").unwrap());
        assert!(!shown.contains("123456"), "{shown}");
    }

    #[test]
    fn recovery_codes_are_shown_in_groups_of_four() {
        assert_eq!(format_recovery_code("abcdefghjkmnpqrs"), "abcd-efgh-jkmn-pqrs");
    }

    #[test]
    fn only_members_without_a_confirmed_app_must_enrol_and_only_when_required() {
        assert!(must_enrol(true, MfaState::Off));
        assert!(must_enrol(true, MfaState::Enrolling), "an unconfirmed secret is not a second step");
        assert!(!must_enrol(true, MfaState::On));
        assert!(!must_enrol(false, MfaState::Off));
    }

    #[test]
    fn two_step_sign_in_cannot_be_turned_off_while_it_is_required() {
        assert_eq!(check_may_turn_off(true, MfaState::On), Err(MfaRefused::Required));
        assert_eq!(check_may_turn_off(false, MfaState::On), Ok(()));
        assert_eq!(check_may_turn_off(false, MfaState::Off), Err(MfaRefused::NotOn));
    }

    #[test]
    fn a_working_app_is_not_replaced_by_a_new_enrolment() {
        assert_eq!(check_may_enrol(MfaState::On), Err(MfaRefused::AlreadyOn));
        assert_eq!(check_may_enrol(MfaState::Enrolling), Ok(()));
        assert_eq!(check_may_enrol(MfaState::Off), Ok(()));
    }

    #[test]
    fn a_step_is_accepted_once_and_never_an_older_one() {
        assert!(step_is_fresh(100, None));
        assert!(step_is_fresh(101, Some(100)));
        assert!(!step_is_fresh(100, Some(100)), "the same code again");
        assert!(!step_is_fresh(99, Some(100)), "an older code within the skew");
    }
}
