-- The run's workflow task timeout (WorkflowStarted.taskTimeoutMillis): the lease of its workflow tasks.
-- Null: the lease of the worker that takes the task.
ALTER TABLE workflow_executions ADD COLUMN task_timeout_millis BIGINT;
