-- Indexes no query uses, each written by every row change. Activity tasks of a session are only
-- ever looked up together with their run (run_id, then session_id), which activity_tasks_run_seq
-- serves; an activity task is inserted and deleted on every workflow step. Runs are found by
-- workflow id through current_runs, never through workflow_executions.
DROP INDEX activity_tasks_by_session;
DROP INDEX workflow_executions_by_workflow;
