package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

/** The request ids of the signals an open run has received (a retried signal is delivered once). */
internal object SignalRequests : Table("signal_requests") {
    val runId = varchar("run_id", 64)
    val requestId = varchar("request_id", 255)
    override val primaryKey = PrimaryKey(runId, requestId)
}
