package io.kadence.internal.runtime

import io.kadence.history.FailureInfo
import io.kadence.history.HistoryEvent
import io.kadence.internal.engine.WorkflowExecutor
import io.kadence.internal.spi.EagerSlot
import io.kadence.internal.spi.WorkflowTaskLease
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicReference

/**
 * The hand-over between a client's start and the local worker that runs the new run's first
 * workflow task ahead of it (see [WorkflowTaskRunner.startWithFirstTask]).
 *
 * The worker runs the task from [lease], which describes the run as the start will store it. Then
 * one of two things happens, decided once by the first to get there:
 * - the worker [offer]s the task's events while the client still waits, and the client commits them
 *   with the start, so the run's first task costs no commit of its own;
 * - the client stops waiting ([awaitComputed] times out) or the worker [decline]s (the task runs
 *   local activities, or failed): the client stores the start alone, its first task leased to this
 *   worker through [slot], and the worker goes on with the lease it is handed ([awaitStored]) as
 *   with any task. Workflow code that never returns thus holds a worker thread, never the caller.
 */
internal class FirstTaskAttempt(val lease: WorkflowTaskLease, private val workerLeaseMillis: Long) {
    /** The task's outcome, taken by the client. */
    class Computed(val events: List<HistoryEvent>, val executor: WorkflowExecutor, val rejectedUpdates: Map<String, FailureInfo>)

    private val state = AtomicReference<Any>(RUNNING)
    private val decided = CompletableFuture<Unit>()
    private val stored = CompletableFuture<WorkflowTaskLease?>()

    /** Worker: the task's outcome is ready. True when the client takes it (it commits it with the start). */
    fun offer(computed: Computed): Boolean = state.compareAndSet(RUNNING, computed).also { if (it) decided.complete(Unit) }

    /** Worker: the task must be stored with the start first (it runs local activities, or failed). */
    fun decline() {
        if (state.compareAndSet(RUNNING, DECLINED)) decided.complete(Unit)
    }

    /** Worker, after the client took the other way: the stored first task's lease, or null when the start did not store it leased to this worker. */
    fun awaitStored(): WorkflowTaskLease? = stored.get()

    /** Client: waits up to [millis] for the worker; the outcome to commit with the start, or null to start alone. */
    fun awaitComputed(millis: Long): Computed? {
        try {
            decided.get(millis, TimeUnit.MILLISECONDS)
        } catch (_: TimeoutException) {
        }
        if (state.compareAndSet(RUNNING, ABANDONED)) return null
        return state.get() as? Computed
    }

    /**
     * The slot through which the start stores the first task leased to the worker, and hands the worker
     * its lease after the commit. A rolled-back attempt of the transaction gives nothing back: the slot
     * is the attempt's own, and [startEnded] settles what the worker gets.
     */
    val slot: EagerSlot<WorkflowTaskLease> = object : EagerSlot<WorkflowTaskLease> {
        override val owner: String get() = lease.owner
        override val leaseMillis: Long get() = workerLeaseMillis
        override fun deliver(task: WorkflowTaskLease) {
            stored.complete(task)
        }
        override fun release() {}
    }

    /** Client: the start alone returned or failed; a worker still waiting learns that no task was stored for it. */
    fun startEnded() {
        stored.complete(null)
    }

    private companion object {
        val RUNNING = Any()
        val DECLINED = Any()
        val ABANDONED = Any()
    }
}
