package io.kadence.activity

import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.coroutineContext

/** Facts about the activity attempt being executed. */
public data class ActivityInfo(
    val namespace: String,
    val workflowId: String,
    val runId: String,
    val workflowType: String,
    val activityType: String,
    /** The activity's sequence number inside its workflow run; with [runId] it identifies the activity. */
    val seq: Long,
    /** 1 for the first attempt. */
    val attempt: Int,
    val taskQueue: String,
    val headers: Map<String, String>,
) {
    /** A key that stays the same across retries of this activity: use it to make side effects idempotent. */
    val idempotencyKey: String get() = "$runId/$seq"
}

/**
 * What an activity can ask of the engine while it runs: its [info], the heartbeat details recorded
 * by an earlier attempt, and [heartbeat] (which also reports cancellation back).
 *
 * Kotlin code reads it from the coroutine context ([ActivityContext.current] in a suspend
 * function); blocking code, Java included, reads it from [ActivityContext.current] on the
 * activity's thread.
 */
public abstract class ActivityContext : AbstractCoroutineContextElement(Key) {
    /** What is running: workflow, activity type, attempt, headers. */
    public abstract val info: ActivityInfo

    /** Encoded details of the last heartbeat of a previous attempt, or null. */
    public abstract val lastHeartbeatDetails: String?

    /** Decodes [lastHeartbeatDetails] as a [T]. */
    public abstract fun <T> lastHeartbeatDetails(type: Class<T>): T?

    /**
     * Records that the activity is alive, with optional progress [details] that a later attempt can read.
     * Throws [ActivityCanceledException] when the workflow asked to cancel this activity, its lease was
     * lost, or the worker is shutting down: let it propagate after cleaning up.
     */
    public abstract fun heartbeat(details: Any? = null)

    /** True once cancellation of this activity was requested (seen by the last heartbeat). */
    public abstract val isCancelRequested: Boolean

    /** Finding the current context (and its coroutine context key). */
    public companion object Key : CoroutineContext.Key<ActivityContext> {
        private val threadContext = ThreadLocal<ActivityContext?>()

        /** The context of the activity running on this thread (or in this coroutine). */
        @JvmStatic public fun current(): ActivityContext = threadContext.get()
            ?: throw IllegalStateException("ActivityContext.current() called outside an activity: call it from the thread that runs the activity method")

        /** The context of the activity running in this coroutine. */
        @JvmSynthetic public suspend fun currentInCoroutine(): ActivityContext = coroutineContext[Key]
            ?: throw IllegalStateException("no ActivityContext: this suspend function is not running as an activity")

        internal fun set(ctx: ActivityContext?): ActivityContext? = threadContext.get().also { threadContext.set(ctx) }
    }

    /** Installs [ctx] as the current thread's context, returning the previous one. For engine use. */
    @io.kadence.internal.InternalKadenceApi
    public object ThreadBinding {
        /** Makes ctx the current context of this thread (for runtimes); returns the previous one. */
        public fun bind(ctx: ActivityContext?): ActivityContext? = set(ctx)
    }
}

/** The activity was asked to stop: canceled by its workflow, its lease was lost, or the worker is shutting down. */
public class ActivityCanceledException(message: String) : kotlin.coroutines.cancellation.CancellationException(message)
