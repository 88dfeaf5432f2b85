-- Housekeeping deletes by time and by reference; these let it find its rows without reading
-- whole tables. Kept in step across both backends.
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
CREATE INDEX console_sessions_seen ON console_sessions (last_seen_at);
CREATE INDEX portal_sessions_expiry ON portal_sessions (expires_at);
CREATE INDEX portal_sessions_seen ON portal_sessions (last_seen_at);
CREATE INDEX portal_sessions_sso_config ON portal_sessions (sso_config_id);
CREATE INDEX sign_in_failures_time ON sign_in_failures (failed_at);
CREATE INDEX portals_logo ON portals (logo_id);
CREATE INDEX portal_revisions_logo ON portal_revisions (logo_id);
CREATE INDEX logos_created ON logos (created_at);
