package io.kadence.client

import io.kadence.converter.Payloads
import io.kadence.history.WorkflowStarted
import io.kadence.internal.ids.OrderedIds
import io.kadence.internal.runtime.Engine
import io.kadence.internal.spi.RunStatus
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.workflow.WorkflowDefinition
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.lang.reflect.Type
import kotlin.reflect.javaType
import java.time.Instant
import java.util.UUID
import kotlin.time.Duration.Companion.milliseconds

/** Starts workflows and finds them again. Obtain it from `Kadence.client`. */
public class KadenceClient internal constructor(private val engine: Engine) {
    /** Schedules: create, describe, pause, trigger, backfill, update, delete. */
    public val schedules: ScheduleClient = ScheduleClient(engine)

    /**
     * Starts a run of [definition] with [input]; returns once the start is durable. A duplicate
     * workflow id of an open run throws [io.kadence.failure.WorkflowAlreadyStartedException].
     *
     * When a worker of this instance polls the run's task queue for its type (with
     * [io.kadence.worker.WorkerOptions.eagerDispatch], the default) and has a free slot, that worker
     * runs the run's first workflow task (up to its first wait: an activity, a timer) while this
     * waits, and the task commits with the start, so this returns once both are durable. It waits at
     * most a quarter of the worker's deadlock timeout; a task that takes longer is stored with the
     * start, leased to that worker, which finishes it.
     */
    public suspend fun <I, O> start(
        definition: WorkflowDefinition<I, O>,
        input: I,
        options: WorkflowStartOptions.() -> Unit = {},
    ): WorkflowHandle<O> {
        val o = WorkflowStartOptions().apply(options)
        o.validate()
        inheritContext(o)
        val request = startRequest(definition, input, o.id ?: OrderedIds.next(), o)
        engine.awaitAdmission()
        val result = withContext(Dispatchers.IO) {
            engine.atClientTime { now ->
                val at = request.copy(now = now)
                engine.startWithFirstTask(at) ?: engine.store.startWorkflow(at)
            }
        }
        return WorkflowHandle(engine, request.workflowId, result.runId, definition.outputType)
    }

    /** Context values of the caller's coroutine become headers, under those set in the options. */
    private suspend fun inheritContext(o: WorkflowStartOptions) {
        val inherited = kotlinx.coroutines.currentCoroutineContext()[io.kadence.context.KadenceContext]?.headers ?: return
        for ((k, v) in inherited) o.headers.putIfAbsent(k, v)
    }

    private fun <I> startRequest(definition: WorkflowDefinition<I, *>, input: I, workflowId: String, o: WorkflowStartOptions): StartWorkflowRequest {
        val payload = Payloads.encode(engine.converter, input, definition.inputType, "input of workflow '$workflowId'")
        val runId = OrderedIds.next()
        val started = WorkflowStarted(
            workflowType = definition.name, workflowId = workflowId, taskQueue = o.taskQueue, input = payload,
            namespace = engine.namespace, executionTimeoutMillis = o.executionTimeout?.inWholeMilliseconds,
            runTimeoutMillis = o.runTimeout?.inWholeMilliseconds,
            taskTimeoutMillis = o.workflowTaskTimeout?.inWholeMilliseconds,
            headers = o.headers.toMap(), runId = runId,
            retryPolicy = o.retryPolicy?.toRecorded(),
            firstTaskDelayMillis = o.startDelay?.inWholeMilliseconds?.takeIf { it > 0 },
        )
        return StartWorkflowRequest(
            // Every start carries a request id (the caller's, or a fresh one): when a commit succeeds but its
            // acknowledgement is lost, the transaction's retry finds its own run instead of a conflict.
            engine.namespace, workflowId, definition.name, o.taskQueue, runId, o.requestId ?: UUID.randomUUID().toString(), started, 0,
            idReusePolicy = o.idReusePolicy.name, idConflictPolicy = o.idConflictPolicy.name,
        )
    }

    /**
     * Sends signal [signalName] with [signalArg] to the open run of the workflow id set in
     * [options], starting a run of [definition] with [input] first if none is open; then the
     * signal is the first thing the new run sees. One transaction: two concurrent calls never
     * start two runs.
     */
    public suspend fun <I, O> signalWithStart(
        definition: WorkflowDefinition<I, O>,
        input: I,
        signalName: String,
        signalArg: Any?,
        signalArgType: Type,
        options: WorkflowStartOptions.() -> Unit = {},
    ): WorkflowHandle<O> {
        val o = WorkflowStartOptions().apply(options)
        o.validate()
        val workflowId = o.id ?: throw io.kadence.failure.InvalidArgumentException("signalWithStart needs a workflow id: set id in the options")
        Validation.checkId("signal name", signalName)
        val signal = Payloads.encode(engine.converter, signalArg, signalArgType, "signal '$signalName' to workflow '$workflowId'")
        val request = startRequest(definition, input, workflowId, o)
        engine.awaitAdmission()
        val result = withContext(Dispatchers.IO) {
            engine.atClientTime { now -> engine.store.signalWithStart(request.copy(now = now), signalName, signal) }
        }
        return WorkflowHandle(engine, workflowId, result.runId, definition.outputType)
    }

    /** A handle on an existing workflow (its current run, or [runId]) whose result is decoded as [definition]'s output. */
    public fun <O> handle(definition: WorkflowDefinition<*, O>, workflowId: String, runId: String? = null): WorkflowHandle<O> =
        WorkflowHandle(engine, workflowId, runId, definition.outputType)

    /** A handle on an existing workflow whose result is decoded as [resultType]. */
    public fun <O> handle(workflowId: String, resultType: Type, runId: String? = null): WorkflowHandle<O> =
        WorkflowHandle(engine, workflowId, runId, resultType)

    /** Runs of this namespace, newest first, optionally only those with [status] or of [workflowType]. */
    public suspend fun list(status: WorkflowStatus? = null, workflowType: String? = null, limit: Int = 100): List<WorkflowSummary> =
        withContext(Dispatchers.IO) {
            engine.store.listRuns(engine.namespace, status?.let { RunStatus.valueOf(it.name) }, workflowType, limit).map {
                WorkflowSummary(it.workflowId, it.runId, it.workflowType, WorkflowStatus.valueOf(it.status.name),
                    Instant.ofEpochMilli(it.startTime), it.closeTime?.let(Instant::ofEpochMilli))
            }
        }

    /**
     * The session hosts of this namespace (of [taskQueue] only, when given), with their capacity, what
     * their open sessions use, whether they heartbeat, and those sessions. For operators.
     */
    public suspend fun sessionHosts(taskQueue: String? = null): List<SessionHostDescription> = withContext(Dispatchers.IO) {
        engine.store.sessions.listHosts(engine.namespace, taskQueue).map { h ->
            val silentFor = (h.hostNow - h.heartbeatAt).coerceAtLeast(0).milliseconds
            SessionHostDescription(
                h.key.taskQueue, h.key.hostId, h.capacity, h.used, Instant.ofEpochMilli(h.heartbeatAt), silentFor,
                alive = silentFor <= maxOf(h.graceMillis.milliseconds, io.kadence.workflow.SessionOptions.DEFAULT_HEARTBEAT_TIMEOUT),
                acceptingSessions = h.accepting, gracePeriod = h.graceMillis.milliseconds, workerIdentity = h.identity,
                sessions = h.sessions.map {
                    HostedSession(it.sessionId, it.workflowId, it.runId, it.resources, it.heartbeatTimeoutMillis.milliseconds, Instant.ofEpochMilli(it.createdAt))
                },
            )
        }
    }

    /** How many runs of this namespace have [status] (all when null). */
    public suspend fun count(status: WorkflowStatus? = null, workflowType: String? = null): Int =
        list(status, workflowType, Int.MAX_VALUE).size
}

/** [KadenceClient.signalWithStart] with the signal argument typed by [S]. */
@OptIn(ExperimentalStdlibApi::class)
public suspend inline fun <I, O, reified S> KadenceClient.signalWithStart(
    definition: WorkflowDefinition<I, O>,
    input: I,
    signalName: String,
    signalArg: S,
    noinline options: WorkflowStartOptions.() -> Unit = {},
): WorkflowHandle<O> = signalWithStart(definition, input, signalName, signalArg, kotlin.reflect.typeOf<S>().javaType, options)
