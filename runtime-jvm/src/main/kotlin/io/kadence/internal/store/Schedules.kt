package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

/** One row per schedule (see V7__schedules.sql). */
internal object Schedules : Table("schedules") {
    val namespace = varchar("namespace", 255)
    val scheduleId = varchar("schedule_id", 1000)
    val spec = text("spec_json")
    val action = text("action_json")
    val policies = text("policies_json")
    val paused = bool("paused")
    val note = varchar("note", 2000).nullable()
    val cursor = long("cursor_millis")
    val nextCheck = long("next_check").nullable()
    val state = text("state_json")
    val createdAt = long("created_at")
    val updatedAt = long("updated_at")
    override val primaryKey = PrimaryKey(namespace, scheduleId)
}
