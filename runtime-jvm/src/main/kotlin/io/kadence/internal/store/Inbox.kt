package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

internal object Inbox : Table("inbox") {
    val seq = long("seq").autoIncrement()
    val runId = varchar("run_id", 64)
    val body = text("body")
    val createdAt = long("created_at")
    override val primaryKey = PrimaryKey(seq)
}
