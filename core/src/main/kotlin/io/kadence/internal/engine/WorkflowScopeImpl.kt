package io.kadence.internal.engine

import io.kadence.activity.ActivityOptions
import io.kadence.converter.Payloads
import io.kadence.history.ActivityScheduled
import io.kadence.workflow.WorkflowInfo
import io.kadence.workflow.WorkflowLogger
import io.kadence.workflow.WorkflowScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import org.slf4j.LoggerFactory
import java.lang.reflect.Type
import java.time.Instant
import java.util.UUID
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.random.Random
import kotlin.time.Duration

/** The [WorkflowScope] handed to workflow code; every operation goes to the run's executor. */
internal class WorkflowScopeImpl(
    private val executor: WorkflowExecutor,
    override val coroutineContext: CoroutineContext = EmptyCoroutineContext,
) : WorkflowScope {
    fun withContext(context: CoroutineContext) = WorkflowScopeImpl(executor, context)

    internal fun executorForHooks(): WorkflowExecutor = executor

    override val info: WorkflowInfo get() = executor.info
    override val isReplaying: Boolean get() = executor.isReplaying
    override val logger: WorkflowLogger by lazy { ReplaySafeLogger(executor) }
    override val random: Random get() = executor.state.random

    override fun now(): Instant = Instant.ofEpochMilli(executor.currentTime)

    override suspend fun sleep(duration: Duration) = executor.state.sleep(duration.inWholeMilliseconds)

    override fun timer(duration: Duration): Deferred<Unit> {
        // Issue the timer command now (not when the child first runs), so its place in history is where it was asked for.
        val deferred = kotlinx.coroutines.CompletableDeferred<Unit>()
        val millis = duration.inWholeMilliseconds
        if (millis <= 0) return deferred.also { it.complete(Unit) }
        val seq = executor.state.startTimer(millis) { deferred.complete(Unit) }
        deferred.invokeOnCompletion { cause -> if (cause != null) executor.state.cancelTimer(seq) }
        return deferred
    }

    override fun continueAsNew(input: Any?, inputType: Type, workflowType: String?, taskQueue: String?): Nothing {
        workflowType?.let { io.kadence.internal.Names.check("workflow type to continue workflow '${info.workflowId}' as", it) }
        taskQueue?.let { io.kadence.internal.Names.check("task queue to continue workflow '${info.workflowId}' on", it) }
        val encoded = if (inputType == Unit::class.java || inputType == Void.TYPE) null
            else io.kadence.converter.Payloads.encode(executor.converter, input, inputType, "input of the run continuing workflow '${info.workflowId}'")
        throw ContinueAsNewRequest(encoded, workflowType, taskQueue)
    }

    override fun <I, O> startChild(definition: io.kadence.workflow.WorkflowDefinition<I, O>, input: I, options: io.kadence.workflow.ChildWorkflowOptions): io.kadence.workflow.ChildWorkflowHandle<O> {
        // Refused at the call, as a client start would be, before anything is recorded or stored.
        val child = "child workflow '${definition.name}' of workflow '${info.workflowId}'"
        options.workflowId?.let { io.kadence.internal.Names.check("workflow id of $child", it) }
        options.taskQueue?.let { io.kadence.internal.Names.check("task queue of $child", it) }
        options.executionTimeout?.let { if (!it.isPositive()) throw io.kadence.failure.InvalidArgumentException("executionTimeout of $child must be positive, was $it") }
        options.runTimeout?.let { if (!it.isPositive()) throw io.kadence.failure.InvalidArgumentException("runTimeout of $child must be positive, was $it") }
        val encoded = if (definition.inputType == Unit::class.java || definition.inputType == Void.TYPE) null
            else io.kadence.converter.Payloads.encode(executor.converter, input, definition.inputType, "input of child workflow '${definition.name}'")
        val next = executor.state.peekSeq()
        val childId = options.workflowId ?: "${info.workflowId}/child-$next".also {
            if (it.length > io.kadence.internal.Names.MAX_LENGTH) throw io.kadence.failure.InvalidArgumentException(
                "the default workflow id of $child (the parent's id + '/child-$next') is ${it.length} characters, over the limit of " +
                    "${io.kadence.internal.Names.MAX_LENGTH}; give the child a workflowId of its own",
            )
        }
        val seq = executor.state.nextSeq()
        val scheduled = io.kadence.history.ChildWorkflowScheduled(
            seq, definition.name, childId, options.taskQueue ?: info.taskQueue, encoded,
            options.executionTimeout?.inWholeMilliseconds, options.runTimeout?.inWholeMilliseconds, options.parentClosePolicy.name,
            currentHeaders(),
        )
        return executor.state.startChild(scheduled, definition.outputType, options.cancellationType)
    }

    /** The headers for what the workflow calls next in [context]: the run's, plus values added by withContextValues. */
    internal fun currentHeaders(context: CoroutineContext = coroutineContext): Map<String, String> =
        context[io.kadence.context.KadenceContext]?.let { info.headers + it.headers } ?: info.headers

    override fun <T> contextValue(key: io.kadence.context.ContextKey<T>): T? = key.decode(currentHeaders())

    override suspend fun <R> withContextValues(vararg values: Pair<io.kadence.context.ContextKey<*>, Any?>, block: suspend WorkflowScope.() -> R): R {
        val current = kotlin.coroutines.coroutineContext
        val merged = (current[io.kadence.context.KadenceContext] ?: io.kadence.context.KadenceContext(emptyMap())).plus(values.toMap())
        return kotlinx.coroutines.withContext(merged) { this@WorkflowScopeImpl.withContext(this.coroutineContext).block() }
    }

    override fun uuid(): String = UUID(random.nextLong(), random.nextLong()).let {
        // Mark it as a version-4 UUID, like UUID.randomUUID().
        UUID((it.mostSignificantBits and -0xf001L) or 0x4000L, (it.leastSignificantBits and 0x3fffffffffffffffL) or Long.MIN_VALUE)
    }.toString()

    @Suppress("UNCHECKED_CAST")
    override fun <T> signalChannel(name: String, type: Type): kotlinx.coroutines.channels.ReceiveChannel<T> =
        executor.state.signalChannel(name, type) as kotlinx.coroutines.channels.ReceiveChannel<T>

    override fun onQuery(name: String, argTypes: List<Type>, resultType: Type, handler: (List<Any?>) -> Any?) =
        executor.registerQuery(name, argTypes, resultType, handler)

    override fun onUpdate(
        name: String,
        argTypes: List<Type>,
        resultType: Type,
        validator: ((List<Any?>) -> Unit)?,
        handler: suspend (List<Any?>) -> Any?,
    ) = executor.updates.register(name, argTypes, resultType, validator, handler)

    @Suppress("UNCHECKED_CAST")
    override fun <T> sideEffect(type: Type, block: () -> T): T = executor.state.markers.sideEffect(type, block) as T

    @Suppress("UNCHECKED_CAST")
    override fun <T> mutableSideEffect(id: String, type: Type, block: () -> T): T =
        executor.state.markers.mutableSideEffect(id, type, block) as T

    override fun version(changeId: String, min: Int, max: Int): Int = executor.state.markers.version(changeId, min, max)

    override fun <T : Any> activities(iface: Class<T>, options: ActivityOptions): T =
        ActivityStubs.create(iface) { name, args, argTypes, resultType -> executeActivity(name, args, argTypes, resultType, options) }

    override fun <T : Any> localActivities(iface: Class<T>, options: io.kadence.activity.LocalActivityOptions): T =
        ActivityStubs.create(iface) { name, args, argTypes, resultType -> executeLocalActivity(name, args, argTypes, resultType, options) }

    override suspend fun executeLocalActivity(
        name: String,
        args: List<Any?>,
        argTypes: List<Type>,
        resultType: Type,
        options: io.kadence.activity.LocalActivityOptions,
    ): Any? {
        val converter = executor.converter
        val input = Payloads.encodeArgs(converter, args, argTypes, "input of local activity '$name' in workflow '${info.workflowId}'")
        val headers = currentHeaders(kotlin.coroutines.coroutineContext)
        val scheduledAt = executor.currentTime
        var attempt = 1
        while (true) {
            val request = LocalActivityRequest(executor.state.nextSeq(), name, input, options, attempt, scheduledAt, info, headers)
            val outcome = executor.locals.execute(request)
            val failure = outcome.failure
            if (failure == null) {
                if (resultType == Void.TYPE || resultType == Unit::class.java) return Unit
                return converter.decode(outcome.result ?: "null", resultType)
            }
            // A back-off too long to wait inside a workflow task is a durable timer; the next attempt runs after it.
            val backoff = outcome.backoffMillis
                ?: throw io.kadence.failure.ActivityFailure(name, outcome.seq, outcome.attempt, io.kadence.failure.Failures.fromInfo(failure))
            executor.state.sleep(backoff)
            attempt = outcome.attempt + 1
        }
    }

    override suspend fun <R> session(options: io.kadence.workflow.SessionOptions, block: suspend WorkflowScope.() -> R): R =
        executor.state.sessions.run(options, this, block)

    override fun sessionInfo(): io.kadence.workflow.SessionInfo? = coroutineContext[SessionElement]?.session?.info

    override fun completeSession() {
        val session = coroutineContext[SessionElement]?.session ?: throw io.kadence.failure.IllegalWorkflowStateException(
            "workflow '${info.workflowId}' called completeSession() outside a session block; call it inside session { }",
        )
        executor.state.sessions.complete(session)
    }

    override suspend fun executeActivity(
        name: String,
        args: List<Any?>,
        argTypes: List<Type>,
        resultType: Type,
        options: ActivityOptions,
    ): Any? {
        val converter = executor.converter
        val context = kotlin.coroutines.coroutineContext
        // Inside a session every activity goes to the session's host; a session that ended under its block takes none.
        val session = context[SessionElement]?.session?.also { it.checkUsable(info.workflowId) }
        // Refused at the call, before anything is recorded: what cannot be stored exactly.
        io.kadence.internal.Names.check("activity type", name)
        options.taskQueue?.let { io.kadence.internal.Names.check("task queue of activity '$name'", it) }
        val input = Payloads.encodeArgs(converter, args, argTypes, "input of activity '$name' in workflow '${info.workflowId}'")
        val seq = executor.state.nextSeq()
        val queue = session?.created?.hostTaskQueue ?: options.taskQueue ?: info.taskQueue
        val scheduled = ActivityScheduled(seq, name, queue, input, options.toRecorded(), currentHeaders(context), session?.created?.sessionId)
        val result = executor.state.executeActivity(scheduled, options.cancellationType, session)
        if (resultType == Void.TYPE || resultType == Unit::class.java) return Unit
        return converter.decode(result ?: "null", resultType)
    }
}

/** Writes through SLF4J with the run's ids, and stays silent while the run replays. */
/**
 * Writes nothing while the run replays. Each message carries the run's ids in its text and in the
 * MDC (`workflowId`, `runId`, `workflowType`, `namespace`), set for the call and restored after, so
 * log backends can index by them.
 */
private class ReplaySafeLogger(private val executor: WorkflowExecutor) : WorkflowLogger {
    private val log = LoggerFactory.getLogger("io.kadence.workflow." + executor.info.workflowType)
    private fun prefix(message: String) = "[${executor.info.workflowId}/${executor.runId}] $message"

    private inline fun write(block: () -> Unit) {
        if (executor.isReplaying) return
        val info = executor.info
        val keys = mapOf("workflowId" to info.workflowId, "runId" to info.runId, "workflowType" to info.workflowType, "namespace" to info.namespace)
        val previous = keys.keys.associateWith { org.slf4j.MDC.get(it) }
        keys.forEach { (k, v) -> org.slf4j.MDC.put(k, v) }
        try {
            block()
        } finally {
            previous.forEach { (k, v) -> if (v == null) org.slf4j.MDC.remove(k) else org.slf4j.MDC.put(k, v) }
        }
    }

    override fun debug(message: String) = write { log.debug(prefix(message)) }
    override fun info(message: String) = write { log.info(prefix(message)) }
    override fun warn(message: String, error: Throwable?) = write { log.warn(prefix(message), error) }
    override fun error(message: String, error: Throwable?) = write { log.error(prefix(message), error) }
}

/**
 * Runs [hook] when the executor running [scope]'s workflow is discarded by its worker (for bridges
 * that keep threads outside the loop, such as Java workflows). For Kadence's own modules.
 */
@io.kadence.internal.InternalKadenceApi
public fun registerDestroyHook(scope: WorkflowScope, hook: () -> Unit) {
    val impl = scope as? WorkflowScopeImpl ?: throw IllegalArgumentException("not a Kadence workflow scope: $scope")
    impl.executorForHooks().onDestroy(hook)
}
