package io.kadence.internal.store

import io.kadence.history.WorkflowStarted
import io.kadence.internal.spi.RunRecord
import io.kadence.internal.spi.RunStatus
import org.jetbrains.exposed.v1.core.Table

/** Run [runId] as a start stores it, before its first task: open, at event 2, its history [historyBytes] long. */
internal fun newRunRecord(namespace: String, runId: String, workflowId: String, started: WorkflowStarted, now: Long, historyBytes: Long) = RunRecord(
    namespace = namespace, runId = runId, workflowId = workflowId, workflowType = started.workflowType,
    taskQueue = started.taskQueue, status = RunStatus.RUNNING, result = null, failure = null, nextEventId = 2,
    startTime = now, closeTime = null, taskFailure = null, taskFailureCount = 0, historyBytes = historyBytes,
    taskTimeoutMillis = started.taskTimeoutMillis,
)

internal object WorkflowExecutions : Table("workflow_executions") {
    val runId = varchar("run_id", 64)
    val namespace = varchar("namespace", 255)
    val workflowId = varchar("workflow_id", 1000)
    val workflowType = varchar("workflow_type", 1000)
    val taskQueue = varchar("task_queue", 1000)
    val status = varchar("status", 32)
    val result = text("result_payload").nullable()
    val failure = text("failure").nullable()
    val nextEventId = long("next_event_id")
    val startTime = long("start_time")
    val closeTime = long("close_time").nullable()
    val taskFailure = text("task_failure").nullable()
    val taskFailureCount = integer("task_failure_count")
    val requestId = varchar("request_id", 255).nullable()
    val parentRunId = varchar("parent_run_id", 64).nullable()
    val parentSeq = long("parent_seq").nullable()
    val parentClosePolicy = varchar("parent_close_policy", 32).nullable()
    val historyBytes = long("history_bytes").default(0)
    val taskTimeoutMillis = long("task_timeout_millis").nullable()
    override val primaryKey = PrimaryKey(runId)
}
