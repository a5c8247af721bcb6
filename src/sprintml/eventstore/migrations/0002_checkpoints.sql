-- Where each follower of the feed (projection, relay, poster) has got to.
CREATE TABLE checkpoints (
    name       text        PRIMARY KEY,
    position   bigint      NOT NULL CHECK (position >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Cross-stream look-ups by team ("all sprints and impediments of team X, as of position P").
CREATE INDEX events_team_id ON events ((data ->> 'team_id')) WHERE data ? 'team_id';
