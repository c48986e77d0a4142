package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

internal object CurrentRuns : Table("current_runs") {
    val namespace = varchar("namespace", 255)
    val workflowId = varchar("workflow_id", 1000)
    val runId = varchar("run_id", 64)
    override val primaryKey = PrimaryKey(namespace, workflowId)
}
