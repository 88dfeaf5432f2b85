-- Pending sign-ins live in sealed cookies now (see web/portal/pending.rs); nothing writes
-- or reads this table any more. Kept in step across both backends.
DROP TABLE login_states;
