package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

internal object Namespaces : Table("namespaces") {
    val name = varchar("name", 255)
    val retentionMillis = long("retention_millis")
    val createdAt = long("created_at")
    override val primaryKey = PrimaryKey(name)
}
