package io.kadence.java

import io.kadence.context.ContextKey
import io.kadence.workflow.SessionInfo
import io.kadence.workflow.WorkflowInfo
import java.time.Duration
import java.time.Instant
import java.util.Random
import java.util.function.Consumer
import java.util.function.Function
import java.util.function.Supplier

/**
 * A workflow written in Java: blocking-style code in [run], made durable by [WorkflowContext].
 * Every call on the context is a recorded step (or reads recorded state); everything else in
 * [run] must be deterministic — no clocks, random numbers, threads, I/O or mutable statics of
 * its own. Kadence creates one instance per run (a public no-argument constructor is needed), so
 * fields hold the run's state, readable from query handlers.
 *
 * ```java
 * public final class Greeting implements JavaWorkflow<String, String> {
 *     public String run(WorkflowContext ctx, String name) {
 *         Greeter greeter = ctx.activities(Greeter.class,
 *                 ActivityOptions.newBuilder().startToCloseTimeout(Duration.ofSeconds(10)).build());
 *         ctx.sleep(Duration.ofHours(1));                  // a durable timer
 *         return greeter.greet(name);                      // an activity
 *     }
 * }
 * ```
 *
 * The workflow type is the class's simple name, or the value of [WorkflowType] on the class.
 */
public fun interface JavaWorkflow<I, O> {
    /** The workflow's code: called once per run (and re-executed on replay). */
    public fun run(ctx: WorkflowContext, input: I): O
}

/** A handler for workflow types a worker has no class for (see `Worker.registerDynamicWorkflow`). */
public fun interface DynamicJavaWorkflow {
    /** Runs a workflow of [workflowType] whose input is the recorded JSON [input]; returns its result. */
    public fun run(ctx: WorkflowContext, workflowType: String, input: String?): Any?
}

/** Names a Java workflow's type (by default its class's simple name). */
@Target(AnnotationTarget.CLASS)
@Retention(AnnotationRetention.RUNTIME)
public annotation class WorkflowType(val value: String)

/**
 * What workflow code written in Java can do. Call it only from the thread that runs the
 * workflow's [JavaWorkflow.run] (or from code started with [async]); calling it elsewhere throws
 * `IllegalStateException`. Failures are unchecked `KadenceFailure`s, as in Kotlin:
 * `ActivityFailure`, `ChildWorkflowFailure`, `CanceledFailure` (the workflow was canceled; catch it
 * to clean up), `SessionFailedException`, …
 */
public interface WorkflowContext {
    /** The run: workflow id, run id, type, task queue, attempt, headers. */
    public fun info(): WorkflowInfo

    /** True while recorded history is being re-executed. */
    public fun isReplaying(): Boolean

    /** Logs once, not again on replay. */
    public fun logger(): io.kadence.workflow.WorkflowLogger

    /** The workflow's time: the time of the current workflow task, as recorded. */
    public fun now(): Instant

    /** Sleeps on a durable timer. */
    public fun sleep(duration: Duration)

    /** A random source seeded by the run: the same numbers on replay. */
    public fun random(): Random

    /** A UUID from the run's random source. */
    public fun randomUUID(): String

    /** A stub whose (blocking) methods schedule the activity of that name and wait for its outcome. */
    public fun <T : Any> activities(iface: Class<T>, options: ActivityOptions): T

    /** A stub whose methods run as local activities, inside the workflow task (see [LocalActivityOptions]). */
    public fun <T : Any> localActivities(iface: Class<T>, options: LocalActivityOptions): T

    /** Calls the activity named [name] with [args] and decodes its result as [resultType]. */
    public fun <R> executeActivity(name: String, resultType: Class<R>, options: ActivityOptions, vararg args: Any?): R

    /** Runs [block] once and records its value; replays return the recorded value. */
    public fun <T> sideEffect(type: Class<T>, block: Supplier<T>): T

    /** Runs [block] each time, recording its value only when it changes (per [id]). */
    public fun <T> mutableSideEffect(id: String, type: Class<T>, block: Supplier<T>): T

    /** The version of change [changeId] this run follows (`DEFAULT_VERSION` = -1 for runs older than the change). */
    public fun getVersion(changeId: String, minSupported: Int, maxSupported: Int): Int

    /** The channel of signals named [name], decoded as [type]; buffered until read. */
    public fun <T> signalChannel(name: String, type: Class<T>): SignalChannel<T>

    /** Answers query [name] with [handler] (which must only read the workflow's fields). */
    public fun <R> onQuery(name: String, handler: Supplier<R>)

    /** Answers query [name], which takes an argument of [argType]. */
    public fun <A, R> onQuery(name: String, argType: Class<A>, handler: Function<A, R>)

    /**
     * Handles update [name]: [validator] (may be null) runs before anything is recorded and rejects
     * the update by throwing; [handler] runs as workflow code and its result goes to the caller.
     */
    public fun <A, R> onUpdate(name: String, argType: Class<A>, resultType: Class<R>, validator: Consumer<A>?, handler: Function<A, R>)

    /** Starts a child workflow and waits for its result. */
    public fun <I, O> executeChild(workflow: Class<out JavaWorkflow<I, O>>, input: I, options: ChildWorkflowOptions): O

    /** Starts a child workflow; [ChildRun.result] waits for its result. */
    public fun <I, O> startChild(workflow: Class<out JavaWorkflow<I, O>>, input: I, options: ChildWorkflowOptions): ChildRun<O>

    /** Ends this run and starts a new one of the same workflow with [input]; does not return. */
    public fun continueAsNew(input: Any?)

    /** Runs [body] as concurrent workflow code (on a workflow thread of its own); [Promise.get] waits for it. */
    public fun <R> async(body: Supplier<R>): Promise<R>

    /**
     * Runs [body] in a session: the activities it calls run on one host that has the requested
     * resources free, reserved until [body] returns. Throws `SessionCreationTimeoutException`,
     * `SessionFailedException` (the host died) or a `TimeoutFailure` (execution timeout).
     */
    public fun <R> session(options: SessionOptions, body: Function<WorkflowContext, R>): R

    /** The session the calling code runs in, or null outside one. */
    public fun sessionInfo(): SessionInfo?

    /** Ends the current session now, releasing its host (later activity calls in it are refused). */
    public fun completeSession()

    /**
     * Runs [body] shielded from the workflow's cancellation, for cleanup after a `CanceledFailure`:
     * activities and timers it starts run to their end (Kotlin's `withContext(NonCancellable)`).
     */
    public fun <R> runDetached(body: Supplier<R>): R

    /** A value propagated from the client (a tenant, a trace id), or null. */
    public fun <T> contextValue(key: ContextKey<T>): T?
}

/** A named channel of signals inside a Java workflow. */
public interface SignalChannel<T> {
    /** Waits for the next signal. */
    public fun receive(): T

    /** Waits up to [timeout] (a durable timer) for the next signal; null if none came. */
    public fun receive(timeout: Duration): T?

    /** The next buffered signal, or null without waiting. */
    public fun poll(): T?
}

/** The result of code started with [WorkflowContext.async]. */
public interface Promise<T> {
    /** Waits for the result (or throws what the code threw). */
    public fun get(): T

    /** True once the code has finished. */
    public fun isDone(): Boolean
}

/** A child workflow started with [WorkflowContext.startChild]. */
public interface ChildRun<O> {
    /** The workflow id. */
    public fun workflowId(): String

    /** Waits until the child has started; returns its run id. */
    public fun started(): String

    /** Waits for the child's result. */
    public fun result(): O
}
