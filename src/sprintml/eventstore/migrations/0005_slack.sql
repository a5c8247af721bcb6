-- Slack: deliveries already handled (redeliveries write nothing new), the Slack user → member
-- look-up, and the SLA breaches the poster has already posted.

-- One row per Slack delivery we handled: `slash:<trigger_id>`, `shortcut:<trigger_id>` or
-- `event:<event_id>`. `impediment_id` is the impediment the delivery raised, if any.
CREATE TABLE slack_deliveries (
    delivery_id   text        PRIMARY KEY,
    impediment_id text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Which team a Slack user joined (integrations/slack_members.py); the fold of the team stream
-- then says whether they are still a member.
CREATE INDEX events_member_slack_user_id ON events ((data ->> 'slack_user_id'))
    WHERE type = 'MemberJoined';

-- Impediments whose SLA breach the Slack poster has posted: once per impediment, across restarts.
CREATE TABLE slack_sla_posts (
    impediment_id text        PRIMARY KEY,
    posted_at     timestamptz NOT NULL DEFAULT now()
);
