package io.kadence.internal.runtime

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import org.slf4j.LoggerFactory
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.CoroutineContext

/**
 * Claims tasks of one kind from one task queue and hands them to [handle], never holding more
 * than [maxConcurrent] at once. It polls when woken by a hint (a commit in this process, or a
 * notification from another) and otherwise backs off up to [maxPollIntervalMillis].
 */
internal class TaskPoller<T>(
    val kind: Kind,
    val namespace: String,
    val taskQueue: String,
    private val maxConcurrent: Int,
    private val handlerContext: CoroutineContext,
    private val maxPollIntervalMillis: Long,
    /** The lease owner of the tasks this poller claims (the worker's id). */
    val owner: String,
    /** The lease length of claimed workflow tasks (unused for activities). */
    val leaseMillis: Long,
    /** Whether tasks may be handed to this poller eagerly ([tryReserve]). */
    private val acceptsEager: Boolean,
    private val poll: (max: Int) -> List<T>,
    private val handle: suspend (T) -> Unit,
    /** Called when a poll finds the queue drained (fewer tasks than free slots) after the poller was behind ([isBehind]). */
    private val onCaughtUp: () -> Unit = {},
) {
    enum class Kind { WORKFLOW, ACTIVITY }

    private val log = LoggerFactory.getLogger(TaskPoller::class.java)
    private val inFlight = AtomicInteger(0)
    @Volatile private var polling = false
    private val wakeSignal = WakeSignal()
    private var job: Job? = null
    @Volatile private var scope: CoroutineScope? = null

    /** No task claimed or being claimed. */
    val isIdle: Boolean get() = !polling && inFlight.get() == 0

    /**
     * The poller has been told of tasks waiting in the store but found no free slot. Until it gets one,
     * eager hand-offs are refused, so the next slot that frees up goes to the oldest waiting task rather
     * than to whichever commit reserves it first: without this, a busy worker's eager traffic took every
     * freed slot and starved its queue for seconds.
     */
    @Volatile private var hungry = false

    /** Whether eager hand-offs are held back for the poller now (for tests). */
    val isHungry: Boolean get() = hungry

    /** Tasks are (or may be) waiting in the store for this poller: it was told of tasks while it had no free slot, or its last poll filled every slot it had. */
    val isBehind: Boolean get() = backlog
    /** Hints received, and how many of them the last poll covered. */
    private val wakes = java.util.concurrent.atomic.AtomicLong()
    @Volatile private var wakesPolled = 0L
    /** More tasks may wait in the store: the last poll filled all the slots it had, or a hint came while no slot was free. */
    @Volatile private var backlog = false

    fun wake() {
        wakes.incrementAndGet()
        wakeSignal.signal()
    }

    fun start(scope: CoroutineScope) {
        this.scope = scope
        job = scope.launch(Dispatchers.IO) { loop(scope) }
    }

    fun stopPolling() {
        scope = null
        job?.cancel()
        val wasBehind = backlog
        backlog = false
        hungry = false
        if (wasBehind) onCaughtUp()
    }

    /**
     * Takes a free slot for a task handed over eagerly (see [io.kadence.internal.spi.EagerDispatch]);
     * false when the poller is full or stopped. Follow with [deliver] or [release].
     */
    fun tryReserve(): Boolean {
        if (!acceptsEager || scope == null || hungry) return false
        while (true) {
            val n = inFlight.get()
            if (n >= maxConcurrent) return false
            if (inFlight.compareAndSet(n, n + 1)) return true
        }
    }

    /** Runs a task for which [tryReserve] took a slot. If the poller stopped since, its lease expires and another worker takes it. */
    fun deliver(task: T) {
        launchReserved { handle(task) }
    }

    /**
     * Runs [block] on this poller's handler threads in a slot taken by [tryReserve], which it gives back
     * when done; false (the slot given back, [block] not run) when the poller has stopped.
     */
    fun launchReserved(block: suspend () -> Unit): Boolean {
        val s = scope
        if (s == null) {
            release()
            return false
        }
        launchInSlot(s, block)
        return true
    }

    /** Gives back a slot taken by [tryReserve] that was not used. */
    fun release() {
        val before = inFlight.getAndDecrement()
        if (before >= maxConcurrent) wakeSignal.signal()
    }

    private fun launchInSlot(scope: CoroutineScope, block: suspend () -> Unit) {
        scope.launch(handlerContext) {
            try {
                block()
            } finally {
                release()
            }
        }
    }

    /**
     * Takes up to [most] free slots before a poll, so that tasks handed over eagerly while the poll
     * runs cannot push the poller past [maxConcurrent] (they find the slots taken and wait in the store).
     */
    private fun reserveForPoll(most: Int): Int {
        while (true) {
            val n = inFlight.get()
            val k = minOf(maxConcurrent - n, most)
            if (k <= 0) return 0
            if (inFlight.compareAndSet(n, n + k)) return k
        }
    }

    private suspend fun loop(scope: CoroutineScope) {
        var backoff = 1L
        while (currentCoroutineContext().isActive) {
            val slots = reserveForPoll(32)
            if (slots == 0) {
                if (wakes.get() != wakesPolled || backlog) {
                    hungry = true
                    backlog = true
                }
                wakeSignal.await(maxPollIntervalMillis)
                continue
            }
            polling = true
            val behindBefore = backlog
            hungry = false
            wakesPolled = wakes.get()
            val tasks = try {
                poll(slots)
            } catch (e: Exception) {
                inFlight.addAndGet(-slots)
                polling = false
                backlog = false
                if (behindBefore) onCaughtUp()
                if (e is kotlinx.coroutines.CancellationException) throw e
                log.warn("polling {} tasks of queue '{}' failed: {}; retrying", kind, taskQueue, e.message)
                delay(backoff.coerceAtLeast(50))
                backoff = (backoff * 2).coerceAtMost(maxPollIntervalMillis)
                continue
            }
            // Slots the poll did not fill go back; each claimed task keeps one until its handler ends.
            inFlight.addAndGet(tasks.size - slots)
            // A poll that filled every slot may have left tasks behind, though no new hint says so.
            backlog = tasks.size == slots
            if (behindBefore && !backlog) onCaughtUp()
            polling = false
            if (tasks.isEmpty()) {
                if (!wakeSignal.await(backoff)) backoff = (backoff * 2).coerceAtMost(maxPollIntervalMillis)
                else backoff = 1
                continue
            }
            backoff = 1
            for (t in tasks) launchInSlot(scope) { handle(t) }
        }
    }

    /** Waits (up to [timeoutMillis]) until no task is in flight. */
    suspend fun drain(timeoutMillis: Long): Boolean {
        val deadline = System.currentTimeMillis() + timeoutMillis
        while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) delay(10)
        return inFlight.get() == 0
    }
}
