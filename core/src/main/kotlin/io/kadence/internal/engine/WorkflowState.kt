package io.kadence.internal.engine

import io.kadence.activity.ActivityCancellationType
import io.kadence.failure.ActivityFailure
import io.kadence.failure.CanceledFailure
import io.kadence.failure.Failures
import io.kadence.history.ActivityCancelRequested
import io.kadence.history.ActivityCanceled
import io.kadence.history.ActivityCompleted
import io.kadence.history.ActivityFailed
import io.kadence.history.ActivityScheduled
import io.kadence.history.EventAttributes
import io.kadence.history.TimerCanceled
import io.kadence.history.TimerFired
import io.kadence.history.TimerStarted
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import kotlin.coroutines.resume
import kotlin.random.Random

/**
 * The pending activities and timers of a run, keyed by command sequence number, and the
 * deterministic sources (sequence numbers, random). Inputs are applied on the loop, in order.
 */
internal class WorkflowState(private val executor: WorkflowExecutor) : DurableTimers {
    private var nextSeq = 1L
    private val timers = HashMap<Long, () -> Unit>()
    private val activities = HashMap<Long, PendingActivity>()
    lateinit var random: Random
        private set

    private class PendingActivity(val type: String, val outcome: CompletableDeferred<Result<String?>> = CompletableDeferred())

    fun seedRandom(runId: String) {
        random = Random(runId.hashCode().toLong() * 31 + runId.length)
    }

    fun nextSeq(): Long = nextSeq++

    fun applyInput(a: EventAttributes) {
        executor.loop.enqueue {
            when (a) {
                is TimerFired -> timers.remove(a.seq)?.invoke()
                is ActivityCompleted -> activities.remove(a.seq)?.outcome?.complete(Result.success(a.result))
                is ActivityFailed -> activities.remove(a.seq)?.let {
                    it.outcome.complete(Result.failure(ActivityFailure(it.type, a.seq, a.attempt, Failures.fromInfo(a.failure))))
                }
                is ActivityCanceled -> activities.remove(a.seq)?.let {
                    it.outcome.complete(Result.failure(ActivityFailure(it.type, a.seq, 0, CanceledFailure("activity '${it.type}' was canceled"))))
                }
                else -> {}
            }
        }
    }

    override fun startTimer(durationMillis: Long, onFire: () -> Unit): Long {
        val seq = nextSeq()
        executor.commands.issue(TimerStarted(seq, durationMillis, executor.currentTime + durationMillis))
        timers[seq] = onFire
        return seq
    }

    override fun cancelTimer(seq: Long) {
        if (timers.remove(seq) != null) executor.commands.issue(TimerCanceled(seq))
    }

    suspend fun sleep(durationMillis: Long) {
        if (durationMillis <= 0) return
        suspendCancellableCoroutine { cont ->
            val seq = startTimer(durationMillis) { cont.resume(Unit) }
            cont.invokeOnCancellation { cancelTimer(seq) }
        }
    }

    suspend fun executeActivity(scheduled: ActivityScheduled, cancellation: ActivityCancellationType): String? {
        val pending = PendingActivity(scheduled.activityType)
        executor.commands.issue(scheduled)
        activities[scheduled.seq] = pending
        try {
            return pending.outcome.await().getOrThrow()
        } catch (e: CancellationException) {
            if (pending.outcome.isCompleted) throw e
            when (cancellation) {
                ActivityCancellationType.TRY_CANCEL -> executor.commands.issue(ActivityCancelRequested(scheduled.seq))
                ActivityCancellationType.WAIT_CANCELLATION_COMPLETED -> {
                    executor.commands.issue(ActivityCancelRequested(scheduled.seq))
                    withContext(NonCancellable) { pending.outcome.await() }
                }
                ActivityCancellationType.ABANDON -> activities.remove(scheduled.seq)
            }
            throw e
        }
    }
}
