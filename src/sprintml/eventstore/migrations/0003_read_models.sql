-- Read models: the tables the projections keep (src/sprintml/projections/), one owner each.
--
-- Why "rm_" tables in the default schema, with a rebuild schema beside them:
-- a rebuild (projections/rebuild.py) creates `sprintml_rebuild.<table> (LIKE <table> INCLUDING ALL)`,
-- replays the whole feed into those while the live tables keep serving and keep being updated,
-- then in ONE transaction locks the projections' checkpoint rows (so no live batch is half-way),
-- catches the shadow up to the live checkpoint, drops the live tables and moves the shadow ones
-- in with `ALTER TABLE ... SET SCHEMA`. Readers never see a half-built table, and no query
-- needs to know about generations: names stay the same, only the tables behind them change.
-- Index names follow Postgres's own naming for `LIKE ... INCLUDING ALL` (<table>_<columns>_idx),
-- so a swapped-in table carries exactly the index names this migration gave.
--
-- Rows carry `version`, the stream version of the last event applied to them (api.md's `version`).
-- Every column a projection writes is derived from events only, never from now(), so a rebuild
-- gives exactly the rows incremental updating gave.

-- team_roster ------------------------------------------------------------------------------
CREATE TABLE rm_teams (
    team_id           text PRIMARY KEY,
    name              text        NOT NULL,
    created_at        timestamptz NOT NULL,
    slack_webhook_url text,
    version           bigint      NOT NULL
);

-- Members who left keep their row (left_at set): capacity of a sprint they left during counts them
-- until they left. `time_off` is [{time_off_id, start, end}]: MemberLeft and TimeOffCancelled name
-- the member, so keeping it on the member's row lets a batch load exactly the rows it changes.
CREATE TABLE rm_team_members (
    team_id       text             NOT NULL,
    member_id     text             NOT NULL,
    name          text             NOT NULL,
    role          text             NOT NULL,
    skills        jsonb            NOT NULL,
    hours_per_day double precision NOT NULL,
    slack_user_id text,
    joined_at     timestamptz      NOT NULL,
    left_at       timestamptz,
    time_off      jsonb            NOT NULL,
    joined_position bigint         NOT NULL,  -- roster order: who joined first
    PRIMARY KEY (team_id, member_id)
);

-- backlog ----------------------------------------------------------------------------------
-- status: backlog | committed (in an open sprint) | done (completed in a closed sprint) | removed.
CREATE TABLE rm_backlog_items (
    item_id           text PRIMARY KEY,
    team_id           text        NOT NULL,
    title             text        NOT NULL,
    kind              text        NOT NULL,
    points            integer,
    gpu_hours         double precision,
    description       text        NOT NULL,
    priority          integer,
    status            text        NOT NULL,
    sprint_id         text,
    estimation_rounds integer     NOT NULL,
    added_at          timestamptz NOT NULL,
    removed_at        timestamptz,
    version           bigint      NOT NULL
);
CREATE INDEX rm_backlog_items_team_id_idx ON rm_backlog_items (team_id);

-- sprint_board -----------------------------------------------------------------------------
CREATE TABLE rm_sprints (
    sprint_id        text PRIMARY KEY,
    team_id          text             NOT NULL,
    name             text             NOT NULL,
    goal             text             NOT NULL,
    start_date       date             NOT NULL,
    end_date         date             NOT NULL,
    focus_factor     double precision NOT NULL,
    status           text             NOT NULL,  -- planned | active | closed
    capacity_hours   double precision,           -- as recorded by the last commitment
    capacity_points  double precision,
    over_capacity    boolean          NOT NULL,
    committed_points integer          NOT NULL,
    velocity         integer,                    -- set at close: points of the done items
    planned_at       timestamptz      NOT NULL,
    started_at       timestamptz,
    closed_at        timestamptz,
    closed_position  bigint,                     -- velocity history order
    version          bigint           NOT NULL
);
CREATE INDEX rm_sprints_team_id_idx ON rm_sprints (team_id);

-- The items now in each sprint, in commit order (`seq`).
CREATE TABLE rm_sprint_items (
    sprint_id        text    NOT NULL,
    item_id          text    NOT NULL,
    status           text    NOT NULL,  -- todo | in_progress | done
    points           integer NOT NULL,
    remaining_points integer NOT NULL,
    seq              bigint  NOT NULL,
    PRIMARY KEY (sprint_id, item_id)
);

-- Append-only, dated: every commitment, scope change and progress report of a sprint, for the
-- burndown (`before_start` rows form the original commitment) and the board's scope changes.
-- kind: committed | added | removed | progress; `points` is the item's points, or for progress
-- its remaining points. `on_date` is the UTC date of the event's own timestamp.
CREATE TABLE rm_sprint_changes (
    sprint_id    text    NOT NULL,
    position     bigint  NOT NULL,
    seq          integer NOT NULL,
    kind         text    NOT NULL,
    on_date      date    NOT NULL,
    item_id      text    NOT NULL,
    points       integer,
    before_start boolean NOT NULL,
    reason       text    NOT NULL,
    PRIMARY KEY (sprint_id, position, seq)
);

-- impediment_board -------------------------------------------------------------------------
CREATE TABLE rm_impediments (
    impediment_id      text PRIMARY KEY,
    team_id            text        NOT NULL,
    title              text        NOT NULL,
    severity           text        NOT NULL,
    severity_rank      smallint    NOT NULL,  -- 0 = critical: the board's order, and its cursor
    status             text        NOT NULL,  -- open | acknowledged | escalated | resolved
    source             text        NOT NULL,
    sprint_id          text,
    blocked_item_ids   jsonb       NOT NULL,
    blocked_member_ids jsonb       NOT NULL,
    description        text        NOT NULL,
    raised_at          timestamptz NOT NULL,
    acknowledged_at    timestamptz,
    escalated_at       timestamptz,
    resolved_at        timestamptz,
    resolution         text        NOT NULL,
    times_reopened     integer     NOT NULL,
    version            bigint      NOT NULL
);
CREATE INDEX rm_impediments_team_id_severity_rank_raised_at_idx ON rm_impediments (team_id, severity_rank, raised_at);
