package io.kadence.activity

import io.kadence.failure.InvalidArgumentException
import io.kadence.history.RecordedRetryPolicy
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * How a failed activity is retried: the first retry waits [initialInterval], each next one
 * [backoffCoefficient] times longer, capped at [maximumInterval] (default 100 × initial). Zero
 * [maximumAttempts] means unlimited. Failures whose type is in [nonRetryableErrorTypes] (or that
 * are marked non-retryable) are not retried. A failure's own `nextRetryDelay` overrides the interval.
 */
public data class RetryPolicy(
    val initialInterval: Duration = 1.seconds,
    val backoffCoefficient: Double = 2.0,
    val maximumInterval: Duration? = null,
    val maximumAttempts: Int = 0,
    val nonRetryableErrorTypes: List<String> = emptyList(),
) {
    init {
        if (!initialInterval.isPositive()) throw InvalidArgumentException("retry initialInterval must be positive, was $initialInterval")
        if (backoffCoefficient < 1.0) throw InvalidArgumentException("retry backoffCoefficient must be >= 1, was $backoffCoefficient")
        if (maximumAttempts < 0) throw InvalidArgumentException("retry maximumAttempts must be >= 0 (0 = unlimited), was $maximumAttempts")
        if (maximumInterval != null && maximumInterval < initialInterval)
            throw InvalidArgumentException("retry maximumInterval ($maximumInterval) is shorter than initialInterval ($initialInterval)")
    }

    /** Builder-style mutable twin, for `retry { maximumAttempts = 3 }`. */
    @io.kadence.KadenceDsl
    public class Builder(from: RetryPolicy = RetryPolicy()) {
        /** The first retry interval. */
        public var initialInterval: Duration = from.initialInterval
        /** Each interval is the previous one times this. */
        public var backoffCoefficient: Double = from.backoffCoefficient
        /** The longest interval between attempts. */
        public var maximumInterval: Duration? = from.maximumInterval
        /** Attempts in all; 0 = unlimited. */
        public var maximumAttempts: Int = from.maximumAttempts
        /** Failure types that are never retried. */
        public var nonRetryableErrorTypes: List<String> = from.nonRetryableErrorTypes
        /** The policy, validated. */
        public fun build(): RetryPolicy =
            RetryPolicy(initialInterval, backoffCoefficient, maximumInterval, maximumAttempts, nonRetryableErrorTypes)
    }

    @io.kadence.internal.InternalKadenceApi
    public fun toRecorded(): RecordedRetryPolicy = RecordedRetryPolicy(
        initialInterval.inWholeMilliseconds, backoffCoefficient, maximumInterval?.inWholeMilliseconds,
        maximumAttempts, nonRetryableErrorTypes,
    )

    /** Defaults. */
    public companion object {
        /** Retries nothing: one attempt. */
        @JvmField public val NO_RETRY: RetryPolicy = RetryPolicy(maximumAttempts = 1)

        internal fun fromRecorded(r: RecordedRetryPolicy): RetryPolicy = RetryPolicy(
            r.initialIntervalMillis.milliseconds, r.backoffCoefficient, r.maximumIntervalMillis?.milliseconds,
            r.maximumAttempts, r.nonRetryableErrorTypes,
        )
    }
}
