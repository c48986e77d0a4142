-- Sessions keyed by host. A host row per (namespace, task queue, host id): what it declares it can
-- hold (capacity per resource, JSON such as {"sessions":8,"gpu":2}), what its open sessions hold
-- (used, same shape), and its heartbeat, on the host clock: the database's, or the test kit's
-- virtual clock. A session row per session request, waiting (PENDING) or placed (OPEN); it is
-- deleted when the session ends, in the transaction that gives its resources back.

CREATE TABLE hosts (
    namespace         VARCHAR(255)  NOT NULL,
    task_queue        VARCHAR(1000) NOT NULL,
    host_id           VARCHAR(255)  NOT NULL,
    capacity_json     VARCHAR(4000) NOT NULL,
    used_json         VARCHAR(4000) NOT NULL,
    heartbeat_at      BIGINT        NOT NULL,
    grace_millis      BIGINT        NOT NULL,
    accepting         BOOLEAN       NOT NULL,
    worker_identity   VARCHAR(255),
    assignments       BIGINT        NOT NULL DEFAULT 0,
    PRIMARY KEY (namespace, task_queue, host_id)
);

CREATE TABLE sessions (
    session_id               VARCHAR(64)   PRIMARY KEY,
    namespace                VARCHAR(255)  NOT NULL,
    task_queue               VARCHAR(1000) NOT NULL,
    run_id                   VARCHAR(64)   NOT NULL,
    seq                      BIGINT        NOT NULL,
    workflow_id              VARCHAR(1000) NOT NULL,
    status                   VARCHAR(16)   NOT NULL,
    host_id                  VARCHAR(255),
    preferred_host           VARCHAR(255),
    resources_json           VARCHAR(4000) NOT NULL,
    heartbeat_timeout_millis BIGINT        NOT NULL,
    requested_at             BIGINT        NOT NULL,
    creation_deadline        BIGINT        NOT NULL,
    created_at               BIGINT,
    CONSTRAINT sessions_run_seq UNIQUE (run_id, seq)
);
CREATE INDEX sessions_by_host ON sessions (namespace, task_queue, host_id, status);
CREATE INDEX sessions_by_status ON sessions (status, creation_deadline);

-- The activities of a session: failing the session deletes them, so a late result is rejected.
ALTER TABLE activity_tasks ADD COLUMN session_id VARCHAR(64);
CREATE INDEX activity_tasks_by_session ON activity_tasks (session_id);

-- The key that signs recreate tokens, one per namespace, made on first use.
CREATE TABLE session_token_keys (
    namespace VARCHAR(255) PRIMARY KEY,
    secret    VARCHAR(128) NOT NULL
);
