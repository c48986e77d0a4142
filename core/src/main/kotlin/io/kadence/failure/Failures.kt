package io.kadence.failure

import io.kadence.history.FailureInfo
import io.kadence.internal.InternalKadenceApi
import kotlin.coroutines.cancellation.CancellationException
import kotlin.time.Duration.Companion.milliseconds

/** Converts between exceptions and their recorded form, [FailureInfo]. */
@InternalKadenceApi
public object Failures {
    private const val MAX_DEPTH = 20

    /** Records [t] (and its causes) as a [FailureInfo]. */
    public fun toInfo(t: Throwable, depth: Int = 0): FailureInfo {
        val cause = t.cause?.takeIf { it !== t && depth < MAX_DEPTH }?.let { toInfo(it, depth + 1) }
        val stack = (t as? KadenceFailure)?.originalStackTrace?.takeIf { it.isNotEmpty() }
            ?: t.stackTrace.take(30).joinToString("\n") { "\tat $it" }
        return when (t) {
            is ApplicationFailure -> FailureInfo(
                message = t.message ?: "", type = t.type, stackTrace = stack, nonRetryable = t.nonRetryable,
                details = t.details, nextRetryDelayMillis = t.nextRetryDelay?.inWholeMilliseconds, cause = cause,
            )
            is ActivityFailure -> FailureInfo(t.message ?: "", t.activityType, FailureInfo.KIND_ACTIVITY, stack, cause = cause,
                activitySeq = t.seq, activityAttempt = t.attempt)
            is ChildWorkflowFailure -> FailureInfo(t.message ?: "", t.workflowType, FailureInfo.KIND_CHILD, stack, cause = cause,
                childWorkflowId = t.workflowId, childRunId = t.runId, childStatus = t.status)
            is TimeoutFailure -> FailureInfo(t.message ?: "", "Timeout", FailureInfo.KIND_TIMEOUT, stack, cause = cause, timeoutType = t.timeoutType)
            is CanceledFailure, is CancellationException ->
                FailureInfo(t.message ?: "canceled", "Canceled", FailureInfo.KIND_CANCELED, stack, cause = cause)
            is TerminatedFailure -> FailureInfo(t.message ?: "", "Terminated", FailureInfo.KIND_TERMINATED, stack)
            is SessionFailedException -> FailureInfo(t.message ?: "", "SessionFailed", FailureInfo.KIND_SESSION, stack, cause = cause,
                sessionId = t.sessionId, hostId = t.hostId)
            is SessionCreationTimeoutException -> FailureInfo(t.message ?: "", "SessionCreationTimeout", FailureInfo.KIND_SESSION, stack,
                missingResources = t.missingResources)
            is InvalidSessionTokenException -> FailureInfo(t.message ?: "", "InvalidSessionToken", FailureInfo.KIND_SESSION, stack)
            else -> FailureInfo(t.message ?: t.javaClass.name, t.javaClass.name, stackTrace = stack, cause = cause)
        }
    }

    /** Rebuilds an exception from its recorded form. */
    public fun fromInfo(info: FailureInfo): KadenceFailure {
        val cause = info.cause?.let { fromInfo(it) }
        val failure = when (info.kind) {
            FailureInfo.KIND_TIMEOUT -> TimeoutFailure(info.message, info.timeoutType ?: "UNKNOWN", cause)
            FailureInfo.KIND_CANCELED -> CanceledFailure(info.message, cause)
            FailureInfo.KIND_TERMINATED -> TerminatedFailure(info.message)
            FailureInfo.KIND_ACTIVITY -> ActivityFailure(info.type, info.activitySeq ?: 0, info.activityAttempt ?: 0, cause)
            FailureInfo.KIND_CHILD -> ChildWorkflowFailure(info.type, info.childWorkflowId ?: "", info.childRunId, info.childStatus ?: "FAILED", cause)
            FailureInfo.KIND_SESSION -> when (info.type) {
                "SessionCreationTimeout" -> SessionCreationTimeoutException(info.missingResources ?: emptyMap(), info.message)
                "InvalidSessionToken" -> InvalidSessionTokenException(info.message)
                else -> SessionFailedException(info.sessionId ?: "", info.hostId ?: "", info.message, cause)
            }
            else -> ApplicationFailure(info.message, info.type, info.nonRetryable, info.details,
                info.nextRetryDelayMillis?.milliseconds, cause)
        }
        failure.originalStackTrace = info.stackTrace
        return failure
    }
}
