package io.kadence.bench

/**
 * One workflow engine under test. Every call blocks the calling thread (callers are plain threads,
 * so each engine is driven the same way); every workflow is durable in the engine's own store.
 */
interface BenchSystem : AutoCloseable {
    val name: String

    /** Starts a workflow of [steps] sequential no-op activities and waits for its result (the sum of 0 until steps). */
    fun runSteps(steps: Int): Long

    /** Runs one workflow that starts [n] no-op activities at once and sums their results; returns the sum. */
    fun fanOut(n: Int): Long

    /**
     * Starts a workflow that sleeps [seconds] on a durable timer and returns how late (ms) it woke,
     * measured inside the workflow; the returned [Pending] waits for that result.
     */
    fun startSleeper(seconds: Long): Pending

    /** How many workflows currently wait on a durable timer, or null when the engine cannot tell. */
    fun sleepingCount(): Long? = null

    /** A run with about [targetEvents] history events, ready to be rebuilt from history; null when the engine does not replay. */
    fun prepareReplay(targetEvents: Int): Replay? = null

    /**
     * Runs one workflow that opens a session on one of three hosts (capacity 8 sessions each) and runs
     * [steps] no-op activities in it; returns the sum of 0 until steps.
     */
    fun runSession(steps: Int): Long = throw NotImplemented("$name has no host-keyed sessions")
}

fun interface Pending {
    fun await(): Long
}

/** A recorded history that can be replayed from scratch (empty cache) as often as wanted. */
interface Replay {
    val events: Int
    fun replayOnce()
}

/** Raised by a system for a workload it does not have; reported as `n/a not-implemented`. */
class NotImplemented(message: String) : RuntimeException(message)

/** Raised for a workload that makes no sense on a system; reported as `n/a not-applicable`. */
class NotApplicable(message: String) : RuntimeException(message)

fun openSystem(name: String, opts: Options): BenchSystem = when (name) {
    "kadence-h2" -> KadenceSystem.h2(opts)
    "kadence-pg" -> KadenceSystem.postgres(opts)
    "temporal" -> TemporalSystem(opts)
    "dbos" -> DbosSystem(opts)
    else -> throw IllegalArgumentException("unknown system '$name'; known: ${SYSTEMS.joinToString()}")
}
