package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

internal object Timers : Table("timers") {
    val runId = varchar("run_id", 64)
    val seq = long("seq")
    val fireAt = long("fire_at")
    override val primaryKey = PrimaryKey(runId, seq)
}
