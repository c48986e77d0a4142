package io.kadence.internal.spi

import io.kadence.internal.InternalKadenceApi

/**
 * What sessions need from the store: host rows with capacity and heartbeats, and the scheduler
 * that places session requests on them. The commands and inputs of sessions (requested, created,
 * completed, failed) go through [HistoryStore] like every other step of a run.
 *
 * Implementors must: reserve a session's resources on its host in the transaction that places it,
 * under a lock on the host rows, so that no host's use ever exceeds its capacity whatever the number
 * of concurrent schedulers; release them exactly once, in the transaction that ends the session
 * (completed, failed, its run closed); place a request only on a host that is accepting and whose
 * heartbeat is younger than the request's heartbeat timeout; and write and judge heartbeats on the
 * host clock ([hostClock]).
 */
@InternalKadenceApi
public interface SessionStore {
    /**
     * The clock host heartbeats are written and judged by, in epoch milliseconds. Null (the default)
     * means the database's clock, as for activity leases, so that worker clocks never decide; the test
     * kit sets its virtual clock, so that a dead host is found in virtual time.
     */
    public var hostClock: (() -> Long)?

    /**
     * Creates or refreshes [host]'s row: its capacity and grace period, accepting new sessions, its
     * heartbeat now. Its open sessions continue (a restarted worker re-attaches to them).
     */
    public fun registerHost(host: HostRegistration)

    /**
     * Records a heartbeat of [host] at [at] (host clock; null: now), never moving it back; re-creates a
     * row that disappeared. Returns the shortest heartbeat timeout among the host's open sessions, or null.
     */
    public fun heartbeatHost(host: HostRegistration, at: Long? = null): Long?

    /** The host takes no new sessions (its worker shut down); its open sessions keep waiting for it. */
    public fun stopAccepting(key: HostKey)

    /**
     * Fails the open sessions whose host has been silent longer than both the session's heartbeat
     * timeout and the host's grace period, and times out requests whose creation deadline is at or
     * before [now] (engine clock). Returns how many it ended.
     */
    public fun expireSessions(now: Long, max: Int): Int

    /** Places waiting requests on hosts that have room for them now; returns how many it placed. */
    public fun placeWaitingSessions(now: Long, max: Int): Int

    /**
     * For the virtual clock: the earliest time after [now] at which a waiting request times out, or a
     * host with open sessions that is not in [live] turns dead. Host times are on the host clock, so
     * this is meaningful only when [hostClock] is the engine's.
     */
    public fun nextSessionDeadline(now: Long, live: Set<HostKey>): Long?

    /** The hosts of [namespace] (of [taskQueue] only, when given), with their open sessions. */
    public fun listHosts(namespace: String, taskQueue: String?): List<HostRecord>
}

@InternalKadenceApi
public data class HostKey(val namespace: String, val taskQueue: String, val hostId: String) {
    /** The queue that only this host polls, for the activities of its sessions on [taskQueue]. */
    val hostTaskQueue: String get() = "$taskQueue@$hostId"
}

/** What a worker declares about its host. [capacity] includes the `sessions` limit. */
@InternalKadenceApi
public data class HostRegistration(
    val key: HostKey,
    val capacity: Map<String, Int>,
    val graceMillis: Long,
    val identity: String,
)

@InternalKadenceApi
public data class HostRecord(
    val key: HostKey,
    val capacity: Map<String, Int>,
    val used: Map<String, Int>,
    /** Last heartbeat and the current time, both on the host clock. */
    val heartbeatAt: Long,
    val hostNow: Long,
    val graceMillis: Long,
    val accepting: Boolean,
    val identity: String?,
    val sessions: List<SessionRecord>,
)

@InternalKadenceApi
public data class SessionRecord(
    val sessionId: String,
    val workflowId: String,
    val runId: String,
    val resources: Map<String, Int>,
    val heartbeatTimeoutMillis: Long,
    val createdAt: Long,
)
