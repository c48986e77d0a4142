-- Namespace settings (retention: how long closed runs are kept) move to a table whose key column is
-- not a word Exposed quotes ("name"); the V1 table had only the default namespace's row.
CREATE TABLE namespace_settings (
    namespace        VARCHAR(255) PRIMARY KEY,
    retention_millis BIGINT       NOT NULL,
    created_at       BIGINT       NOT NULL
);
INSERT INTO namespace_settings (namespace, retention_millis, created_at) SELECT name, retention_millis, created_at FROM namespaces;
DROP TABLE namespaces;
-- Retention deletes closed runs by namespace and close time.
CREATE INDEX workflow_executions_by_close ON workflow_executions (namespace, close_time);
