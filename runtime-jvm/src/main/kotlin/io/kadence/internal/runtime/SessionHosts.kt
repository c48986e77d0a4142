package io.kadence.internal.runtime

import io.kadence.internal.spi.HostKey
import io.kadence.internal.spi.HostRegistration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import org.slf4j.LoggerFactory
import java.util.concurrent.CopyOnWriteArrayList

/**
 * The session hosts of this process and the session side of the timer service: it keeps the hosts'
 * heartbeats going, fails the sessions of dead hosts, times out requests nobody had room for, and
 * places waiting requests when a host has room again (told by a hint, and at least every second,
 * for room freed in other processes).
 *
 * On the virtual clock the host clock is the virtual one: before time jumps, the live hosts of this
 * process heartbeat at the new time, as they would have while it passed; their deadlines never
 * count as a reason to jump, while those of hosts that stopped (a closed worker) do.
 */
internal class SessionHosts(private val engine: Engine) {
    private val log = LoggerFactory.getLogger(SessionHosts::class.java)
    private val store get() = engine.store.sessions

    /** A host attached by a worker of this process. */
    inner class Host(val registration: HostRegistration, private val intervalMillis: Long) {
        val key: HostKey get() = registration.key

        /** When true the host stops heartbeating while its worker keeps running: a hung or cut-off host. */
        @Volatile var heartbeatsPaused: Boolean = false

        /** Heartbeat period: the configured one, or a third of the shortest heartbeat timeout among its sessions. */
        @Volatile var periodMillis: Long = intervalMillis
            private set

        fun heartbeat(at: Long?) {
            if (heartbeatsPaused) return
            val shortest = store.heartbeatHost(registration, at)
            periodMillis = minOf(intervalMillis, shortest?.let { (it / 3).coerceAtLeast(10) } ?: Long.MAX_VALUE)
        }
    }

    private val attached = CopyOnWriteArrayList<Host>()
    @Volatile private var placementRequested = true
    private var lastPlacementNanos = 0L
    private var heartbeats: Job? = null

    /** Registers a host (re-attaching to its open sessions, if any) and keeps it heartbeating. */
    fun attach(registration: HostRegistration, intervalMillis: Long): Host {
        store.registerHost(registration)
        val host = Host(registration, intervalMillis)
        attached += host
        startHeartbeats()
        return host
    }

    /** The host's worker stopped: no more heartbeats, no new sessions; its open sessions wait for its grace period. */
    fun detach(host: Host) {
        attached -= host
        try {
            store.stopAccepting(host.key)
        } catch (e: Exception) {
            log.warn("could not mark host '{}' of task queue '{}' as shut down: {}", host.key.hostId, host.key.taskQueue, e.message)
        }
    }

    /** The attached host [hostId] of [taskQueue] (for tests that make a host hang). */
    fun host(taskQueue: String, hostId: String): Host? = attached.firstOrNull { it.key.taskQueue == taskQueue && it.key.hostId == hostId }

    @Synchronized
    private fun startHeartbeats() {
        if (heartbeats != null) return
        heartbeats = engine.scope.launch(Dispatchers.IO) {
            while (isActive) {
                for (h in attached) {
                    try {
                        h.heartbeat(null)
                    } catch (e: Exception) {
                        if (e is kotlinx.coroutines.CancellationException) throw e
                        log.warn("heartbeat of host '{}' (task queue '{}') failed: {}; retrying", h.key.hostId, h.key.taskQueue, e.message)
                    }
                }
                delay(attached.minOfOrNull { it.periodMillis } ?: 1_000)
            }
        }
    }

    /** Before the virtual clock moves to [at]: the live hosts of this process heartbeat at [at]. */
    fun beforeTimeMoves(at: Long) {
        for (h in attached) h.heartbeat(at)
    }

    /** A host has room again: waiting requests are tried at the timer service's next pass. */
    fun requestPlacement() {
        placementRequested = true
        engine.timerWake.signal()
    }

    /** True while a placement was asked for and not tried yet: the virtual clock must not jump past it. */
    val isPlacementPending: Boolean get() = placementRequested

    /** One pass: fails sessions of dead hosts, times out requests, places waiting ones. Returns how many it changed. */
    fun sweep(now: Long): Int {
        var worked = store.expireSessions(now, 200)
        if (placementRequested || System.nanoTime() - lastPlacementNanos >= PLACEMENT_CHECK_NANOS) {
            placementRequested = false
            lastPlacementNanos = System.nanoTime()
            worked += store.placeWaitingSessions(now, 500)
        }
        return worked
    }

    /** For the virtual clock: the next request timeout, or death of a host that no longer heartbeats here. */
    fun nextWakeTime(now: Long): Long? =
        store.nextSessionDeadline(now, attached.filter { !it.heartbeatsPaused }.mapTo(HashSet()) { it.key })

    private companion object {
        const val PLACEMENT_CHECK_NANOS = 1_000_000_000L
    }
}
