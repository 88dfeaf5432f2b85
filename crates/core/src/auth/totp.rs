//! Time-based one-time passwords (RFC 6238) through `totp-rs`: 160-bit secrets, six digits,
//! SHA-1 (what every authenticator app supports), 30-second steps and one step of skew either way.

use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Seconds per step.
pub const STEP_SECS: u64 = 30;
/// Steps accepted before and after the current one, for clocks that drift and slow typists.
pub const SKEW_STEPS: u16 = 1;
/// What authenticator apps list the account under.
pub const ISSUER: &str = "Portico";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a stored TOTP secret is not usable")]
pub struct BadSecret;

/// A member's shared secret. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

impl TotpSecret {
    /// 160 random bits, the length RFC 4226 recommends.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 20];
        rand::fill(&mut bytes);
        Self(bytes.to_vec())
    }

    /// The form people type into an app (and that is sealed at rest): unpadded base32.
    pub fn to_base32(&self) -> String {
        Secret::new(self.0.clone().into_boxed_slice()).to_base32()
    }

    pub fn from_base32(encoded: &str) -> Result<Self, BadSecret> {
        let secret = Secret::try_from_base32(encoded.trim()).map_err(|_| BadSecret)?;
        let bytes = secret.as_bytes().to_vec();
        // RFC 4226 asks for at least 128 bits; anything shorter was not made here.
        if bytes.len() < 16 {
            return Err(BadSecret);
        }
        Ok(Self(bytes))
    }

    fn totp(&self, account: &str) -> Result<Totp, BadSecret> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(SKEW_STEPS)
            .with_step_duration(STEP_SECS)
            .with_secret(Secret::new(self.0.clone().into_boxed_slice()))
            .with_issuer(Some(ISSUER))
            // The label may not hold a colon (it separates issuer and account).
            .with_account_name(account.replace(':', "_"))
            .build()
            .map_err(|_| BadSecret)
    }

    /// The `otpauth://totp/…` address an app reads from a QR code or a link.
    pub fn otpauth_uri(&self, account: &str) -> Result<String, BadSecret> {
        self.totp(account)?.to_url().map_err(|_| BadSecret)
    }

    /// The step whose code `code` is, within the skew around `unix_secs`; `None` when it is
    /// not a current code. Comparison is in constant time (`totp-rs` tokens).
    pub fn matching_step(&self, code: &str, unix_secs: u64) -> Result<Option<u64>, BadSecret> {
        let totp = self.totp("")?;
        Ok(totp.check(code, unix_secs))
    }

    /// The code for `unix_secs` (tests and the demo compute what an app would show).
    pub fn code_at(&self, unix_secs: u64) -> Result<String, BadSecret> {
        Ok(self.totp("")?.generate(unix_secs).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 key, "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret(b"12345678901234567890".to_vec())
    }

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // Appendix B lists eight digits; six-digit codes are their last six.
        assert_eq!(rfc_secret().code_at(59).unwrap(), "287082");
        assert_eq!(rfc_secret().code_at(1_111_111_109).unwrap(), "081804");
        assert_eq!(rfc_secret().code_at(1_234_567_890).unwrap(), "005924");
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_not_further() {
        let secret = TotpSecret::generate();
        let now = 1_700_000_015;
        let step = now / STEP_SECS;
        let code = secret.code_at(now).unwrap();
        assert_eq!(secret.matching_step(&code, now).unwrap(), Some(step));
        assert_eq!(secret.matching_step(&code, now + STEP_SECS).unwrap(), Some(step), "a step late");
        assert_eq!(secret.matching_step(&code, now - STEP_SECS).unwrap(), Some(step), "a step early");
        assert_eq!(secret.matching_step(&code, now + 2 * STEP_SECS).unwrap(), None, "two steps late");
        assert_eq!(secret.matching_step(&code, now - 2 * STEP_SECS).unwrap(), None, "two steps early");
    }

    #[test]
    fn a_wrong_code_matches_no_step() {
        let secret = TotpSecret::generate();
        let now = 1_700_000_000;
        let right = secret.code_at(now).unwrap();
        let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert_eq!(secret.matching_step(&wrong, now).unwrap(), None);
    }

    #[test]
    fn the_secret_reads_back_from_base32_and_makes_an_otpauth_address() {
        let secret = TotpSecret::generate();
        let encoded = secret.to_base32();
        assert_eq!(TotpSecret::from_base32(&encoded).unwrap(), secret);
        let uri = secret.otpauth_uri("ada@msp.example").unwrap();
        assert!(uri.starts_with("otpauth://totp/Portico:ada%40msp.example?"), "{uri}");
        assert!(uri.contains(&format!("secret={encoded}")), "{uri}");
        assert!(uri.contains("issuer=Portico"), "{uri}");
        assert!(TotpSecret::from_base32("AAAA").is_err(), "too short to be ours");
        assert!(!format!("{secret:?}").contains(&encoded));
    }
}
