package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

internal object WorkflowUpdates : Table("workflow_updates") {
    val runId = varchar("run_id", 64)
    val updateId = varchar("update_id", 255)
    val updateName = varchar("update_name", 1000)
    /** REQUESTED, ACCEPTED, COMPLETED, FAILED or REJECTED. */
    val outcome = varchar("outcome", 16)
    val result = text("result_payload").nullable()
    val failure = text("failure").nullable()
    val createdAt = long("created_at")
    override val primaryKey = PrimaryKey(runId, updateId)
}
