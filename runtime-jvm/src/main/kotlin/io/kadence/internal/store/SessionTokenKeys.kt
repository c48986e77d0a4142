package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

/** The secret that signs the recreate tokens of a namespace. */
internal object SessionTokenKeys : Table("session_token_keys") {
    val namespace = varchar("namespace", 255)
    val secret = varchar("secret", 128)
    override val primaryKey = PrimaryKey(namespace)
}
