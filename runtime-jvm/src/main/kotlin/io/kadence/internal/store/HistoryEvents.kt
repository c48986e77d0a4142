package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

internal object HistoryEvents : Table("history_events") {
    val runId = varchar("run_id", 64)
    val eventId = long("event_id")
    val eventType = varchar("event_type", 64)
    val eventTime = long("event_time")
    val body = text("body")
    override val primaryKey = PrimaryKey(runId, eventId)
}
