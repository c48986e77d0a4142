package io.kadence.java

import io.kadence.client.KadenceClient
import io.kadence.client.SessionHostDescription
import io.kadence.client.WorkflowDescription
import io.kadence.client.WorkflowHandle
import io.kadence.client.WorkflowIdConflictPolicy
import io.kadence.client.WorkflowIdReusePolicy
import io.kadence.client.WorkflowStartOptions
import io.kadence.context.ContextKey
import io.kadence.client.WorkflowStatus
import io.kadence.client.WorkflowSummary
import io.kadence.history.HistoryEvent
import io.kadence.java.internal.JavaWorkflows
import io.kadence.java.internal.argType
import io.kadence.java.internal.async
import io.kadence.java.internal.blocking
import io.kadence.workflow.WorkflowDefinition
import kotlinx.coroutines.flow.toList
import java.util.concurrent.CompletableFuture
import kotlin.time.toKotlinDuration
import java.time.Duration as JDuration

/** Options of a workflow start: id, task queue, timeouts, retries, id policies, propagated values. */
public class WorkflowOptions private constructor(@get:JvmSynthetic internal val apply: WorkflowStartOptions.() -> Unit) {
    /** A builder; start one with newBuilder(). */
    public class Builder internal constructor() {
        private val steps = ArrayList<WorkflowStartOptions.() -> Unit>()

        /** The workflow id (default: a random UUID). */
        public fun id(id: String): Builder = apply { steps += { this.id = id } }
        /** The task queue. */
        public fun taskQueue(q: String): Builder = apply { steps += { taskQueue = q } }
        /** Makes a retried start idempotent: the same request id returns the run it started. */
        public fun requestId(id: String): Builder = apply { steps += { requestId = id } }
        /** Limit for the whole workflow, across continue-as-new and retries (or, for a session, its duration). */
        public fun executionTimeout(d: JDuration): Builder = apply { steps += { executionTimeout = d.toKotlinDuration() } }
        /** Limit for one run. */
        public fun runTimeout(d: JDuration): Builder = apply { steps += { runTimeout = d.toKotlinDuration() } }
        /** How long a worker may hold one of the run's workflow tasks before another takes it over (at most 120 s; default: the worker's). */
        public fun workflowTaskTimeout(d: JDuration): Builder = apply { steps += { workflowTaskTimeout = d.toKotlinDuration() } }
        /** How failures are retried. */
        public fun retryPolicy(p: RetryPolicy): Builder = apply { steps += { retryPolicy = p.kotlin } }
        /** Delays the first workflow task (a signal ends the delay early). */
        public fun startDelay(d: JDuration): Builder = apply { steps += { startDelay = d.toKotlinDuration() } }
        /** Whether a closed run's workflow id may be used again. */
        public fun idReusePolicy(p: WorkflowIdReusePolicy): Builder = apply { steps += { idReusePolicy = p } }
        /** What a start does when a run with the id is open. */
        public fun idConflictPolicy(p: WorkflowIdConflictPolicy): Builder = apply { steps += { idConflictPolicy = p } }

        /** A value the workflow, its activities and children read without it being passed. */
        public fun <T> context(key: ContextKey<T>, value: T): Builder = apply { steps += { context(key, value) } }

        /** Builds the options, validating them (InvalidArgumentException for bad values). */
        public fun build(): WorkflowOptions {
            val s = steps.toList()
            return WorkflowOptions { s.forEach { it() } }
        }
    }

    /** Factory methods. */
    public companion object {
        @JvmStatic public fun newBuilder(): Builder = Builder()
    }
}

/**
 * Starts, finds and controls workflows. Every call has a blocking form and an `…Async` twin returning a
 * `CompletableFuture` (completed on a Kadence thread; a failure completes it exceptionally with the
 * same exception the blocking form throws).
 */
public class WorkflowClient internal constructor(private val client: KadenceClient) {
    private val schedules = ScheduleClient(client.schedules)

    /** Schedules: workflows started on a spec (cron, calendar, interval). */
    public fun schedules(): ScheduleClient = schedules

    /** Starts a run of the Java workflow [workflow]; returns once the start is durable. */
    public fun <I, O> start(workflow: Class<out JavaWorkflow<I, O>>, input: I, options: WorkflowOptions): WorkflowRun<O> =
        blocking { startSuspending(JavaWorkflows.definition(workflow), input, options) }

    /** The CompletableFuture twin of start. */
    public fun <I, O> startAsync(workflow: Class<out JavaWorkflow<I, O>>, input: I, options: WorkflowOptions): CompletableFuture<WorkflowRun<O>> =
        async { startSuspending(JavaWorkflows.definition(workflow), input, options) }

    /** Starts a run of a workflow defined in Kotlin (a `workflow<I, O>("Name") { }` value). */
    public fun <I, O> start(definition: WorkflowDefinition<I, O>, input: I, options: WorkflowOptions): WorkflowRun<O> =
        blocking { startSuspending(definition, input, options) }

    /** The CompletableFuture twin of start for a workflow defined in Kotlin. */
    public fun <I, O> startAsync(definition: WorkflowDefinition<I, O>, input: I, options: WorkflowOptions): CompletableFuture<WorkflowRun<O>> =
        async { startSuspending(definition, input, options) }

    /**
     * Starts a run of the workflow type named [workflowType] (written in any language, registered on some
     * worker, or handled by a dynamic workflow), with [input] encoded by its class; the result is decoded
     * as [resultType].
     */
    public fun <O> start(workflowType: String, input: Any?, resultType: Class<O>, options: WorkflowOptions): WorkflowRun<O> =
        blocking { startSuspending(byName(workflowType, input, resultType), input, options) }

    /** The CompletableFuture twin of start by type name. */
    public fun <O> startAsync(workflowType: String, input: Any?, resultType: Class<O>, options: WorkflowOptions): CompletableFuture<WorkflowRun<O>> =
        async { startSuspending(byName(workflowType, input, resultType), input, options) }

    /** Sends [signalName] to the open run of the options' workflow id, starting one with [input] first if none is open. */
    public fun <I, O> signalWithStart(
        workflow: Class<out JavaWorkflow<I, O>>, input: I, signalName: String, signalArg: Any?, options: WorkflowOptions,
    ): WorkflowRun<O> = blocking { signalWithStartSuspending(workflow, input, signalName, signalArg, options) }

    /** The CompletableFuture twin of signalWithStart. */
    public fun <I, O> signalWithStartAsync(
        workflow: Class<out JavaWorkflow<I, O>>, input: I, signalName: String, signalArg: Any?, options: WorkflowOptions,
    ): CompletableFuture<WorkflowRun<O>> = async { signalWithStartSuspending(workflow, input, signalName, signalArg, options) }

    private suspend fun <I, O> signalWithStartSuspending(
        workflow: Class<out JavaWorkflow<I, O>>, input: I, signalName: String, signalArg: Any?, options: WorkflowOptions,
    ): WorkflowRun<O> =
        WorkflowRun(client.signalWithStart(JavaWorkflows.definition(workflow), input, signalName, signalArg, argType(signalArg), options.apply))

    private suspend fun <I, O> startSuspending(definition: WorkflowDefinition<I, O>, input: I, options: WorkflowOptions): WorkflowRun<O> =
        WorkflowRun(client.start(definition, input, options.apply))

    /** The run of [workflowId] (the latest when [runId] is null), whose result is a [resultType]. */
    @JvmOverloads
    public fun <O> handle(workflowId: String, resultType: Class<O>, runId: String? = null): WorkflowRun<O> =
        WorkflowRun(client.handle(workflowId, resultType, runId))

    /** Runs of this namespace, newest first: only those with [status] and of [workflowType] when not null, at most [limit]. */
    public fun list(status: WorkflowStatus?, workflowType: String?, limit: Int): List<WorkflowSummary> =
        blocking { client.list(status, workflowType, limit) }

    /** The CompletableFuture twin of list. */
    public fun listAsync(status: WorkflowStatus?, workflowType: String?, limit: Int): CompletableFuture<List<WorkflowSummary>> =
        async { client.list(status, workflowType, limit) }

    /** How many runs of this namespace have [status] and are of [workflowType] (either null: any). */
    public fun count(status: WorkflowStatus?, workflowType: String?): Int = blocking { client.count(status, workflowType) }

    /** The CompletableFuture twin of count. */
    public fun countAsync(status: WorkflowStatus?, workflowType: String?): CompletableFuture<Int> = async { client.count(status, workflowType) }

    /** The session hosts of [taskQueue] (all when null), with their capacity, use and sessions. */
    public fun sessionHosts(taskQueue: String?): List<SessionHostDescription> = blocking { client.sessionHosts(taskQueue) }

    /** The CompletableFuture twin of sessionHosts. */
    public fun sessionHostsAsync(taskQueue: String?): CompletableFuture<List<SessionHostDescription>> = async { client.sessionHosts(taskQueue) }
}

/** A definition that only names a type: starting it needs no code here (the worker that runs it has the code). */
private fun <O> byName(workflowType: String, input: Any?, resultType: Class<O>): WorkflowDefinition<Any?, O> =
    WorkflowDefinition(workflowType, argType(input), resultType) {
        throw IllegalStateException("workflow type '$workflowType' was started by name: register it on a worker to run it")
    }

/** One workflow run, as seen from a client. Blocking calls, each with an `…Async` twin returning a CompletableFuture. */
public class WorkflowRun<O> internal constructor(
    /** The Kotlin handle underneath, for code that mixes both APIs. */
    public val kotlin: WorkflowHandle<O>,
) {
    /** The workflow id. */
    public fun workflowId(): String = kotlin.workflowId
    /** The run id, or null for the latest run of the workflow id. */
    public fun runId(): String? = kotlin.runId

    /** Waits for the result (following continue-as-new and retries); a failed run throws `WorkflowFailedException`. */
    public fun result(): O = blocking { kotlin.result() }
    /** Waits for the result, at most timeout. */
    public fun result(timeout: JDuration): O = blocking { kotlin.result(timeout.toKotlinDuration()) }
    /** The result, as a future. */
    public fun resultAsync(): CompletableFuture<O> = async { kotlin.result() }
    /** The result, as a future that fails with the same exception as result(timeout) when it takes longer than timeout. */
    public fun resultAsync(timeout: JDuration): CompletableFuture<O> = async { kotlin.result(timeout.toKotlinDuration()) }

    /** Sends signal name with arg. */
    public fun signal(name: String, arg: Any?): Unit = blocking { kotlin.signal(name, arg, argType(arg)) }
    /** Sends signal [name]; retrying with the same [requestId] delivers it once. */
    public fun signal(name: String, arg: Any?, requestId: String): Unit = blocking { kotlin.signal(name, arg, argType(arg), requestId) }
    /** The CompletableFuture twin of signal. */
    public fun signalAsync(name: String, arg: Any?): CompletableFuture<Void?> = async { kotlin.signal(name, arg, argType(arg)); null }
    /** The CompletableFuture twin of signal with a request id. */
    public fun signalAsync(name: String, arg: Any?, requestId: String): CompletableFuture<Void?> =
        async { kotlin.signal(name, arg, argType(arg), requestId); null }

    /**
     * Asks query [name] (answered by replaying the run); the answer is decoded as [resultType]. An unknown
     * query name or arguments the handler cannot take throw `QueryFailedException`.
     */
    public fun <R> query(name: String, resultType: Class<R>, vararg args: Any?): R = blocking { querySuspending(name, resultType, args) }
    /** The CompletableFuture twin of query. */
    public fun <R> queryAsync(name: String, resultType: Class<R>, vararg args: Any?): CompletableFuture<R> = async { querySuspending(name, resultType, args) }

    private suspend fun <R> querySuspending(name: String, resultType: Class<R>, args: Array<out Any?>): R {
        @Suppress("UNCHECKED_CAST")
        return kotlin.query(name, args.toList(), args.map(::argType), resultType) as R
    }

    /** Sends update [name] and waits for its handler's result. */
    public fun <R> update(name: String, arg: Any?, resultType: Class<R>): R = blocking { updateSuspending(name, arg, resultType, null) }
    /** The same, with an update id: retrying with the same id applies the update once. */
    public fun <R> update(name: String, arg: Any?, resultType: Class<R>, updateId: String): R = blocking { updateSuspending(name, arg, resultType, updateId) }
    /** The CompletableFuture twin of update. */
    public fun <R> updateAsync(name: String, arg: Any?, resultType: Class<R>): CompletableFuture<R> = async { updateSuspending(name, arg, resultType, null) }
    /** The CompletableFuture twin of update with an update id. */
    public fun <R> updateAsync(name: String, arg: Any?, resultType: Class<R>, updateId: String): CompletableFuture<R> =
        async { updateSuspending(name, arg, resultType, updateId) }

    private suspend fun <R> updateSuspending(name: String, arg: Any?, resultType: Class<R>, updateId: String?): R {
        @Suppress("UNCHECKED_CAST")
        return (if (updateId == null) kotlin.update(name, arg, argType(arg), resultType) else kotlin.update(name, arg, argType(arg), resultType, updateId)) as R
    }

    /** Asks the run to cancel: its code sees `CanceledFailure` and decides how to end. */
    public fun cancel(reason: String?): Unit = blocking { kotlin.cancel(reason) }
    /** The CompletableFuture twin of cancel. */
    public fun cancelAsync(reason: String?): CompletableFuture<Void?> = async { kotlin.cancel(reason); null }

    /** Ends the run at once, without running workflow code; reason is recorded. */
    public fun terminate(reason: String?): Unit = blocking { kotlin.terminate(reason) }
    /** The CompletableFuture twin of terminate. */
    public fun terminateAsync(reason: String?): CompletableFuture<Void?> = async { kotlin.terminate(reason); null }

    /** Status, pending activities and timers, and the last workflow task failure. */
    public fun describe(): WorkflowDescription = blocking { kotlin.describe() }
    /** The CompletableFuture twin of describe. */
    public fun describeAsync(): CompletableFuture<WorkflowDescription> = async { kotlin.describe() }

    /**
     * Starts a new run from workflow task boundary [eventId] of this run's history (an operator action,
     * recorded with [reason]); the open run, if any, is terminated. Returns the new run.
     */
    public fun reset(eventId: Long, reason: String): WorkflowRun<O> = blocking { WorkflowRun(kotlin.reset(eventId, reason)) }
    /** The CompletableFuture twin of reset. */
    public fun resetAsync(eventId: Long, reason: String): CompletableFuture<WorkflowRun<O>> = async { WorkflowRun(kotlin.reset(eventId, reason)) }

    /** Every event of the run's history, in order. */
    public fun history(): List<HistoryEvent> = blocking { kotlin.history().toList() }
    /** The CompletableFuture twin of history. */
    public fun historyAsync(): CompletableFuture<List<HistoryEvent>> = async { kotlin.history().toList() }
}
