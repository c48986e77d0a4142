package io.kadence.internal.engine

import io.kadence.converter.DataConverter
import io.kadence.converter.Payloads
import io.kadence.failure.IllegalWorkflowStateException
import io.kadence.failure.KadenceFailure
import io.kadence.failure.NonDeterminismException
import io.kadence.history.CommandAttributes
import io.kadence.history.closesRun
import io.kadence.history.EventAttributes
import io.kadence.history.HistoryEvent
import io.kadence.history.WorkflowCancelRequested
import io.kadence.history.WorkflowCanceled
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowFailed
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.history.WorkflowTerminated
import io.kadence.history.WorkflowTimedOut
import io.kadence.failure.Failures
import io.kadence.internal.InternalKadenceApi
import io.kadence.workflow.WorkflowDefinition
import io.kadence.workflow.WorkflowInfo
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlin.coroutines.ContinuationInterceptor

/**
 * Executes one workflow run: rebuilds its state by replaying history, then runs new workflow tasks.
 *
 * A workflow task applies the input events it consumes, marks the boundary with
 * [WorkflowTaskCompleted], drains the run's [WorkflowLoop] until every coroutine is suspended, and
 * returns the commands the code produced, as events ready to append. Replay does the same against
 * recorded events and checks that each command the code asks for is the one recorded at that
 * position, or throws [NonDeterminismException].
 *
 * Not thread-safe: one worker thread drives it at a time.
 */
@InternalKadenceApi
public class WorkflowExecutor(
    private val definition: WorkflowDefinition<Any?, Any?>,
    internal val converter: DataConverter,
    public val runId: String,
    /** Seeds the run's random source instead of the recorded run id (a replay that asks for another run's values). */
    private val seedRunId: String? = null,
) {
    internal val commands = CommandRecorder(this)
    internal val state = WorkflowState(this)
    internal val loop = WorkflowLoop(state)
    internal val updates = UpdateHandlers(this)
    internal val locals = LocalActivities(this)

    private val destroyHooks = ArrayList<() -> Unit>()

    /** Runs [hook] when this executor is discarded (see [destroy]). */
    internal fun onDestroy(hook: () -> Unit) {
        destroyHooks += hook
    }

    /**
     * The worker discards this executor (evicted from its cache, closed, dropped after a failure or
     * a stale task): what workflow code holds outside the loop (the threads of workflows written in
     * Java) is released. Workflow coroutines are not resumed; the executor is not used again.
     */
    public fun destroy() {
        val hooks = destroyHooks.toList()
        destroyHooks.clear()
        for (hook in hooks) {
            try {
                hook()
            } catch (e: Exception) {
                // A hook that fails must not keep the others from running.
            }
        }
    }

    /** Update requests this task rejected (update id → failure); they leave no trace in history. */
    public val rejectedUpdates: MutableMap<String, io.kadence.history.FailureInfo> = LinkedHashMap()
    internal lateinit var info: WorkflowInfo

    /** The run's workflow id, once its `WorkflowStarted` is replayed (for messages about the run). */
    public val workflowId: String get() = info.workflowId
    private var root: Deferred<Any?>? = null
    private var taskFailure: Throwable? = null
    private var cancelRequested = false

    /** What the workflow body returned, once it has. */
    private class Returned(val value: Any?)
    private var returned: Returned? = null

    /** The event id the next appended event will get. */
    public var nextEventId: Long = 1
        private set

    /** Time of the current workflow task (epoch millis), as recorded. */
    internal var currentTime: Long = 0

    /** True while recorded history is being re-executed. */
    public var isReplaying: Boolean = false
        private set

    /** True once the run has produced (or been given) its closing event. */
    public var isClosed: Boolean = false
        private set

    /** Drives the loop on this thread, with this executor as the thread's current run (for static accessors). */
    private inline fun <T> owning(crossinline block: () -> T): T = loop.owned {
        val previous = onThread.get()
        onThread.set(this)
        try {
            block()
        } finally {
            onThread.set(previous)
        }
    }

    internal companion object {
        private val onThread = ThreadLocal<WorkflowExecutor?>()

        /** The run whose workflow code this thread is executing, or null. */
        fun currentOnThread(): WorkflowExecutor? = onThread.get()
    }

    private var replayEvents: List<HistoryEvent>? = null
    private var replayCursor = 0

    /**
     * While replaying: the recorded command that the next command the code issues will be matched
     * against (commands follow their task boundary in order), or null.
     */
    internal fun upcomingRecordedCommand(): CommandAttributes? =
        replayEvents?.getOrNull(replayCursor + 1 + commands.pendingCount)?.attributes as? CommandAttributes

    /** Re-executes recorded [events] (which must continue this executor's history). */
    public fun replay(events: List<HistoryEvent>): Unit = owning {
        for (e in events) (e.attributes as? io.kadence.history.MarkerRecorded)?.let { state.markers.remember(it) }
        isReplaying = true
        replayEvents = events
        try {
            for ((index, e) in events.withIndex()) {
                replayCursor = index
                if (e.eventId != nextEventId) throw IllegalStateException("history of run $runId is not contiguous: expected event $nextEventId, got ${e.eventId}")
                nextEventId++
                val a = e.attributes
                if (a is io.kadence.history.LocalActivityRecorded) {
                    // Recorded when its outcome came, so it resolves the waiting call here, like an input.
                    commands.expectNoneUnmatched(e)
                    locals.resolve(a, replaying = true)
                    drain()
                } else if (a is CommandAttributes) {
                    commands.match(e)
                    if (a.closesRun()) isClosed = true
                } else {
                    commands.expectNoneUnmatched(e)
                    if (a is WorkflowTaskCompleted) {
                        currentTime = e.timestampMillis
                        drain()
                    } else if (a is io.kadence.history.WorkflowUpdateAccepted) {
                        updates.start(a)
                        drain()
                    } else {
                        apply(e)
                    }
                }
            }
            commands.expectNoneUnmatched(null)
        } finally {
            isReplaying = false
            replayEvents = null
        }
    }

    /**
     * Runs a new workflow task at [time] over the [inputs] it consumes and returns every event to
     * append: the inputs, the task boundary, then the commands produced. Throws when the task
     * fails (the executor must then be discarded).
     */
    public fun runTask(inputs: List<EventAttributes>, time: Long, workerId: String): MutableList<HistoryEvent> = owning {
        val out = ArrayList<HistoryEvent>(inputs.size + 4)
        val updateRequests = ArrayList<io.kadence.history.UpdateRequested>()
        rejectedUpdates.clear()
        for (a in inputs) {
            if (a is io.kadence.history.UpdateRequested) { updateRequests += a; continue }
            val e = HistoryEvent(nextEventId++, time, a)
            out += e
            apply(e)
        }
        out += HistoryEvent(nextEventId++, time, WorkflowTaskCompleted(workerId))
        currentTime = time
        drain()
        collectCommands(out, time)
        // Updates are validated after the task's other inputs ran, so their handlers are registered;
        // an accepted one is recorded, started and run until it suspends, at this same position on replay.
        for (request in updateRequests) {
            val rejection = if (isClosed) io.kadence.history.FailureInfo("workflow '${info.workflowId}' is closing; the update was not applied", "UpdateRejected", nonRetryable = true)
                else updates.validate(request)
            if (rejection != null) { rejectedUpdates[request.updateId] = rejection; continue }
            val accepted = io.kadence.history.WorkflowUpdateAccepted(request.updateId, request.name, request.input)
            out += HistoryEvent(nextEventId++, time, accepted)
            updates.start(accepted)
            drain()
            collectCommands(out, time)
        }
        out
    }

    /**
     * Local activities the code called and the worker has not run yet; each is handed out once.
     * After [runTask] (and after each [resolveLocalActivity]) the worker runs these and reports
     * every outcome before it commits the task.
     */
    public fun takeLocalActivities(): List<LocalActivityRequest> = locals.take()

    /**
     * Records the [outcome] of a local activity taken with [takeLocalActivities], resumes its caller
     * and runs the code until it is idle again. Returns the events to append after those the task
     * produced so far (none when the caller was canceled meanwhile).
     */
    public fun resolveLocalActivity(outcome: io.kadence.history.LocalActivityRecorded, time: Long): List<HistoryEvent> = owning {
        val out = ArrayList<HistoryEvent>(4)
        if (!isClosed && locals.resolve(outcome, replaying = false)) {
            drain()
            collectCommands(out, time)
        }
        out
    }

    private fun collectCommands(out: MutableList<HistoryEvent>, time: Long) {
        for (c in commands.drainNew()) {
            out += HistoryEvent(nextEventId++, time, c)
            if (c.closesRun()) isClosed = true
        }
    }

    private fun apply(e: HistoryEvent) {
        when (val a = e.attributes) {
            is WorkflowStarted -> start(a, e.timestampMillis)
            is WorkflowCancelRequested -> loop.enqueue {
                cancelRequested = true
                root?.cancel(CancellationException("cancel requested${a.reason?.let { ": $it" } ?: ""}"))
            }
            is WorkflowTerminated, is WorkflowTimedOut -> isClosed = true
            else -> state.applyInput(a)
        }
    }

    private fun start(a: WorkflowStarted, time: Long) {
        info = WorkflowInfo(a.namespace, a.workflowId, runId, a.workflowType, a.taskQueue, a.attempt, a.headers)
        currentTime = time
        // The recorded run id: a run made by reset replays its copied prefix with the random values of
        // the run it was copied from (for every other run the two ids are the same).
        state.seedRandom(seedRunId ?: a.runId ?: runId)
        val input = when (definition.inputType) {
            Unit::class.java, Void.TYPE -> Unit
            io.kadence.converter.EncodedValues::class.java -> io.kadence.converter.EncodedValues(a.input, converter)
            else -> converter.decode(a.input ?: "null", definition.inputType)
        }
        val scope = WorkflowScopeImpl(this)
        val coroutineScope = CoroutineScope(loop + Job() + WorkflowContextElement(this) + WorkflowThreadGuard(loop))
        val deferred = coroutineScope.async { definition.body(scope.withContext(this.coroutineContext), input).also { returned = Returned(it) } }
        deferred.invokeOnCompletion { cause -> onRootDone(deferred, cause) }
        root = deferred
        updates.scope = CoroutineScope(loop + deferred + WorkflowContextElement(this) + WorkflowThreadGuard(loop))
    }

    private fun onRootDone(deferred: Deferred<Any?>, cause: Throwable?) {
        when {
            cause == null -> {
                @OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)
                complete(deferred.getCompleted())
            }
            // A canceled job cannot complete normally, so a value returned after a cancel request is taken from the body.
            cause is CancellationException && cancelRequested && returned != null -> complete(returned!!.value)
            cause is ContinueAsNewRequest -> continueAsNew(cause)
            cause is KadenceFailure -> commands.issue(WorkflowFailed(Failures.toInfo(cause)))
            cause is CancellationException -> commands.issue(WorkflowCanceled(cause.message))
            else -> taskFailure = cause
        }
    }

    private fun continueAsNew(request: ContinueAsNewRequest) {
        // The new run's id is not fed back into workflow code and replay does not compare it, so it need
        // not be deterministic; a fresh id (see OrderedIds) cannot collide with another run's.
        commands.issue(
            io.kadence.history.WorkflowContinuedAsNew(
                io.kadence.internal.ids.OrderedIds.next(), request.workflowType ?: info.workflowType,
                request.taskQueue ?: info.taskQueue, request.input, state.unreadSignals(),
            ),
        )
    }

    private fun complete(value: Any?) {
        val result = try {
            // A dynamic workflow's result type is only known at run time: encode by the value's class.
            val dynamic = definition.outputType == Any::class.java
            if (dynamic && value == null) null
            else Payloads.encode(converter, value, if (dynamic) value!!.javaClass else definition.outputType, "result of workflow '${info.workflowId}'")
        } catch (e: Exception) {
            taskFailure = e; return
        }
        commands.issue(WorkflowCompleted(result))
    }

    private class QueryHandler(val argTypes: List<java.lang.reflect.Type>, val resultType: java.lang.reflect.Type, val handler: (List<Any?>) -> Any?)

    private val queries = HashMap<String, QueryHandler>()

    internal fun registerQuery(name: String, argTypes: List<java.lang.reflect.Type>, resultType: java.lang.reflect.Type, handler: (List<Any?>) -> Any?) {
        queries[name] = QueryHandler(argTypes, resultType, handler)
    }

    /**
     * Answers query [name] with [args] (an encoded argument list) from the state the run has now,
     * and returns the encoded answer. Runs the handler outside any workflow task, so a handler that
     * tries to issue a command fails instead of writing history.
     */
    public fun query(name: String, args: String?): String {
        val q = queries[name] ?: throw io.kadence.failure.QueryFailedException(
            info.workflowId, name,
            if (currentTime == 0L || !ranCode) "the run has not completed its first workflow task yet, so no handler is registered; retry shortly"
            else "the workflow has no handler for it; known queries: ${queries.keys.sorted()}",
        )
        val decoded = try {
            Payloads.decodeArgs(converter, args, q.argTypes, "arguments of query '$name'")
        } catch (e: Exception) {
            throw io.kadence.failure.QueryFailedException(info.workflowId, name,
                "its arguments could not be decoded as ${q.argTypes.map { it.typeName }}: ${e.message}", e)
        }
        val answer = try {
            q.handler(decoded)
        } catch (e: Exception) {
            throw io.kadence.failure.QueryFailedException(info.workflowId, name, "the handler threw ${e.javaClass.simpleName}: ${e.message}", e)
        }
        return Payloads.encode(converter, answer, q.resultType, "answer to query '$name' of workflow '${info.workflowId}'")
    }

    /** Drains the loop; fails the task if code escaped the loop or threw a non-Kadence exception. */
    /** True once workflow code ran (at least one workflow task). */
    private var ranCode = false

    private fun drain() {
        ranCode = true
        loop.runUntilIdle()
        // A coroutine sent to another dispatcher may not have started there yet, so look for it in the job tree too.
        val escaped = root?.let(::foreignDispatcher)?.let { "on $it" } ?: loop.escapedTo?.let { "on thread '$it'" }
        escaped?.let { where ->
            throw IllegalWorkflowStateException(
                "workflow '${info.workflowId}' (run $runId) ran code $where, outside its deterministic loop: " +
                    "do not use withContext(Dispatchers.IO/Default), runBlocking or threads in workflow code; " +
                    "call an activity for I/O and use sleep()/delay() for waiting",
            )
        }
        taskFailure?.let { throw it }
    }

    /** The dispatcher of a coroutine of this run that left the loop (`withContext(Dispatchers.IO)`, `launch(Dispatchers.Default)`). */
    private fun foreignDispatcher(job: Job): ContinuationInterceptor? {
        val interceptor = (job as? CoroutineScope)?.coroutineContext?.get(ContinuationInterceptor)
        if (interceptor != null && interceptor !== loop && interceptor !== Dispatchers.Unconfined) return interceptor
        return job.children.firstNotNullOfOrNull { foreignDispatcher(it) }
    }

    /** Describes the workflow code location that issued the current command (for error messages). */
    internal fun sourceHint(): String? = if (!isReplaying) null else callerFrame()
}

/**
 * Thrown by `continueAsNew` to end the workflow body; the executor turns it into the closing
 * command. An [Error], so that `catch (e: Exception)` in workflow code does not swallow it.
 */
internal class ContinueAsNewRequest(val input: String?, val workflowType: String?, val taskQueue: String?) :
    Error("continue as new", null, false, false)
