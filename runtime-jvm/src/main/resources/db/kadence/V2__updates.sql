-- Updates: one row per update id of a run, so a retried update applies once and its caller can
-- read the outcome. Rejected updates live only here, never in history.
CREATE TABLE workflow_updates (
    run_id      VARCHAR(64)  NOT NULL,
    update_id   VARCHAR(255) NOT NULL,
    update_name VARCHAR(1000) NOT NULL,
    outcome     VARCHAR(16)  NOT NULL,
    result_payload TEXT,
    failure     TEXT,
    created_at  BIGINT       NOT NULL,
    PRIMARY KEY (run_id, update_id)
);
