package io.kadence.worker

import io.kadence.failure.InvalidArgumentException
import io.kadence.workflow.SessionOptions
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * What a worker's host offers to sessions: at most [maxConcurrent] at once, and a capacity per
 * resource that sessions ask for (`resource("gpu", 2)`); a session is placed only on a host that
 * has every resource it asks for free, and holds them until it ends.
 *
 * ```
 * kadence.worker("training") {
 *     activities<Training>(GpuTraining())
 *     sessions { maxConcurrent = 8; resource("gpu", 2); gracePeriod = 2.minutes }
 * }.start()
 * ```
 */
@io.kadence.KadenceDsl
public class SessionWorkerOptions {
    /** Sessions this host holds at once (its capacity of the `sessions` resource). */
    public var maxConcurrent: Int = 1000

    /**
     * How long the host may be silent (a worker restart) before its sessions fail, if longer than a
     * session's own heartbeat timeout: a worker that comes back on the same host id within it
     * re-attaches to its open sessions. Zero leaves it to the sessions' heartbeat timeouts.
     */
    public var gracePeriod: Duration = Duration.ZERO

    /** How often the host heartbeats (more often when a session's heartbeat timeout asks for it: a third of it). */
    public var heartbeatInterval: Duration = 1.seconds

    private val declared = LinkedHashMap<String, Int>()

    /** Declares [capacity] units of [name] (`gpu`, `scratchGb`, …) for sessions to reserve. */
    public fun resource(name: String, capacity: Int) {
        if (name.isBlank() || name.length > 100) throw InvalidArgumentException("a session resource name must be 1 to 100 characters, was '$name'")
        if (name == SessionOptions.SESSIONS_RESOURCE) throw InvalidArgumentException("'${SessionOptions.SESSIONS_RESOURCE}' is set by maxConcurrent, not resource()")
        if (capacity < 0) throw InvalidArgumentException("session resource '$name' needs a capacity >= 0, was $capacity")
        declared[name] = capacity
    }

    /** The declared resources, with `sessions` = [maxConcurrent]. */
    public val capacity: Map<String, Int> get() = declared + (SessionOptions.SESSIONS_RESOURCE to maxConcurrent)

    internal fun validate() {
        if (maxConcurrent < 1) throw InvalidArgumentException("sessions.maxConcurrent must be >= 1, was $maxConcurrent")
        if (gracePeriod.isNegative()) throw InvalidArgumentException("sessions.gracePeriod must not be negative, was $gracePeriod")
        if (!heartbeatInterval.isPositive()) throw InvalidArgumentException("sessions.heartbeatInterval must be positive, was $heartbeatInterval")
        if (declared.size > 32) throw InvalidArgumentException("a host declares at most 32 session resources, this one ${declared.size}")
    }
}
