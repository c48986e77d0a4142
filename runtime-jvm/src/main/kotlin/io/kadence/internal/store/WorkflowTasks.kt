package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

internal object WorkflowTasks : Table("workflow_tasks") {
    val runId = varchar("run_id", 64)
    val namespace = varchar("namespace", 255)
    val taskQueue = varchar("task_queue", 1000)
    val visibleAt = long("visible_at")
    val leaseOwner = varchar("lease_owner", 255).nullable()
    val leaseUntil = long("lease_until").nullable()
    val leaseToken = long("lease_token")
    override val primaryKey = PrimaryKey(runId)
}
