package io.kadence.client

import io.kadence.failure.Failures
import io.kadence.failure.KadenceTimeoutException
import io.kadence.failure.WorkflowFailedException
import io.kadence.failure.WorkflowNotFoundException
import io.kadence.history.HistoryEvent
import io.kadence.internal.runtime.Engine
import io.kadence.internal.spi.RunRecord
import io.kadence.internal.spi.RunStatus
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import java.lang.reflect.Type
import java.time.Instant
import kotlin.reflect.javaType
import kotlin.time.Duration

/**
 * A handle on one workflow run: wait for its result, look at it, cancel or terminate it.
 * Handles are cheap values; every call reads the store.
 */
public class WorkflowHandle<O> internal constructor(
    private val engine: Engine,
    public val workflowId: String,
    /** The run this handle points at; null means the current (latest) run of [workflowId]. */
    public val runId: String?,
    private val resultType: Type,
) {
    private suspend fun <T> io(block: () -> T): T = withContext(Dispatchers.IO) { block() }

    private suspend fun run(id: String? = runId): RunRecord = io { engine.store.findRun(engine.namespace, workflowId, id) }
        ?: throw WorkflowNotFoundException(workflowId, id)

    /**
     * Suspends until the workflow closes and returns its result. A run that continued as new, or
     * failed and was retried, is followed to the run that took over, until the last one. Throws [WorkflowFailedException] when it
     * failed, was canceled, terminated or timed out (the cause says which and why).
     */
    public suspend fun result(): O {
        var target = runId
        while (true) {
            // The close hint is registered before the run is read, so a close between the two is not missed.
            // Without a run id yet, the first read finds it.
            val known = target ?: run(null).also { r ->
                successor(r)?.let { target = it; continue }
                if (r.status != RunStatus.RUNNING) return decodeOutcome(r)
            }.runId
            val signal = engine.closeSignal(known)
            try {
                val r = run(known)
                successor(r)?.let { target = it; continue }
                if (r.status != RunStatus.RUNNING) return decodeOutcome(r)
                // Wait for the hint; poll now and then for closes by other processes.
                withTimeoutOrNull(1_000) { signal.await() }
                target = known
            } finally {
                engine.forgetCloseSignal(known, signal)
            }
        }
    }

    /** The run that took over from [r]: it continued as new, or failed or timed out and was retried. */
    private fun successor(r: RunRecord): String? = when (r.status) {
        RunStatus.CONTINUED_AS_NEW, RunStatus.FAILED, RunStatus.TIMED_OUT -> r.result
        else -> null
    }

    /** Like [result], but throws [KadenceTimeoutException] when the run is still open after [timeout]. */
    public suspend fun result(timeout: Duration): O = try {
        withTimeout(timeout) { result() }
    } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
        throw KadenceTimeoutException("workflow '$workflowId' did not close within $timeout")
    }

    @Suppress("UNCHECKED_CAST")
    private fun decodeOutcome(r: RunRecord): O {
        if (r.status == RunStatus.COMPLETED) {
            if (resultType == Unit::class.java || resultType == Void.TYPE) return Unit as O
            return engine.converter.decode(r.result ?: "null", resultType) as O
        }
        val cause = r.failure?.let { Failures.fromInfo(it) }
        throw WorkflowFailedException(r.workflowId, r.runId, r.workflowType, r.status.name, cause)
    }

    /** Status, pending activities and timers, and the last workflow task failure of the run. */
    public suspend fun describe(): WorkflowDescription {
        val r = run()
        val activities = io { engine.store.pendingActivities(r.runId) }
        val timers = io { engine.store.pendingTimers(r.runId) }
        return WorkflowDescription(
            workflowId = r.workflowId, runId = r.runId, workflowType = r.workflowType, taskQueue = r.taskQueue,
            status = WorkflowStatus.valueOf(r.status.name),
            startTime = Instant.ofEpochMilli(r.startTime), closeTime = r.closeTime?.let(Instant::ofEpochMilli),
            historyLength = r.nextEventId - 1,
            historyBytes = r.historyBytes,
            pendingActivities = activities.map {
                PendingActivity(it.seq, it.activityType, it.attempt, it.running, it.cancelRequested, it.lastFailure?.message,
                    Instant.ofEpochMilli(it.nextAttemptAt))
            },
            pendingTimers = timers.map { PendingTimer(it.seq, Instant.ofEpochMilli(it.fireAt)) },
            lastWorkflowTaskFailure = r.taskFailure,
            workflowTaskFailures = r.taskFailureCount,
            purgeAt = r.closeTime?.let { closed -> io { engine.store.retentionOf(engine.namespace) }?.let { Instant.ofEpochMilli(closed + it) } },
        )
    }

    /** The run's history, event by event, read in pages. */
    public fun history(): Flow<HistoryEvent> = flow {
        val id = run().runId
        var from = 1L
        while (true) {
            val page = engine.store.readHistory(id, from, HISTORY_PAGE)
            if (page.isEmpty()) break
            page.forEach { emit(it) }
            from = page.last().eventId + 1
            if (page.size < HISTORY_PAGE) break
        }
    }.flowOn(Dispatchers.IO)

    /**
     * Sends signal [name] with [arg] (encoded as [argType]) to the open run. It is durable when this
     * returns; the workflow reads it from `signalChannel(name)`. A closed run throws
     * [io.kadence.failure.WorkflowClosedException], an unknown one [WorkflowNotFoundException].
     *
     * [requestId] (a fresh one by default) makes a retried call deliver the signal once: pass the same
     * id when you retry a signal whose outcome you did not see.
     */
    public suspend fun signal(name: String, arg: Any?, argType: Type, requestId: String = java.util.UUID.randomUUID().toString()) {
        Validation.checkId("signal name", name)
        Validation.checkId("signal request id", requestId)
        val payload = io.kadence.converter.Payloads.encode(engine.converter, arg, argType, "signal '$name' to workflow '$workflowId'")
        io { engine.atClientTime { now -> engine.store.signal(engine.namespace, workflowId, runId, name, payload, now, requestId) } }
    }

    /**
     * Asks the run's query handler [name] with [args] and decodes its answer as [resultType]. The
     * run is replayed from its history in this process (queries never write history), so the
     * workflow type must be registered on a worker of this Kadence instance.
     */
    public suspend fun query(name: String, args: List<Any?>, argTypes: List<Type>, resultType: Type): Any? {
        Validation.checkId("query name", name)
        val r = run()
        val definition = engine.definitionOf(r.workflowType) ?: throw io.kadence.failure.QueryFailedException(
            r.workflowId, name,
            "no worker of this Kadence instance registers workflow type '${r.workflowType}'; query from a process that has its code",
        )
        val encodedArgs = io.kadence.converter.Payloads.encodeArgs(engine.converter, args, argTypes, "arguments of query '$name'")
        val answer = io {
            val executor = io.kadence.internal.engine.WorkflowExecutor(definition, engine.converter, r.runId)
            executor.replay(engine.store.readHistory(r.runId))
            executor.query(name, encodedArgs)
        }
        return engine.converter.decode(answer, resultType)
    }

    /**
     * Sends update [name] with [arg] and suspends until the run's handler returned its result
     * (decoded as [resultType]). The validator runs first: a rejection throws [UpdateFailedException]
     * and leaves no trace in history. Retrying with the same [updateId] applies the update once and
     * returns the same outcome.
     */
    public suspend fun update(name: String, arg: Any?, argType: Type, resultType: Type, updateId: String = java.util.UUID.randomUUID().toString()): Any? {
        Validation.checkId("update name", name)
        Validation.checkId("update id", updateId, max = 255)
        val payload = io.kadence.converter.Payloads.encodeArgs(engine.converter, listOf(arg), listOf(argType), "argument of update '$name'")
        val id = io { engine.atClientTime { now -> engine.store.requestUpdate(engine.namespace, workflowId, runId, updateId, name, payload, now) } }
        var wait = 1L
        while (true) {
            val outcome = io { engine.store.updateOutcome(id, updateId) }
            if (outcome != null && outcome.isFinal) {
                if (outcome.status == "COMPLETED") return engine.converter.decode(outcome.result ?: "null", resultType)
                throw io.kadence.failure.UpdateFailedException(workflowId, name, updateId, outcome.status, outcome.failure?.let { Failures.fromInfo(it) })
            }
            val r = io { engine.store.findRun(engine.namespace, workflowId, id) }
            if (r == null || r.status != RunStatus.RUNNING) {
                throw io.kadence.failure.UpdateFailedException(workflowId, name, updateId, "NOT_APPLIED",
                    WorkflowFailedException(workflowId, id, r?.workflowType ?: "?", r?.status?.name ?: "GONE", null))
            }
            kotlinx.coroutines.delay(wait)
            wait = (wait * 2).coerceAtMost(100)
        }
    }

    /**
     * Asks the run to cancel: its code sees a `CancellationException` at its next suspension, may
     * clean up inside `withContext(NonCancellable)`, and decides how it ends.
     */
    public suspend fun cancel(reason: String? = null) {
        io { engine.atClientTime { now -> engine.store.requestCancel(engine.namespace, workflowId, runId, reason, now) } }
    }

    /** Closes the run at once, running no more workflow code; its activities are abandoned. */
    public suspend fun terminate(reason: String? = null) {
        io { engine.atClientTime { now -> engine.store.terminate(engine.namespace, workflowId, runId, reason, now) } }
    }

    /**
     * Operator action: starts a new run of this workflow whose history is this run's up to the
     * workflow task boundary [eventId] (a `WorkflowTaskCompleted` event id), then continues from
     * there with the code deployed now. Signals this run received after that point are delivered
     * again; the workflow's open run is terminated. The reset is recorded in the new run
     * (`WorkflowReset` with [reason]). Returns a handle on the new run.
     */
    public suspend fun reset(eventId: Long, reason: String): WorkflowHandle<O> {
        if (reason.isBlank()) throw io.kadence.failure.InvalidArgumentException("a reset needs a reason")
        val newRunId = io { engine.atClientTime { now -> engine.store.resetRun(engine.namespace, workflowId, runId, eventId, reason, now) } }
        return WorkflowHandle(engine, workflowId, newRunId, resultType)
    }

    private companion object {
        const val HISTORY_PAGE = 1000
    }

    override fun toString(): String = "WorkflowHandle($workflowId${runId?.let { "/$it" } ?: ""})"
}

/** Sends signal [name] with [arg], encoded by its static type [T]. */
@OptIn(ExperimentalStdlibApi::class)
public suspend inline fun <reified T> WorkflowHandle<*>.signal(name: String, arg: T): Unit =
    signal(name, arg, kotlin.reflect.typeOf<T>().javaType)

/** Asks query [name] (no argument) and decodes the answer as [R]. */
@OptIn(ExperimentalStdlibApi::class)
public suspend inline fun <reified R> WorkflowHandle<*>.query(name: String): R =
    query(name, emptyList(), emptyList(), kotlin.reflect.typeOf<R>().javaType) as R

/** Asks query [name] with one argument and decodes the answer as [R]. */
@OptIn(ExperimentalStdlibApi::class)
public suspend inline fun <reified A, reified R> WorkflowHandle<*>.query(name: String, arg: A): R =
    query(name, listOf(arg), listOf(kotlin.reflect.typeOf<A>().javaType), kotlin.reflect.typeOf<R>().javaType) as R

/** Sends update [name] with [arg] and returns the handler's result; see [WorkflowHandle.update]. */
@OptIn(ExperimentalStdlibApi::class)
public suspend inline fun <reified A, reified R> WorkflowHandle<*>.update(name: String, arg: A, updateId: String = java.util.UUID.randomUUID().toString()): R =
    update(name, arg, kotlin.reflect.typeOf<A>().javaType, kotlin.reflect.typeOf<R>().javaType, updateId) as R
