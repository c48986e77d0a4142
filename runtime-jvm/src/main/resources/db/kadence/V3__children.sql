-- Child workflows: a child's run row names its parent run and the parent's command sequence
-- number (where the child's outcome goes) and what to do with the child when the parent closes.
ALTER TABLE workflow_executions ADD COLUMN parent_run_id VARCHAR(64);
ALTER TABLE workflow_executions ADD COLUMN parent_seq BIGINT;
ALTER TABLE workflow_executions ADD COLUMN parent_close_policy VARCHAR(32);
CREATE INDEX workflow_executions_by_parent ON workflow_executions (parent_run_id, status);
