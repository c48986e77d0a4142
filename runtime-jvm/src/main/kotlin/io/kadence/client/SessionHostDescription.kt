package io.kadence.client

import java.time.Instant
import kotlin.time.Duration
import kotlin.time.toJavaDuration

/**
 * A session host as the store sees it: what it declares ([capacity], with `sessions` its session
 * limit), what its open sessions hold ([used]), its last heartbeat, and its sessions.
 */
public data class SessionHostDescription(
    val taskQueue: String,
    val hostId: String,
    val capacity: Map<String, Int>,
    val used: Map<String, Int>,
    /** When it last heartbeated, on the host clock (the database's; the virtual clock in tests). */
    val lastHeartbeat: Instant,
    /** How long ago that was. */
    @get:JvmSynthetic val silentFor: Duration,
    /**
     * True while it heartbeats: silent for no longer than its grace period or the default session
     * heartbeat timeout (20 s), whichever is longer. (Each session judges its host by its own timeout.)
     */
    val alive: Boolean,
    /** False once its worker shut down: its open sessions wait for it, new ones go elsewhere. */
    val acceptingSessions: Boolean,
    @get:JvmSynthetic val gracePeriod: Duration,
    /** The worker that last registered it. */
    val workerIdentity: String?,
    val sessions: List<HostedSession>,
) {
    /** [silentFor] as a `java.time.Duration`: Java's `getSilentFor()`. */
    @get:JvmName("getSilentFor") public val javaSilentFor: java.time.Duration get() = silentFor.toJavaDuration()

    /** [gracePeriod] as a `java.time.Duration`: Java's `getGracePeriod()`. */
    @get:JvmName("getGracePeriod") public val javaGracePeriod: java.time.Duration get() = gracePeriod.toJavaDuration()
}

/** An open session on a host. */
public data class HostedSession(
    val sessionId: String,
    val workflowId: String,
    val runId: String,
    val resources: Map<String, Int>,
    @get:JvmSynthetic val heartbeatTimeout: Duration,
    val createdAt: Instant,
) {
    /** [heartbeatTimeout] as a `java.time.Duration`: Java's `getHeartbeatTimeout()`. */
    @get:JvmName("getHeartbeatTimeout") public val javaHeartbeatTimeout: java.time.Duration get() = heartbeatTimeout.toJavaDuration()
}
