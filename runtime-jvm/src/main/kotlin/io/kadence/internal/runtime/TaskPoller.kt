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
    private val poll: (max: Int) -> List<T>,
    private val handle: suspend (T) -> Unit,
) {
    enum class Kind { WORKFLOW, ACTIVITY }

    private val log = LoggerFactory.getLogger(TaskPoller::class.java)
    private val inFlight = AtomicInteger(0)
    @Volatile private var polling = false
    private val wakeSignal = WakeSignal()
    private var job: Job? = null

    /** No task claimed or being claimed. */
    val isIdle: Boolean get() = !polling && inFlight.get() == 0

    fun wake() = wakeSignal.signal()

    fun start(scope: CoroutineScope) {
        job = scope.launch(Dispatchers.IO) { loop(scope) }
    }

    fun stopPolling() { job?.cancel() }

    private suspend fun loop(scope: CoroutineScope) {
        var backoff = 1L
        while (currentCoroutineContext().isActive) {
            val free = maxConcurrent - inFlight.get()
            if (free <= 0) {
                wakeSignal.await(maxPollIntervalMillis)
                continue
            }
            polling = true
            val tasks = try {
                poll(minOf(free, 32))
            } catch (e: Exception) {
                if (e is kotlinx.coroutines.CancellationException) throw e
                log.warn("polling {} tasks of queue '{}' failed: {}; retrying", kind, taskQueue, e.message)
                polling = false
                delay(backoff.coerceAtLeast(50))
                backoff = (backoff * 2).coerceAtMost(maxPollIntervalMillis)
                continue
            }
            inFlight.addAndGet(tasks.size)
            polling = false
            if (tasks.isEmpty()) {
                if (!wakeSignal.await(backoff)) backoff = (backoff * 2).coerceAtMost(maxPollIntervalMillis)
                else backoff = 1
                continue
            }
            backoff = 1
            for (t in tasks) {
                scope.launch(handlerContext) {
                    try {
                        handle(t)
                    } finally {
                        val before = inFlight.getAndDecrement()
                        if (before >= maxConcurrent) wakeSignal.signal()
                    }
                }
            }
        }
    }

    /** Waits (up to [timeoutMillis]) until no task is in flight. */
    suspend fun drain(timeoutMillis: Long): Boolean {
        val deadline = System.currentTimeMillis() + timeoutMillis
        while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) delay(10)
        return inFlight.get() == 0
    }
}
