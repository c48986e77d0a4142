-- The size of a run's stored history (UTF-8 bytes of its event bodies), kept with the run so the
-- history-size limit is checked without reading the history. Runs stored before this column existed
-- start at 0 and count from their next task.
ALTER TABLE workflow_executions ADD COLUMN history_bytes BIGINT DEFAULT 0 NOT NULL;
