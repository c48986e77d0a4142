package io.kadence.workflow

import io.kadence.activity.ActivityOptions
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.channels.ReceiveChannel
import java.lang.reflect.Type
import java.time.Instant
import kotlin.random.Random
import kotlin.reflect.javaType
import kotlin.time.Duration

/**
 * The receiver of workflow code: a [CoroutineScope] on the run's deterministic loop, plus the
 * operations that make a workflow durable. Every ordinary coroutine tool works inside it
 * (`async`, `launch`, `coroutineScope`, `Channel`, `select`, `Mutex`), and `delay`/`withTimeout`
 * become durable timers.
 *
 * Do not leave the loop: no `withContext(Dispatchers.IO)`, no `runBlocking`, no `Thread.sleep` or
 * blocking I/O. Reach the outside world through activities. Breaking this rule fails the workflow
 * task with an [io.kadence.failure.IllegalWorkflowStateException] that says what to use instead.
 */
@io.kadence.KadenceDsl
public interface WorkflowScope : CoroutineScope {
    /** Ids and type of this run. */
    public val info: WorkflowInfo

    /** A logger that writes nothing while the run replays. */
    public val logger: WorkflowLogger

    /** True while the engine is re-executing recorded history (cache miss, restart). */
    public val isReplaying: Boolean

    /** The time of the current workflow task, as recorded in history: the same on every replay. */
    public fun now(): Instant

    /** Like `delay`, but durable: survives restarts; the run leaves memory while it sleeps. */
    public suspend fun sleep(duration: Duration)

    /** Starts a durable timer and returns a [Deferred] that completes when it fires (cancel it to cancel the timer). */
    public fun timer(duration: Duration): Deferred<Unit>

    /** A random generator seeded from the run: the same sequence on every replay. */
    public val random: Random

    /**
     * Ends this run and starts a new run of the same workflow id with [input] (encoded as [inputType]),
     * in one transaction: the history starts afresh, so a long-lived workflow stays small. The new run
     * gets a new run id, the same headers, and the signals this run received but never read. It runs
     * [workflowType] on [taskQueue] (by default this run's). Clients waiting for the result follow
     * the chain to the last run. Does not return.
     */
    public fun continueAsNew(input: Any?, inputType: Type, workflowType: String? = null, taskQueue: String? = null): Nothing

    /**
     * The value of [key] that travels with this workflow: set by the client that started it (or
     * inherited from a parent, or a run this one continues), or added by [withContextValues].
     */
    public fun <T> contextValue(key: io.kadence.context.ContextKey<T>): T?

    /**
     * Runs [block] with [values] added to the context: activities and child workflows started
     * inside it carry them (and see them with `KadenceContext.current(key)` / [contextValue]).
     */
    public suspend fun <R> withContextValues(vararg values: Pair<io.kadence.context.ContextKey<*>, Any?>, block: suspend WorkflowScope.() -> R): R

    /** A random UUID from [random]: the same on every replay. */
    public fun uuid(): String

    /**
     * The channel on which signals named [name] arrive, decoded as [type]. Signals sent before the
     * channel was first asked for are buffered and delivered in order; none is lost. Use it like
     * any channel: `receive()`, `tryReceive()`, or `onReceive` in a `select`.
     */
    public fun <T> signalChannel(name: String, type: Type): ReceiveChannel<T>

    /**
     * Answers queries named [name]: [handler] gets the decoded arguments and returns the answer.
     * It reads the run's state and must not change it or call workflow operations (that fails the
     * query). Queries never write history; a run that is not in memory is replayed to answer.
     */
    public fun onQuery(name: String, argTypes: List<Type>, resultType: Type, handler: (List<Any?>) -> Any?)

    /**
     * Handles updates named [name]. [validator] (optional) runs before anything is recorded and
     * rejects the update by throwing: the caller gets its error and history has no trace of it.
     * Validators only read state, and are not run again on replay. An accepted update is recorded,
     * then [handler] runs like workflow code (it may call activities and sleep); its return value
     * goes back to the caller. The run does not complete while a handler is running.
     */
    public fun onUpdate(
        name: String,
        argTypes: List<Type>,
        resultType: Type,
        validator: ((List<Any?>) -> Unit)?,
        handler: suspend (List<Any?>) -> Any?,
    )

    /**
     * Runs [block] once and records its value (encoded as [type]); replays return the recorded value
     * without running it. For short non-deterministic reads (a UUID, the local config); anything
     * that can fail or take time belongs in an activity.
     */
    public fun <T> sideEffect(type: Type, block: () -> T): T

    /**
     * Runs [block] each time and returns its value (encoded as [type]), but records it only when it
     * differs from the last value recorded for [id]; replays return the recorded values without
     * running [block]. For values read often that rarely change (a feature flag, a config value).
     */
    public fun <T> mutableSideEffect(id: String, type: Type, block: () -> T): T

    /**
     * Which version of the change [changeId] this run follows, for changing the code of workflows
     * already running. A new run (or a run reaching this point for the first time) gets [max] and
     * records it; a run that passed this point before the change existed gets [DEFAULT_VERSION].
     * Keep the old branch until such runs have closed:
     * `if (version("skip-fraud-check", DEFAULT_VERSION, 1) == DEFAULT_VERSION) checkFraud() else …`
     */
    public fun version(changeId: String, min: Int, max: Int): Int

    /**
     * Starts [definition] as a child workflow with [input]. The child is a run of its own (its own
     * history, retries, timeouts) started in the transaction that records this command; what
     * happens to it when this workflow closes is its [ChildWorkflowOptions.parentClosePolicy].
     * Await [ChildWorkflowHandle.started] for start-only use, [ChildWorkflowHandle.result] for its
     * outcome; use `async` to fan out.
     */
    public fun <I, O> startChild(definition: WorkflowDefinition<I, O>, input: I, options: ChildWorkflowOptions = ChildWorkflowOptions()): ChildWorkflowHandle<O>

    /**
     * A typed stub for the activity interface [iface]: calling a (suspend) method schedules that
     * activity with [options] and suspends until its final outcome. A failure arrives as
     * [io.kadence.failure.ActivityFailure].
     */
    public fun <T : Any> activities(iface: Class<T>, options: ActivityOptions): T

    /**
     * A typed stub for the activity interface [iface] whose calls run as *local* activities: in this
     * worker, inside the workflow task, recording only the outcome (see [io.kadence.activity.LocalActivityOptions]).
     * The implementation must be registered on the worker that runs this workflow. A final failure
     * arrives as [io.kadence.failure.ActivityFailure].
     */
    public fun <T : Any> localActivities(iface: Class<T>, options: io.kadence.activity.LocalActivityOptions): T

    /** Calls the activity named [name] as a local activity; see [localActivities] and [executeActivity]. */
    public suspend fun executeLocalActivity(
        name: String,
        args: List<Any?>,
        argTypes: List<Type>,
        resultType: Type,
        options: io.kadence.activity.LocalActivityOptions,
    ): Any?

    /**
     * Runs [block] in a session: the activities it calls run on one host, which keeps the session's
     * resources reserved until the block ends. See the `session(creationTimeout, executionTimeout,
     * resources) { }` form and [SessionOptions] for the rules and the failures it throws.
     */
    public suspend fun <R> session(options: SessionOptions, block: suspend WorkflowScope.() -> R): R

    /** The session the calling code runs in (inside a `session { }` block), or null outside any. */
    public fun sessionInfo(): SessionInfo?

    /**
     * Ends the session the calling code runs in before its block does, releasing its host's capacity
     * now (as Cadence's `CompleteSession`). Activity calls made in the block afterwards fail with
     * [io.kadence.failure.IllegalWorkflowStateException]; calling it again does nothing.
     *
     * @throws io.kadence.failure.IllegalWorkflowStateException when called outside a session block.
     */
    public fun completeSession()

    /**
     * Calls the activity named [name] with [args] (encoded with their declared [argTypes]) and
     * decodes its result as [resultType]. For dynamic cases; prefer typed stubs.
     */
    public suspend fun executeActivity(
        name: String,
        args: List<Any?>,
        argTypes: List<Type>,
        resultType: Type,
        options: ActivityOptions,
    ): Any?
}

/** The channel of signals named [name], decoded as [T]; see [WorkflowScope.signalChannel]. */
@OptIn(ExperimentalStdlibApi::class)
public inline fun <reified T> WorkflowScope.signalChannel(name: String): ReceiveChannel<T> =
    signalChannel(name, kotlin.reflect.typeOf<T>().javaType)

/** Answers the query [name] (no argument) with [handler]'s result; see [WorkflowScope.onQuery]. */
@OptIn(ExperimentalStdlibApi::class)
public inline fun <reified R> WorkflowScope.onQuery(name: String, noinline handler: () -> R): Unit =
    onQuery(name, emptyList(), kotlin.reflect.typeOf<R>().javaType) { handler() }

/**
 * Answers the query [name], which takes one argument of type [A]; see [WorkflowScope.onQuery].
 * (A separate name, because `onQuery(name) { state }` would otherwise be ambiguous.)
 */
@OptIn(ExperimentalStdlibApi::class)
public inline fun <reified A, reified R> WorkflowScope.onQueryWithArg(name: String, noinline handler: (A) -> R): Unit =
    onQuery(name, listOf(kotlin.reflect.typeOf<A>().javaType), kotlin.reflect.typeOf<R>().javaType) { args -> handler(args[0] as A) }

/** Handles the update [name], which takes one argument of type [A]; see [WorkflowScope.onUpdate]. */
@OptIn(ExperimentalStdlibApi::class)
@Suppress("UNCHECKED_CAST")
public inline fun <reified A, reified R> WorkflowScope.onUpdate(
    name: String,
    noinline validator: ((A) -> Unit)? = null,
    noinline handler: suspend (A) -> R,
): Unit = onUpdate(
    name, listOf(kotlin.reflect.typeOf<A>().javaType), kotlin.reflect.typeOf<R>().javaType,
    validator?.let { v -> { args: List<Any?> -> v(args[0] as A) } },
) { args -> handler(args[0] as A) }

/** The version of runs that passed a change's point before the change existed; see [WorkflowScope.version]. */
public const val DEFAULT_VERSION: Int = -1

/** [WorkflowScope.sideEffect] typed by [T]. */
@OptIn(ExperimentalStdlibApi::class)
public inline fun <reified T> WorkflowScope.sideEffect(noinline block: () -> T): T =
    sideEffect(kotlin.reflect.typeOf<T>().javaType, block)

/** A typed stub for the activity interface [T]; see [WorkflowScope.activities]. */
public inline fun <reified T : Any> WorkflowScope.activities(options: ActivityOptions): T =
    activities(T::class.java, options)

/** A typed stub whose calls run as local activities; see [WorkflowScope.localActivities]. */
public inline fun <reified T : Any> WorkflowScope.localActivities(options: io.kadence.activity.LocalActivityOptions): T =
    localActivities(T::class.java, options)

/** Calls the activity named [name] as a local activity, with arguments typed by their runtime classes. */
@OptIn(ExperimentalStdlibApi::class)
public suspend inline fun <reified R> WorkflowScope.localActivity(name: String, vararg args: Any?, options: io.kadence.activity.LocalActivityOptions): R {
    val resultType = kotlin.reflect.typeOf<R>().javaType
    return executeLocalActivity(name, args.toList(), args.map { it?.javaClass ?: String::class.java }, resultType, options) as R
}

/** Calls the activity named [name] by name, with arguments typed by their runtime classes. */
@OptIn(ExperimentalStdlibApi::class)
public suspend inline fun <reified R> WorkflowScope.activity(name: String, vararg args: Any?, options: ActivityOptions): R {
    val resultType = kotlin.reflect.typeOf<R>().javaType
    return executeActivity(name, args.toList(), args.map { it?.javaClass ?: String::class.java }, resultType, options) as R
}

/** Continues this workflow as a new run with [input]; see [WorkflowScope.continueAsNew]. */
@OptIn(ExperimentalStdlibApi::class)
public inline fun <reified I> WorkflowScope.continueAsNew(input: I): Nothing =
    continueAsNew(input, kotlin.reflect.typeOf<I>().javaType)

/** [WorkflowScope.mutableSideEffect] typed by [T]. */
@OptIn(ExperimentalStdlibApi::class)
public inline fun <reified T> WorkflowScope.mutableSideEffect(id: String, noinline block: () -> T): T =
    mutableSideEffect(id, kotlin.reflect.typeOf<T>().javaType, block)
