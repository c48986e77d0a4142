package io.kadence.activity

import io.kadence.failure.InvalidArgumentException
import io.kadence.history.ActivityTaskOptions
import io.kadence.internal.InternalKadenceApi
import kotlin.time.Duration

/** What happens to a running activity when the workflow code awaiting it is canceled. */
public enum class ActivityCancellationType {
    /** Ask the activity to cancel and stop waiting at once (default). */
    TRY_CANCEL,
    /** Ask the activity to cancel and wait until it has acknowledged (completed, failed or canceled). */
    WAIT_CANCELLATION_COMPLETED,
    /** Do not tell the activity; stop waiting at once. */
    ABANDON,
}

/**
 * How an activity call is run. At least one of [startToClose] (one attempt) or [scheduleToClose]
 * (all attempts together) is required. [heartbeat] makes an attempt fail when it has not
 * heartbeated for that long. [taskQueue] defaults to the workflow's own.
 */
public data class ActivityOptions(
    val startToClose: Duration? = null,
    val scheduleToClose: Duration? = null,
    val scheduleToStart: Duration? = null,
    val heartbeat: Duration? = null,
    val retry: RetryPolicy = RetryPolicy(),
    val taskQueue: String? = null,
    val cancellationType: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL,
) {
    init {
        if (startToClose == null && scheduleToClose == null)
            throw InvalidArgumentException("ActivityOptions needs startToClose or scheduleToClose (or both); neither was set")
        listOf("startToClose" to startToClose, "scheduleToClose" to scheduleToClose,
            "scheduleToStart" to scheduleToStart, "heartbeat" to heartbeat).forEach { (name, d) ->
            if (d != null && !d.isPositive()) throw InvalidArgumentException("ActivityOptions.$name must be positive, was $d")
        }
    }

    /** A copy with changes made in a builder block. */
    public fun copy(block: Builder.() -> Unit): ActivityOptions = Builder(this).apply(block).build()

    /** Mutable twin used by option builders. */
    @io.kadence.KadenceDsl
    public class Builder(from: ActivityOptions? = null) {
        /** Limit for one attempt. */
        public var startToClose: Duration? = from?.startToClose
        /** Limit for all attempts together. */
        public var scheduleToClose: Duration? = from?.scheduleToClose
        /** How long a task may wait for a worker. */
        public var scheduleToStart: Duration? = from?.scheduleToStart
        /** An attempt that does not heartbeat within this has failed. */
        public var heartbeat: Duration? = from?.heartbeat
        /** How failures are retried. */
        public var retryPolicy: RetryPolicy = from?.retry ?: RetryPolicy()
        /** The task queue (default: the workflow's). */
        public var taskQueue: String? = from?.taskQueue
        /** What canceling the call waits for. */
        public var cancellationType: ActivityCancellationType = from?.cancellationType ?: ActivityCancellationType.TRY_CANCEL

        /** Changes the retry policy: `retry { maximumAttempts = 3 }`. */
        public fun retry(block: RetryPolicy.Builder.() -> Unit) {
            retryPolicy = RetryPolicy.Builder(retryPolicy).apply(block).build()
        }

        /** The options, validated. */
        public fun build(): ActivityOptions =
            ActivityOptions(startToClose, scheduleToClose, scheduleToStart, heartbeat, retryPolicy, taskQueue, cancellationType)
    }

    /** The form recorded in history. */
    @InternalKadenceApi
    public fun toRecorded(): ActivityTaskOptions = ActivityTaskOptions(
        scheduleToStart?.inWholeMilliseconds, startToClose?.inWholeMilliseconds, scheduleToClose?.inWholeMilliseconds,
        heartbeat?.inWholeMilliseconds, retry.toRecorded(), cancellationType.name,
    )
}

/** `ActivityOptions(startToClose = 1.minutes) { retry { maximumAttempts = 3 } }` */
public fun ActivityOptions(
    startToClose: Duration? = null,
    scheduleToClose: Duration? = null,
    block: ActivityOptions.Builder.() -> Unit,
): ActivityOptions = ActivityOptions.Builder().apply {
    this.startToClose = startToClose
    this.scheduleToClose = scheduleToClose
    block()
}.build()
