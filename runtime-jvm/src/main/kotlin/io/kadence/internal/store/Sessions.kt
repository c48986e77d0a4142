package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

/** Session requests waiting for a host (PENDING) and sessions placed on one (OPEN); deleted when they end. */
internal object Sessions : Table("sessions") {
    val sessionId = varchar("session_id", 64)
    val namespace = varchar("namespace", 255)
    val taskQueue = varchar("task_queue", 1000)
    val runId = varchar("run_id", 64)
    val seq = long("seq")
    val workflowId = varchar("workflow_id", 1000)
    val status = varchar("status", 16)
    val hostId = varchar("host_id", 255).nullable()
    val preferredHost = varchar("preferred_host", 255).nullable()
    val resources = varchar("resources_json", 4000)
    val heartbeatTimeoutMillis = long("heartbeat_timeout_millis")
    val requestedAt = long("requested_at")
    /** Engine clock: when a PENDING request gives up. */
    val creationDeadline = long("creation_deadline")
    val createdAt = long("created_at").nullable()
    override val primaryKey = PrimaryKey(sessionId)

    const val PENDING = "PENDING"
    const val OPEN = "OPEN"
}
