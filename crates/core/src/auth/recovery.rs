//! Recovery codes: single-use stand-ins for an authenticator app, made here and stored only as
//! hashes tied to their member.

use portico_domain::mfa::{RECOVERY_ALPHABET, RECOVERY_CODE_COUNT, RECOVERY_CODE_LEN};
use portico_domain::secret::{TokenHash, hash_token};

/// A fresh set of codes in their compact form (shown formatted with
/// [`portico_domain::mfa::format_recovery_code`]).
pub fn generate() -> Vec<String> {
    (0..RECOVERY_CODE_COUNT).map(|_| one()).collect()
}

fn one() -> String {
    let mut code = String::with_capacity(RECOVERY_CODE_LEN);
    // Rejection sampling: bytes past the largest multiple of the alphabet's size would make
    // the first symbols likelier.
    let limit = 256 - 256 % RECOVERY_ALPHABET.len();
    while code.len() < RECOVERY_CODE_LEN {
        let mut byte = [0u8; 1];
        rand::fill(&mut byte);
        let value = usize::from(byte[0]);
        if value < limit {
            code.push(char::from(RECOVERY_ALPHABET[value % RECOVERY_ALPHABET.len()]));
        }
    }
    code
}

/// What is stored of a code: the SHA-256 of the member's id and the code, so equal codes of two
/// members hash apart and a table of hashes cannot be attacked all at once. 79 random bits need
/// no slow hash.
pub fn hash(member_id: uuid::Uuid, compact_code: &str) -> TokenHash {
    hash_token(&format!("recovery:{member_id}:{compact_code}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_domain::mfa::SecondStep;

    #[test]
    fn a_set_is_ten_distinct_codes_that_read_back_as_recovery_codes() {
        let codes = generate();
        assert_eq!(codes.len(), 10);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);
        for code in &codes {
            let shown = portico_domain::mfa::format_recovery_code(code);
            assert_eq!(SecondStep::parse("code", &shown).unwrap(), SecondStep::Recovery(code.clone()));
        }
    }

    #[test]
    fn the_same_code_hashes_apart_for_two_members() {
        let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        assert_ne!(hash(a, "abcdefghjkmnpqrs"), hash(b, "abcdefghjkmnpqrs"));
        assert_eq!(hash(a, "abcdefghjkmnpqrs"), hash(a, "abcdefghjkmnpqrs"));
    }
}
