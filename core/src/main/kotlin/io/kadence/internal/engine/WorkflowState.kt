package io.kadence.internal.engine

import io.kadence.activity.ActivityCancellationType
import io.kadence.failure.ActivityFailure
import io.kadence.failure.CanceledFailure
import io.kadence.failure.ChildWorkflowFailure
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
import io.kadence.history.WorkflowSignaled
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.channels.Channel
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

    private class PendingActivity(
        val type: String,
        /** The session it runs in, whose failure fails it. */
        val session: OpenSession?,
        val outcome: CompletableDeferred<Result<String?>> = CompletableDeferred(),
    )

    fun seedRandom(runId: String) {
        random = Random(runId.hashCode().toLong() * 31 + runId.length)
    }

    fun nextSeq(): Long = nextSeq++

    /** The number [nextSeq] will give next, without taking it. */
    fun peekSeq(): Long = nextSeq

    val markers = Markers(executor)

    val sessions = WorkflowSessions(executor)

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
                is WorkflowSignaled -> deliverSignal(a)
                is io.kadence.history.SessionCreated, is io.kadence.history.SessionCreationTimedOut,
                is io.kadence.history.SessionRequestRejected, is io.kadence.history.SessionFailed -> sessions.apply(a)
                is io.kadence.history.ChildWorkflowStarted -> children[a.seq]?.started?.complete(Result.success(a.runId))
                is io.kadence.history.ChildWorkflowStartFailed -> children.remove(a.seq)?.let {
                    val failure = ChildWorkflowFailure(it.scheduled.workflowType, it.scheduled.workflowId, null, "START_FAILED", Failures.fromInfo(a.failure))
                    it.started.complete(Result.failure(failure))
                    it.outcome.complete(Result.failure(failure))
                }
                is io.kadence.history.ChildWorkflowClosed -> children.remove(a.seq)?.let {
                    it.started.complete(Result.success(a.runId))
                    it.outcome.complete(
                        if (a.status == "COMPLETED") Result.success(a.result)
                        else Result.failure(ChildWorkflowFailure(it.scheduled.workflowType, it.scheduled.workflowId, a.runId, a.status, a.failure?.let(Failures::fromInfo))),
                    )
                }
                else -> {}
            }
        }
    }

    /** Signals by name: a channel once the code asked for one, else a buffer until it does. */
    private val signalChannels = HashMap<String, SignalChannel>()
    private val bufferedSignals = HashMap<String, ArrayDeque<String?>>()

    private class SignalChannel(val type: java.lang.reflect.Type, val channel: Channel<Any?>)

    private fun deliverSignal(a: WorkflowSignaled) {
        val target = signalChannels[a.name]
        if (target == null) {
            bufferedSignals.getOrPut(a.name) { ArrayDeque() }.addLast(a.input)
        } else {
            target.channel.trySend(decodeSignal(a.name, a.input, target.type))
        }
    }

    private fun decodeSignal(name: String, input: String?, type: java.lang.reflect.Type): Any? =
        if (type == Unit::class.java) Unit else executor.converter.decode(input ?: "null", type)

    /** The channel of signal [name]; signals that arrived before it was asked for are in it already. */
    fun signalChannel(name: String, type: java.lang.reflect.Type): Channel<Any?> {
        signalChannels[name]?.let { existing ->
            if (existing.type != type) {
                throw io.kadence.failure.InvalidArgumentException(
                    "signal channel '$name' was already opened for type ${existing.type.typeName}, now asked for ${type.typeName}",
                )
            }
            return existing.channel
        }
        val channel = Channel<Any?>(Channel.UNLIMITED)
        signalChannels[name] = SignalChannel(type, channel)
        bufferedSignals.remove(name)?.forEach { channel.trySend(decodeSignal(name, it, type)) }
        return channel
    }

    /**
     * Signals this run received that its code has not read, in arrival order per name: the ones
     * buffered for channels never opened, then what is left in opened channels (encoded again).
     */
    fun unreadSignals(): List<WorkflowSignaled> {
        val out = ArrayList<WorkflowSignaled>()
        for ((name, inputs) in bufferedSignals) inputs.forEach { out += WorkflowSignaled(name, it) }
        for ((name, target) in signalChannels) {
            while (true) {
                val value = target.channel.tryReceive().getOrNull() ?: break
                val input = if (target.type == Unit::class.java) null
                    else io.kadence.converter.Payloads.encode(executor.converter, value, target.type, "unread signal '$name'")
                out += WorkflowSignaled(name, input)
            }
        }
        return out
    }

    private class PendingChild(
        val scheduled: io.kadence.history.ChildWorkflowScheduled,
        val started: CompletableDeferred<Result<String>> = CompletableDeferred(),
        val outcome: CompletableDeferred<Result<String?>> = CompletableDeferred(),
    )

    private val children = HashMap<Long, PendingChild>()

    fun <O> startChild(scheduled: io.kadence.history.ChildWorkflowScheduled, resultType: java.lang.reflect.Type, cancellation: ActivityCancellationType): io.kadence.workflow.ChildWorkflowHandle<O> {
        checkPending("pending child workflows", children.size, io.kadence.KadenceLimits.of(executor.info.namespace).maxPendingChildren)
        val pending = PendingChild(scheduled)
        executor.commands.issue(scheduled)
        children[scheduled.seq] = pending
        return object : io.kadence.workflow.ChildWorkflowHandle<O> {
            override val workflowId: String get() = scheduled.workflowId
            override suspend fun started(): String = pending.started.await().getOrThrow()

            @Suppress("UNCHECKED_CAST")
            override suspend fun result(): O {
                val encoded = try {
                    pending.outcome.await().getOrThrow()
                } catch (e: CancellationException) {
                    if (pending.outcome.isCompleted) throw e
                    when (cancellation) {
                        ActivityCancellationType.TRY_CANCEL -> executor.commands.issue(io.kadence.history.ChildWorkflowCancelRequested(scheduled.seq))
                        ActivityCancellationType.WAIT_CANCELLATION_COMPLETED -> {
                            executor.commands.issue(io.kadence.history.ChildWorkflowCancelRequested(scheduled.seq))
                            withContext(NonCancellable) { pending.outcome.await() }
                        }
                        ActivityCancellationType.ABANDON -> {}
                    }
                    throw e
                }
                if (resultType == Unit::class.java || resultType == Void.TYPE) return Unit as O
                return executor.converter.decode(encoded ?: "null", resultType) as O
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

    private fun checkPending(what: String, count: Int, limit: Int) {
        if (count < limit) return
        throw io.kadence.failure.LimitExceededException(
            what, limit,
            "workflow '${executor.info.workflowId}' (run ${executor.runId}) already has $count $what open, the limit " +
                "(KadenceLimits); wait for some to finish before starting more, or split the work across child workflows",
        )
    }

    /**
     * The pending activities of [session] fail with [failure]: their host is gone and their tasks with it,
     * so no outcome will ever arrive for them.
     */
    fun failSessionActivities(session: OpenSession, failure: io.kadence.failure.SessionFailedException) {
        val failed = activities.filterValues { it.session === session }
        for ((seq, pending) in failed.entries.sortedBy { it.key }) {
            activities.remove(seq)
            pending.outcome.complete(Result.failure(ActivityFailure(pending.type, seq, 0, failure)))
        }
    }

    suspend fun executeActivity(scheduled: ActivityScheduled, cancellation: ActivityCancellationType, session: OpenSession? = null): String? {
        checkPending("pending activities", activities.size, io.kadence.KadenceLimits.of(executor.info.namespace).maxPendingActivities)
        val pending = PendingActivity(scheduled.activityType, session)
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
