-- The health of each SSO configuration (PostgreSQL). Kept in step with ../sqlite/0015_sso_health.sql.
-- The last failed end-user sign-in through it: when, the reference the end user was shown, and
-- what went wrong (for the console; end users never see it).
ALTER TABLE sso_configs ADD COLUMN last_failure_at BIGINT;
ALTER TABLE sso_configs ADD COLUMN last_failure_reference TEXT;
ALTER TABLE sso_configs ADD COLUMN last_failure_detail TEXT;
