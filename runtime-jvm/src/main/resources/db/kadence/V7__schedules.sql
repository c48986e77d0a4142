-- Schedules: what starts when (spec), what it starts (action), how (policies), whether it is paused,
-- how far it has acted (cursor: the last nominal time considered), and its state (waiting actions,
-- recent actions, counters). next_check is when the scheduler must look at it again.
CREATE TABLE schedules (
    namespace     VARCHAR(255)  NOT NULL,
    schedule_id   VARCHAR(1000) NOT NULL,
    spec_json     TEXT          NOT NULL,
    action_json   TEXT          NOT NULL,
    policies_json TEXT          NOT NULL,
    paused        BOOLEAN       NOT NULL,
    note          VARCHAR(2000),
    cursor_millis BIGINT        NOT NULL,
    next_check    BIGINT,
    state_json    TEXT          NOT NULL,
    created_at    BIGINT        NOT NULL,
    updated_at    BIGINT        NOT NULL,
    PRIMARY KEY (namespace, schedule_id)
);
CREATE INDEX schedules_by_next_check ON schedules (next_check);
