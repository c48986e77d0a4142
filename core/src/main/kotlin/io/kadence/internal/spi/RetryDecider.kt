package io.kadence.internal.spi

import io.kadence.history.FailureInfo
import io.kadence.history.RecordedRetryPolicy
import io.kadence.internal.InternalKadenceApi
import kotlin.math.min
import kotlin.math.pow

/** Applies a retry policy to a failed attempt. */
@InternalKadenceApi
public object RetryDecider {
    /**
     * When to run the next attempt after attempt number [attempt] failed with [failure] at [now],
     * or null when it must not be retried (non-retryable, attempts exhausted, or past [deadline]).
     */
    public fun nextAttemptAt(policy: RecordedRetryPolicy, attempt: Int, failure: FailureInfo?, now: Long, deadline: Long?): Long? {
        if (failure != null && (failure.nonRetryable || failure.type in policy.nonRetryableErrorTypes)) return null
        if (policy.maximumAttempts in 1..attempt) return null
        val delay = failure?.nextRetryDelayMillis ?: backoff(policy, attempt)
        val at = now + delay
        if (deadline != null && at >= deadline) return null
        return at
    }

    /** The interval before the retry that follows attempt number [attempt] (1-based). */
    public fun backoff(policy: RecordedRetryPolicy, attempt: Int): Long {
        val max = policy.maximumIntervalMillis ?: (policy.initialIntervalMillis * 100)
        val raw = policy.initialIntervalMillis * policy.backoffCoefficient.pow((attempt - 1).coerceAtMost(62))
        return min(raw, max.toDouble()).toLong()
    }
}
