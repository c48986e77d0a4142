package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.Table

/** Session hosts: capacity and use per resource (JSON maps), heartbeat on the host clock. */
internal object Hosts : Table("hosts") {
    val namespace = varchar("namespace", 255)
    val taskQueue = varchar("task_queue", 1000)
    val hostId = varchar("host_id", 255)
    val capacity = varchar("capacity_json", 4000)
    val used = varchar("used_json", 4000)
    val heartbeatAt = long("heartbeat_at")
    val graceMillis = long("grace_millis")
    /** False while the host's worker is shut down: its open sessions wait for it, new ones go elsewhere. */
    val accepting = bool("accepting")
    val workerIdentity = varchar("worker_identity", 255).nullable()
    /** Sessions ever placed here: the tie-breaker that spreads sessions over equally loaded hosts. */
    val assignments = long("assignments")
    override val primaryKey = PrimaryKey(namespace, taskQueue, hostId)
}
