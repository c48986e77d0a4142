package io.kadence.failure

/**
 * A failure that crosses the boundary between an activity, a workflow and a client. The cause
 * chain, the original type name and the details survive the trip through the history store.
 *
 * What a workflow sees when an activity fails is an [ActivityFailure] whose cause is the
 * activity's own failure ([ApplicationFailure], [TimeoutFailure] or [CanceledFailure]).
 */
public sealed class KadenceFailure(message: String, cause: Throwable?) : RuntimeException(message, cause) {
    /** Stack trace text recorded where the failure was first raised, possibly in another process. */
    public var originalStackTrace: String = ""
        internal set
}

/**
 * A failure raised by application code. Throw it (or any exception, which becomes one) from an
 * activity or a workflow. [type] names the error for retry policies (`nonRetryableErrorTypes`); by
 * default it is the class name of the exception it was made from.
 */
public class ApplicationFailure(
    message: String,
    public val type: String,
    /** True: never retried, whatever the retry policy says. */
    public val nonRetryable: Boolean = false,
    /** Encoded details payload, decoded by the caller with the data converter. */
    public val details: String? = null,
    /** Overrides the retry policy's next interval for this failure. */
    @get:JvmSynthetic public val nextRetryDelay: kotlin.time.Duration? = null,
    cause: Throwable? = null,
) : KadenceFailure(message, cause) {
    /** [nextRetryDelay] as a `java.time.Duration` (null: the retry policy decides): Java's `getNextRetryDelay()`. */
    @get:JvmName("getNextRetryDelay")
    public val javaNextRetryDelay: java.time.Duration? get() = nextRetryDelay?.let { java.time.Duration.ofNanos(it.inWholeNanoseconds) }

    /** Factories, for Java. */
    public companion object {
        /** A retryable failure of the given [type]. */
        @JvmStatic public fun newFailure(message: String, type: String): ApplicationFailure =
            ApplicationFailure(message, type)

        /** A failure that is never retried, whatever the retry policy says. */
        @JvmStatic public fun newNonRetryableFailure(message: String, type: String): ApplicationFailure =
            ApplicationFailure(message, type, nonRetryable = true)

        /** A retryable failure of the given [type] caused by [cause] (for Java). */
        @JvmStatic public fun newFailureWithCause(message: String, type: String, cause: Throwable?): ApplicationFailure =
            ApplicationFailure(message, type, cause = cause)

        /** A non-retryable failure caused by [cause] (for Java). */
        @JvmStatic public fun newNonRetryableFailureWithCause(message: String, type: String, cause: Throwable?): ApplicationFailure =
            ApplicationFailure(message, type, nonRetryable = true, cause = cause)

        /** A retryable failure whose next attempt comes after [nextRetryDelay] instead of the policy's interval (for Java). */
        @JvmStatic public fun newFailureWithDelay(message: String, type: String, nextRetryDelay: java.time.Duration): ApplicationFailure =
            ApplicationFailure(message, type, nextRetryDelay = kotlin.time.Duration.parseIsoString(nextRetryDelay.toString()))
    }
}

/** An activity's final failure (after its retries), as seen by the workflow that called it. */
public class ActivityFailure(
    public val activityType: String,
    public val seq: Long,
    public val attempt: Int,
    cause: Throwable?,
) : KadenceFailure("activity '$activityType' (seq $seq) failed after attempt $attempt: ${cause?.message}", cause)

/** A timeout: of an activity (which one is in [timeoutType]) or of a workflow. */
public class TimeoutFailure(
    message: String,
    public val timeoutType: String,
    cause: Throwable? = null,
) : KadenceFailure(message, cause)

/** Something was canceled: an activity, a timer, a child, or the workflow itself. */
public class CanceledFailure(message: String, cause: Throwable? = null) : KadenceFailure(message, cause)

/** The workflow was terminated by an operator; no workflow code ran after it. */
public class TerminatedFailure(message: String) : KadenceFailure(message, null)

/**
 * A child workflow did not complete: it failed, was canceled, terminated or timed out ([status]),
 * or could not start ([runId] null). The cause says why.
 */
public class ChildWorkflowFailure(
    public val workflowType: String,
    public val workflowId: String,
    public val runId: String?,
    public val status: String,
    cause: Throwable?,
) : KadenceFailure(
    "child workflow '$workflowId' (type '$workflowType'${runId?.let { ", run $it" } ?: ""}) ${status.lowercase().replace('_', ' ')}: ${cause?.message}",
    cause,
)
