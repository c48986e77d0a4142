package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

internal object ActivityTasks : Table("activity_tasks") {
    val taskId = long("task_id").autoIncrement()
    val runId = varchar("run_id", 64)
    val seq = long("seq")
    val namespace = varchar("namespace", 255)
    val taskQueue = varchar("task_queue", 1000)
    val workflowId = varchar("workflow_id", 1000)
    val workflowType = varchar("workflow_type", 1000)
    val activityType = varchar("activity_type", 1000)
    val input = text("input_payload").nullable()
    val activityOptions = text("activity_options")
    val headers = text("header_map").nullable()
    val attempt = integer("attempt")
    val visibleAt = long("visible_at")
    val scheduledAt = long("scheduled_at")
    val scheduleToStartDeadline = long("schedule_to_start_deadline").nullable()
    val scheduleToCloseDeadline = long("schedule_to_close_deadline").nullable()
    val leaseOwner = varchar("lease_owner", 255).nullable()
    val leaseUntil = long("lease_until").nullable()
    val attemptDeadline = long("attempt_deadline").nullable()
    val cancelRequested = bool("cancel_requested")
    val heartbeatDetails = text("heartbeat_details").nullable()
    val lastFailure = text("last_failure").nullable()
    val sessionId = varchar("session_id", 64).nullable()
    override val primaryKey = PrimaryKey(taskId)
}
