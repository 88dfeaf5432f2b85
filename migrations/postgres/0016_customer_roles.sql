-- Roles inside a customer, and people who follow a ticket (PostgreSQL). Kept in step with
-- ../sqlite/0016_customer_roles.sql.
-- A member sees their own tickets and those shared with them; a manager every ticket of their
-- customer. role_source says who set the role: the MSP's team ('team', also the default) or
-- the customer's identity provider at the last sign-in ('idp').
ALTER TABLE end_users ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
ALTER TABLE end_users ADD COLUMN role_source TEXT NOT NULL DEFAULT 'team';

CREATE TABLE ticket_followers (
    ticket_id   TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    end_user_id TEXT NOT NULL REFERENCES end_users (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, end_user_id)
);
-- "Tickets I follow" for the portal's list.
CREATE INDEX ticket_followers_end_user ON ticket_followers (end_user_id, ticket_id);
-- A manager's company list filters by customer and requester.
CREATE INDEX tickets_customer_requester ON tickets (customer_id, requester_id, updated_at);
