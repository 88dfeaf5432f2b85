//! Two-step sign-in for the console: members enrol an authenticator app (confirmed by a code
//! before it counts), get single-use recovery codes, turn it off (not while it is required),
//! and admins reset it for others and decide whether everyone must have it. Every change is an
//! event in the same transaction; no secret or code is ever put in one.

use crate::context::Context;
use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use crate::auth::recovery;
use crate::auth::totp::TotpSecret;
use crate::crypto::{SealContext, Sealer};
use portico_domain::actor::{Actor, ActorKind, Refused};
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::mfa::{
    MfaRefused, MfaState, SecondStep, check_may_enrol, check_may_turn_off, format_recovery_code,
    step_is_fresh,
};
use portico_domain::team::TeamMember;
use portico_store::Tx;

impl From<MfaRefused> for UseCaseError {
    fn from(refused: MfaRefused) -> Self {
        Self::Conflict { field: "code", message: refused.to_string() }
    }
}

/// The field forms name the code in.
const CODE: &str = "code";
const WRONG_CODE: &str = "This code is not right, or it was used already. Enter the current code from your \
     authenticator app (or an unused recovery code).";

/// What a member needs to set up their app: the key as text and as an `otpauth://` address.
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

impl fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Enrolment(***)")
    }
}

/// Recovery codes as shown once (`abcd-efgh-jkmn-pqrs`); Portico keeps only their hashes.
pub struct RecoveryCodes(pub Vec<String>);

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecoveryCodes({} × ***)", self.0.len())
    }
}

/// How a second step was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondStepUsed {
    Totp,
    /// A recovery code, with how many are left.
    RecoveryCode {
        left: i64,
    },
}

fn own_id(actor: &Actor) -> Result<Uuid, Refused> {
    actor.id.filter(|_| actor.kind == ActorKind::TeamMember).ok_or(Refused::NotTeam)
}

fn unix_now() -> u64 {
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0)
}

fn open_secret(sealer: &Sealer, member_id: Uuid, sealed: &str) -> UseCaseResult<TotpSecret> {
    let encoded = sealer
        .open(sealed, SealContext::TotpSecret(member_id))
        .map_err(|e| anyhow::anyhow!("the TOTP secret of {member_id}: {e}"))?;
    TotpSecret::from_base32(&encoded)
        .map_err(|e| anyhow::anyhow!("the TOTP secret of {member_id}: {e}").into())
}

fn enrolment_of(secret: &TotpSecret, member: &TeamMember) -> UseCaseResult<Enrolment> {
    let otpauth_uri = secret.otpauth_uri(member.email.as_str()).map_err(anyhow::Error::from)?;
    Ok(Enrolment { secret: secret.to_base32(), otpauth_uri })
}

/// A member's own state: whether the second step is on, and how many recovery codes are left.
pub async fn own_status(cx: &Context, actor: &Actor) -> UseCaseResult<(MfaState, i64)> {
    let store = cx.store();
    let id = own_id(actor)?;
    Ok((store.mfa_state(id).await?, store.recovery_codes_left(id).await?))
}

/// Makes a new secret for the actor's own app, waiting for a code before it counts.
pub async fn start_enrolment(cx: &Context, actor: &Actor) -> UseCaseResult<Enrolment> {
    let store = cx.store();
    let sealer = cx.sealer();
    let id = own_id(actor)?;
    let mut tx = store.begin_write().await?;
    let member = tx.team_member(id).await?;
    let state = tx.totp_record(id).await?.map_or(MfaState::Off, |r| r.state);
    check_may_enrol(state)?;
    let secret = TotpSecret::generate();
    tx.put_enrolling_totp(id, &sealer.seal(&secret.to_base32(), SealContext::TotpSecret(id))).await?;
    tx.commit().await?;
    enrolment_of(&secret, &member)
}

/// The secret waiting for its first code, to show again (after a wrong code, a reload).
pub async fn pending_enrolment(cx: &Context, actor: &Actor) -> UseCaseResult<Option<Enrolment>> {
    let store = cx.store();
    let sealer = cx.sealer();
    let id = own_id(actor)?;
    let Some(record) = store.totp_record(id).await?.filter(|r| r.state == MfaState::Enrolling) else {
        return Ok(None);
    };
    let member = store.team_member(id).await?;
    Ok(Some(enrolment_of(&open_secret(sealer, id, &record.secret_sealed)?, &member)?))
}

fn new_recovery_codes(member_id: Uuid) -> (RecoveryCodes, Vec<portico_domain::secret::TokenHash>) {
    let codes = recovery::generate();
    let hashes = codes.iter().map(|code| recovery::hash(member_id, code)).collect();
    (RecoveryCodes(codes.iter().map(|code| format_recovery_code(code)).collect()), hashes)
}

/// Switches the waiting secret on when `code` is a current code of it; returns the recovery
/// codes, shown only now.
pub async fn confirm_enrolment(cx: &Context, actor: &Actor, code: &str) -> UseCaseResult<RecoveryCodes> {
    let store = cx.store();
    let sealer = cx.sealer();
    let id = own_id(actor)?;
    let code = SecondStep::parse_totp(CODE, code)?;
    let mut tx = store.begin_write().await?;
    let record = tx
        .totp_record(id)
        .await?
        .filter(|r| r.state == MfaState::Enrolling)
        .ok_or(MfaRefused::NotEnrolling)?;
    let secret = open_secret(sealer, id, &record.secret_sealed)?;
    let step = secret.matching_step(&code, unix_now()).map_err(anyhow::Error::from)?.ok_or_else(|| {
        UseCaseError::field(CODE, "This code is not right. Check that your phone's clock is set automatically and enter the current code.")
    })?;
    if !tx.enable_totp(id, step).await? {
        return Err(MfaRefused::NotEnrolling.into());
    }
    let (codes, hashes) = new_recovery_codes(id);
    tx.replace_recovery_codes(id, &hashes).await?;
    let event = NewEvent::new(EventKind::TeamMemberMfaEnabled, id, "turned on two-step sign-in")
        .with("method", "totp")
        .with("recovery_codes", codes.0.len());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Checks a second step against the member's app or recovery codes, and spends it: a TOTP step
/// is never accepted twice, a recovery code only once. Wrong and used codes are refused alike.
async fn spend_second_step(
    tx: &mut Tx,
    sealer: &Sealer,
    member_id: Uuid,
    raw: &str,
) -> UseCaseResult<SecondStepUsed> {
    let step = SecondStep::parse(CODE, raw)?;
    let record =
        tx.totp_record(member_id).await?.filter(|r| r.state == MfaState::On).ok_or(MfaRefused::NotOn)?;
    match step {
        SecondStep::Totp(code) => {
            let secret = open_secret(sealer, member_id, &record.secret_sealed)?;
            let matched = secret.matching_step(&code, unix_now()).map_err(anyhow::Error::from)?;
            match matched {
                Some(step)
                    if step_is_fresh(step, record.last_used_step)
                        && tx.spend_totp_step(member_id, step).await? =>
                {
                    Ok(SecondStepUsed::Totp)
                }
                _ => Err(UseCaseError::field(CODE, WRONG_CODE)),
            }
        }
        SecondStep::Recovery(code) => {
            if !tx.spend_recovery_code(member_id, &recovery::hash(member_id, &code)).await? {
                return Err(UseCaseError::field(CODE, WRONG_CODE));
            }
            let left = tx.recovery_codes_left(member_id).await?;
            Ok(SecondStepUsed::RecoveryCode { left })
        }
    }
}

/// The second step of a console sign-in, for the member whose password was right. A recovery
/// code's use is recorded (the member and admins see it in the audit log).
pub async fn complete_sign_in(
    cx: &Context,
    member: &TeamMember,
    code: &str,
) -> UseCaseResult<SecondStepUsed> {
    let store = cx.store();
    let sealer = cx.sealer();
    let actor = Actor::team_member(member.id, &member.name, member.role);
    let mut tx = store.begin_write().await?;
    let used = spend_second_step(&mut tx, sealer, member.id, code).await?;
    if let SecondStepUsed::RecoveryCode { left } = used {
        let event = NewEvent::new(
            EventKind::TeamMemberRecoveryCodeUsed,
            member.id,
            format!("signed in with a recovery code ({left} left)"),
        )
        .with("left", left);
        tx.record(&actor, event).await?;
    }
    tx.commit().await?;
    Ok(used)
}

/// A member turns their own second step off, proving it with a current code; refused while the
/// MSP requires it.
pub async fn turn_off(cx: &Context, actor: &Actor, code: &str) -> UseCaseResult<()> {
    let store = cx.store();
    let sealer = cx.sealer();
    let id = own_id(actor)?;
    let mut tx = store.begin_write().await?;
    let state = tx.totp_record(id).await?.map_or(MfaState::Off, |r| r.state);
    check_may_turn_off(tx.console_mfa_required().await?, state)?;
    spend_second_step(&mut tx, sealer, id, code).await?;
    tx.remove_mfa(id).await?;
    tx.record(actor, NewEvent::new(EventKind::TeamMemberMfaDisabled, id, "turned off two-step sign-in"))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// New recovery codes for the actor (the old ones stop working), proven with a current code.
pub async fn regenerate_recovery_codes(
    cx: &Context,
    actor: &Actor,
    code: &str,
) -> UseCaseResult<RecoveryCodes> {
    let store = cx.store();
    let sealer = cx.sealer();
    let id = own_id(actor)?;
    let mut tx = store.begin_write().await?;
    spend_second_step(&mut tx, sealer, id, code).await?;
    let (codes, hashes) = new_recovery_codes(id);
    tx.replace_recovery_codes(id, &hashes).await?;
    let event = NewEvent::new(EventKind::TeamMemberRecoveryCodesRegenerated, id, "made new recovery codes")
        .with("recovery_codes", codes.0.len());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(codes)
}

/// An admin removes another member's app and recovery codes (a lost phone); the member's
/// console sessions end, and they set it up again at their next sign-in if it is required.
pub async fn reset(cx: &Context, actor: &Actor, member_id: Uuid) -> UseCaseResult<TeamMember> {
    let store = cx.store();
    actor.require_admin()?;
    if actor.id == Some(member_id) {
        return Err(MfaRefused::OwnReset.into());
    }
    let mut tx = store.begin_write().await?;
    let member = tx.team_member(member_id).await?;
    let passkeys = tx.delete_passkeys_of(member_id).await?;
    if !tx.remove_mfa(member_id).await? && passkeys == 0 {
        return Err(UseCaseError::Conflict {
            field: "mfa",
            message: format!("{} has no two-step sign-in to reset.", member.name),
        });
    }
    tx.end_console_sessions(member_id, None).await?;
    let summary = format!("reset two-step sign-in of {}", member.email);
    tx.record(actor, NewEvent::new(EventKind::TeamMemberMfaReset, member_id, summary)).await?;
    tx.commit().await?;
    Ok(member)
}

/// Whether the MSP requires two-step sign-in of every member.
pub async fn mfa_required(cx: &Context, actor: &Actor) -> UseCaseResult<bool> {
    let store = cx.store();
    actor.require_team()?;
    Ok(store.console_mfa_required().await?)
}

/// Sets whether every member must use two-step sign-in (admins only). Members without it are
/// sent to set it up at their next console request; API tokens are not affected.
pub async fn set_mfa_required(cx: &Context, actor: &Actor, required: bool) -> UseCaseResult<bool> {
    let store = cx.store();
    actor.require_admin()?;
    let mut tx = store.begin_write().await?;
    if tx.console_mfa_required().await? == required {
        return Ok(required);
    }
    tx.set_console_mfa_required(required).await?;
    let summary = if required {
        "required two-step sign-in for the console"
    } else {
        "stopped requiring two-step sign-in for the console"
    };
    let event =
        NewEvent::new(EventKind::ConsoleSettingsUpdated, "console", summary).with("mfa_required", required);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(required)
}
