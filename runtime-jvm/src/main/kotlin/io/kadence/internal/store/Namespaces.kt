package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

/** Namespaces and their defaults (V8): how long closed runs are kept. */
internal object Namespaces : Table("namespace_settings") {
    val namespace = varchar("namespace", 255)
    val retentionMillis = long("retention_millis")
    val createdAt = long("created_at")
    val limits = text("limits_json").nullable()
    override val primaryKey = PrimaryKey(namespace)

    const val DEFAULT_RETENTION_MILLIS: Long = 7L * 24 * 3600 * 1000
}
