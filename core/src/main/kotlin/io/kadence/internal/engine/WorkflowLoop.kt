package io.kadence.internal.engine

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Delay
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.InternalCoroutinesApi
import java.util.concurrent.ConcurrentLinkedQueue
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.resume

/**
 * The deterministic event loop of one workflow run: a FIFO queue drained by whichever worker
 * thread is executing the run's workflow task. Nothing runs concurrently, and the order of
 * resumptions depends only on the order of events, so replays take the same steps.
 *
 * It is also the run's [Delay], so `delay` and `withTimeout` become durable timers.
 */
@OptIn(InternalCoroutinesApi::class)
internal class WorkflowLoop(private val timers: DurableTimers) : CoroutineDispatcher(), Delay {
    private val queue = ConcurrentLinkedQueue<Runnable>()

    /** The thread draining the loop right now, or null between workflow tasks. */
    @Volatile var owner: Thread? = null

    /** Set when workflow code was seen running on a thread other than the loop's. */
    @Volatile var escapedTo: String? = null

    override fun dispatch(context: CoroutineContext, block: Runnable) {
        val current = Thread.currentThread()
        if (current !== owner) escapedTo = escapedTo ?: current.name
        queue.add(block)
    }

    /** Queues engine work (applying an input event) behind what is already queued. */
    fun enqueue(block: Runnable) {
        queue.add(block)
    }

    /** Runs [block] as the loop's owner: only the owner may resume workflow coroutines or issue commands. */
    inline fun <T> owned(block: () -> T): T {
        owner = Thread.currentThread()
        try {
            return block()
        } finally {
            owner = null
        }
    }

    /** Runs queued work on the owner thread until nothing is runnable. */
    fun runUntilIdle() {
        while (true) {
            val next = queue.poll() ?: break
            next.run()
            if (escapedTo != null) break
        }
    }

    override fun scheduleResumeAfterDelay(timeMillis: Long, continuation: CancellableContinuation<Unit>) {
        val seq = timers.startTimer(timeMillis) { continuation.resume(Unit) }
        continuation.invokeOnCancellation { timers.cancelTimer(seq) }
    }

    override fun invokeOnTimeout(timeMillis: Long, block: Runnable, context: CoroutineContext): DisposableHandle {
        val seq = timers.startTimer(timeMillis) { block.run() }
        return DisposableHandle { timers.cancelTimer(seq) }
    }

    override fun toString(): String = "WorkflowLoop"
}

/** Durable timers as the loop needs them. */
internal interface DurableTimers {
    /** Records a timer command and returns its sequence number; [onFire] runs on the loop when it fires. */
    fun startTimer(durationMillis: Long, onFire: () -> Unit): Long

    /** Cancels the timer if it has not fired yet. */
    fun cancelTimer(seq: Long)
}
