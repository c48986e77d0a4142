package io.kadence.activity

import io.kadence.failure.InvalidArgumentException
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes

/**
 * How a local activity is run. A local activity runs in the worker that runs the workflow, inside
 * the workflow task, and only its outcome is recorded: no activity task, no queue, no extra
 * transaction. Use it for short calls (a lookup, a cheap write) where a full activity's overhead
 * matters; anything long, or needing heartbeats or another host, belongs in an activity.
 *
 * At least one of [startToClose] (one attempt) or [scheduleToClose] (all attempts) is required.
 * Failed attempts are retried per [retry] inside the task while the back-off is at most
 * [localRetryThreshold]; a longer back-off is recorded and waited out as a durable timer, after
 * which the next attempt runs in a later task.
 */
public data class LocalActivityOptions(
    val startToClose: Duration? = null,
    val scheduleToClose: Duration? = null,
    val retry: RetryPolicy = RetryPolicy(),
    val localRetryThreshold: Duration = 1.minutes,
) {
    init {
        if (startToClose == null && scheduleToClose == null)
            throw InvalidArgumentException("LocalActivityOptions needs startToClose or scheduleToClose (or both); neither was set")
        listOf("startToClose" to startToClose, "scheduleToClose" to scheduleToClose, "localRetryThreshold" to localRetryThreshold).forEach { (name, d) ->
            if (d != null && !d.isPositive()) throw InvalidArgumentException("LocalActivityOptions.$name must be positive, was $d")
        }
    }

    /** A copy with changes made in a builder block. */
    public fun copy(block: Builder.() -> Unit): LocalActivityOptions = Builder(this).apply(block).build()

    /** Mutable twin used by option builders. */
    @io.kadence.KadenceDsl
    public class Builder(from: LocalActivityOptions? = null) {
        /** Limit for one attempt. */
        public var startToClose: Duration? = from?.startToClose
        /** Limit for all attempts together. */
        public var scheduleToClose: Duration? = from?.scheduleToClose
        /** How failures are retried. */
        public var retryPolicy: RetryPolicy = from?.retry ?: RetryPolicy()
        /** Back-offs up to this wait inside the task; longer ones become a durable timer. */
        public var localRetryThreshold: Duration = from?.localRetryThreshold ?: 1.minutes

        /** Changes the retry policy: `retry { maximumAttempts = 3 }`. */
        public fun retry(block: RetryPolicy.Builder.() -> Unit) {
            retryPolicy = RetryPolicy.Builder(retryPolicy).apply(block).build()
        }

        /** The options, validated. */
        public fun build(): LocalActivityOptions = LocalActivityOptions(startToClose, scheduleToClose, retryPolicy, localRetryThreshold)
    }
}

/** `LocalActivityOptions(startToClose = 2.seconds) { retry { maximumAttempts = 3 } }` */
public fun LocalActivityOptions(
    startToClose: Duration? = null,
    scheduleToClose: Duration? = null,
    block: LocalActivityOptions.Builder.() -> Unit,
): LocalActivityOptions = LocalActivityOptions.Builder().apply {
    this.startToClose = startToClose
    this.scheduleToClose = scheduleToClose
    block()
}.build()
