-- The event store: one append-only table; the global order is `position`.
CREATE TABLE events (
    position     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid        NOT NULL,
    stream_id    text        NOT NULL,
    version      bigint      NOT NULL CHECK (version >= 1),
    type         text        NOT NULL,
    data         jsonb       NOT NULL,
    metadata     jsonb       NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT events_event_id_unique UNIQUE (event_id),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, version)
);

CREATE INDEX events_recorded_at ON events (recorded_at);

-- Appends hold this advisory lock in SHARED mode from before they draw a position until
-- they commit; feed readers take it EXCLUSIVE for an instant (a "fence") to wait out every
-- append in flight. See eventstore/postgres.py for why.
CREATE FUNCTION append_events(
    p_stream_id        text,
    p_expected_version bigint,   -- NULL: any version; 0: the stream must not exist yet
    p_event_ids        uuid[],
    p_types            text[],
    p_data             jsonb[],
    p_metadata         jsonb[]
) RETURNS TABLE (
    out_position    bigint,
    out_event_id    uuid,
    out_version     bigint,
    out_recorded_at timestamptz,
    out_replayed    boolean
)
LANGUAGE plpgsql AS $$
DECLARE
    current_version bigint;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7361000001);

    -- Idempotent by event id: a retry of an append that already committed answers with
    -- what was stored and writes nothing. (A concurrent duplicate meets the unique index.)
    IF EXISTS (SELECT 1 FROM events e WHERE e.event_id = ANY (p_event_ids)) THEN
        IF (SELECT count(*) FROM events e WHERE e.event_id = ANY (p_event_ids) AND e.stream_id = p_stream_id)
           <> cardinality(p_event_ids) THEN
            RAISE EXCEPTION 'events % were partly stored before, or in another stream', p_event_ids
                USING ERRCODE = 'SM002';
        END IF;
        RETURN QUERY
            SELECT e.position, e.event_id, e.version, e.recorded_at, true
            FROM events e WHERE e.event_id = ANY (p_event_ids) ORDER BY e.position;
        RETURN;
    END IF;

    SELECT coalesce(max(e.version), 0) INTO current_version FROM events e WHERE e.stream_id = p_stream_id;
    IF p_expected_version IS NOT NULL AND p_expected_version <> current_version THEN
        RAISE EXCEPTION 'stream % is at version %, expected %', p_stream_id, current_version, p_expected_version
            USING ERRCODE = 'SM001', DETAIL = current_version::text;
    END IF;

    RETURN QUERY
        INSERT INTO events (event_id, stream_id, version, type, data, metadata)
        SELECT i.event_id, p_stream_id, current_version + i.n, i.type, i.data, i.metadata
        FROM unnest(p_event_ids, p_types, p_data, p_metadata) WITH ORDINALITY
             AS i (event_id, type, data, metadata, n)
        ORDER BY i.n
        RETURNING position, event_id, version, recorded_at, false;

    -- (no NOTIFY here: it would serialise every commit on a database-wide lock)
END;
$$;

-- The highest position below which every event is final: committed and visible, or
-- rolled back and never coming. Reads the last drawn position first, then waits for every
-- append in flight (all of which drew their positions while holding the shared lock).
CREATE FUNCTION feed_fence() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    drawn bigint;
BEGIN
    -- Sequences are read outside MVCC: this is the last position handed out to anyone.
    SELECT CASE WHEN s.is_called THEN s.last_value ELSE 0 END INTO drawn FROM events_position_seq s;
    PERFORM pg_advisory_xact_lock(7361000001);
    RETURN coalesce(drawn, 0);
END;
$$;
