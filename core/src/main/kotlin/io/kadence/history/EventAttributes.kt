package io.kadence.history

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable

/**
 * What a [HistoryEvent] records. Events are of two kinds: *inputs* that reach the run from outside
 * (its start, an activity's outcome, a fired timer, a cancel request), and *commands* that the
 * workflow code produced during a workflow task ([CommandAttributes]). Every workflow task is
 * recorded as the inputs it consumed, a [WorkflowTaskCompleted], then the commands it produced.
 */
@Serializable
public sealed class EventAttributes {
    /** A short human-readable description, used in error messages and `toString`. */
    public abstract fun describe(): String
}

/** Attributes of an event that a workflow task *produced*; replay matches them against the code. */
@Serializable
public sealed class CommandAttributes : EventAttributes() {
    /** The command's sequence number inside its run (0 for commands that close the run). */
    public abstract val seq: Long
}

/** Event 1 of every run: what the run was started with (type, id, queue, input, timeouts, headers, attempt, run id). */
@Serializable @SerialName("WorkflowStarted")
public data class WorkflowStarted(
    val workflowType: String,
    val workflowId: String,
    val taskQueue: String,
    val input: String?,
    val namespace: String = "default",
    val executionTimeoutMillis: Long? = null,
    val runTimeoutMillis: Long? = null,
    val taskTimeoutMillis: Long? = null,
    val headers: Map<String, String> = emptyMap(),
    val attempt: Int = 1,
    /** The run's id, so an exported history replays with the same `info.runId`, `random` and `uuid()`. */
    val runId: String? = null,
    /** The run this one continues (continue-as-new), if any. */
    val continuedFromRunId: String? = null,
    /** When the whole workflow (all its continued runs) times out, for runs after the first. */
    val executionExpiresAtMillis: Long? = null,
    /** The workflow's retry policy: a failed run is followed by a new run (attempt + 1) after the back-off. */
    val retryPolicy: RecordedRetryPolicy? = null,
    /** How long after the start the first workflow task became due (start delay, or a retry's back-off). */
    val firstTaskDelayMillis: Long? = null,
    /** For a child workflow: its parent's workflow id and run id. */
    val parentWorkflowId: String? = null,
    val parentRunId: String? = null,
) : EventAttributes() {
    override fun describe(): String = "WorkflowStarted '$workflowType'"
}

/** Marks a workflow task boundary: the inputs before it were applied, the commands after it were produced. */
@Serializable @SerialName("WorkflowTaskCompleted")
public data class WorkflowTaskCompleted(val workerId: String = "") : EventAttributes() {
    override fun describe(): String = "WorkflowTaskCompleted"
}

/** A client asked the run to cancel; its code sees the cancellation. */
@Serializable @SerialName("WorkflowCancelRequested")
public data class WorkflowCancelRequested(val reason: String? = null) : EventAttributes() {
    override fun describe(): String = "WorkflowCancelRequested"
}

/** A signal sent to the run: [name] and its encoded argument. */
@Serializable @SerialName("WorkflowSignaled")
public data class WorkflowSignaled(val name: String, val input: String?) : EventAttributes() {
    override fun describe(): String = "WorkflowSignaled '$name'"
}

/**
 * An update a client asked for. It waits in the run's inbox and never enters history itself: the
 * workflow task validates it and records [WorkflowUpdateAccepted], or rejects it without a trace.
 */
@Serializable @SerialName("UpdateRequested")
public data class UpdateRequested(val updateId: String, val name: String, val input: String?) : EventAttributes() {
    override fun describe(): String = "UpdateRequested '$name' ($updateId)"
}

/** An update that passed its validator; its handler runs from here. */
@Serializable @SerialName("WorkflowUpdateAccepted")
public data class WorkflowUpdateAccepted(val updateId: String, val name: String, val input: String?) : EventAttributes() {
    override fun describe(): String = "WorkflowUpdateAccepted '$name' ($updateId)"
}

/** The update handler's outcome: a [result] or a [failure]. */
@Serializable @SerialName("WorkflowUpdateCompleted")
public data class WorkflowUpdateCompleted(val updateId: String, val result: String? = null, val failure: FailureInfo? = null) : CommandAttributes() {
    override val seq: Long get() = 0
    override fun describe(): String = "WorkflowUpdateCompleted ($updateId)"
}

/** Workflow code scheduled activity [seq] of [activityType] on [taskQueue] with [input] and [options]. */
@Serializable @SerialName("ActivityScheduled")
public data class ActivityScheduled(
    override val seq: Long,
    val activityType: String,
    val taskQueue: String,
    val input: String?,
    val options: ActivityTaskOptions,
    val headers: Map<String, String> = emptyMap(),
    /** The session this activity runs in (then [taskQueue] is its host's own queue), or null. */
    val sessionId: String? = null,
) : CommandAttributes() {
    override fun describe(): String = "ActivityScheduled '$activityType' (seq $seq)"
}

/** The timeouts and retry policy of a scheduled activity, as recorded. Durations in milliseconds. */
@Serializable
public data class ActivityTaskOptions(
    val scheduleToStartMillis: Long? = null,
    val startToCloseMillis: Long? = null,
    val scheduleToCloseMillis: Long? = null,
    val heartbeatMillis: Long? = null,
    val retry: RecordedRetryPolicy = RecordedRetryPolicy(),
    val cancellationType: String = "TRY_CANCEL",
)

/** A retry policy as recorded in history. */
@Serializable
public data class RecordedRetryPolicy(
    val initialIntervalMillis: Long = 1_000,
    val backoffCoefficient: Double = 2.0,
    val maximumIntervalMillis: Long? = null,
    val maximumAttempts: Int = 0,
    val nonRetryableErrorTypes: List<String> = emptyList(),
)

/** Activity [seq] completed with [result] on [attempt]. */
@Serializable @SerialName("ActivityCompleted")
public data class ActivityCompleted(val seq: Long, val result: String?, val attempt: Int) : EventAttributes() {
    override fun describe(): String = "ActivityCompleted (seq $seq)"
}

/** Activity [seq] failed for good (after its retries) with [failure] on [attempt]. */
@Serializable @SerialName("ActivityFailed")
public data class ActivityFailed(val seq: Long, val failure: FailureInfo, val attempt: Int) : EventAttributes() {
    override fun describe(): String = "ActivityFailed (seq $seq): ${failure.message}"
}

/** Workflow code asked to cancel activity [seq]. */
@Serializable @SerialName("ActivityCancelRequested")
public data class ActivityCancelRequested(override val seq: Long) : CommandAttributes() {
    override fun describe(): String = "ActivityCancelRequested (seq $seq)"
}

/** Activity [seq] was canceled. */
@Serializable @SerialName("ActivityCanceled")
public data class ActivityCanceled(val seq: Long, val details: String? = null) : EventAttributes() {
    override fun describe(): String = "ActivityCanceled (seq $seq)"
}

/** Workflow code started durable timer [seq] of [durationMillis], due at [fireAtMillis]. */
@Serializable @SerialName("TimerStarted")
public data class TimerStarted(override val seq: Long, val durationMillis: Long, val fireAtMillis: Long) : CommandAttributes() {
    override fun describe(): String = "TimerStarted ${durationMillis}ms (seq $seq)"
}

/** Timer [seq] fired. */
@Serializable @SerialName("TimerFired")
public data class TimerFired(val seq: Long) : EventAttributes() {
    override fun describe(): String = "TimerFired (seq $seq)"
}

/** Workflow code canceled timer [seq]. */
@Serializable @SerialName("TimerCanceled")
public data class TimerCanceled(override val seq: Long) : CommandAttributes() {
    override fun describe(): String = "TimerCanceled (seq $seq)"
}

/** A side effect, mutable side effect or version ([kind]) recorded [value] under [name]. */
@Serializable @SerialName("MarkerRecorded")
public data class MarkerRecorded(override val seq: Long, val kind: String, val name: String, val value: String?) : CommandAttributes() {
    override fun describe(): String = "MarkerRecorded $kind '$name' (seq $seq)"
}

/**
 * A local activity ran inside the workflow worker during the task that records this: its result,
 * or its [failure] after the attempts it made in process. [backoffMillis] set means the failure is
 * retried after a durable timer of that length (the back-off was too long to wait in the task).
 * Replay takes the outcome from here and never runs the activity again.
 */
@Serializable @SerialName("LocalActivityRecorded")
public data class LocalActivityRecorded(
    override val seq: Long,
    val activityType: String,
    val result: String?,
    val failure: FailureInfo? = null,
    val attempt: Int = 1,
    val backoffMillis: Long? = null,
) : CommandAttributes() {
    override fun describe(): String = "LocalActivityRecorded '$activityType' (seq $seq)"
}

/** The run completed with [result]. */
@Serializable @SerialName("WorkflowCompleted")
public data class WorkflowCompleted(val result: String?) : CommandAttributes() {
    override val seq: Long get() = 0
    override fun describe(): String = "WorkflowCompleted"
}

/** The run failed with [failure]. */
@Serializable @SerialName("WorkflowFailed")
public data class WorkflowFailed(val failure: FailureInfo) : CommandAttributes() {
    override val seq: Long get() = 0
    override fun describe(): String = "WorkflowFailed: ${failure.message}"
}

/** The run ended canceled. */
@Serializable @SerialName("WorkflowCanceled")
public data class WorkflowCanceled(val details: String? = null) : CommandAttributes() {
    override val seq: Long get() = 0
    override fun describe(): String = "WorkflowCanceled"
}

/**
 * The run ended by continuing as a new run of the same workflow id: [newRunId] starts in the same
 * transaction with [input]. [signals] are signals this run received but its code never read; they
 * are the new run's first inputs, so none is lost across the hand-over.
 */
@Serializable @SerialName("WorkflowContinuedAsNew")
public data class WorkflowContinuedAsNew(
    val newRunId: String,
    val workflowType: String,
    val taskQueue: String,
    val input: String?,
    val signals: List<WorkflowSignaled> = emptyList(),
) : CommandAttributes() {
    override val seq: Long get() = 0
    override fun describe(): String = "WorkflowContinuedAsNew '$workflowType' as run $newRunId"
}

/** The parent asked for a child workflow; the store starts it in the same transaction. */
@Serializable @SerialName("ChildWorkflowScheduled")
public data class ChildWorkflowScheduled(
    override val seq: Long,
    val workflowType: String,
    val workflowId: String,
    val taskQueue: String,
    val input: String?,
    val executionTimeoutMillis: Long? = null,
    val runTimeoutMillis: Long? = null,
    val parentClosePolicy: String = "TERMINATE",
    val headers: Map<String, String> = emptyMap(),
) : CommandAttributes() {
    override fun describe(): String = "ChildWorkflowScheduled '$workflowType' id '$workflowId' (seq $seq)"
}

/** The child started as run [runId]. */
@Serializable @SerialName("ChildWorkflowStarted")
public data class ChildWorkflowStarted(val seq: Long, val runId: String) : EventAttributes() {
    override fun describe(): String = "ChildWorkflowStarted (seq $seq) run $runId"
}

/** The child could not start (its workflow id is taken by an open run). */
@Serializable @SerialName("ChildWorkflowStartFailed")
public data class ChildWorkflowStartFailed(val seq: Long, val failure: FailureInfo) : EventAttributes() {
    override fun describe(): String = "ChildWorkflowStartFailed (seq $seq): ${failure.message}"
}

/** The child's last run closed: [status] COMPLETED with [result], or anything else with [failure]. */
@Serializable @SerialName("ChildWorkflowClosed")
public data class ChildWorkflowClosed(
    val seq: Long,
    val runId: String,
    val status: String,
    val result: String? = null,
    val failure: FailureInfo? = null,
) : EventAttributes() {
    override fun describe(): String = "ChildWorkflowClosed (seq $seq) $status"
}

/** The parent stopped waiting for the child and asked it to cancel. */
@Serializable @SerialName("ChildWorkflowCancelRequested")
public data class ChildWorkflowCancelRequested(override val seq: Long) : CommandAttributes() {
    override fun describe(): String = "ChildWorkflowCancelRequested (seq $seq)"
}

/** True for the commands that close a run: completed, failed, canceled, continued as new. */
public fun CommandAttributes.closesRun(): Boolean =
    this is WorkflowCompleted || this is WorkflowFailed || this is WorkflowCanceled || this is WorkflowContinuedAsNew

/**
 * The first input of a run made by an operator's reset: its history up to [resetEventId] is a copy
 * of run [baseRunId]'s; what follows is new.
 */
@Serializable @SerialName("WorkflowReset")
public data class WorkflowReset(val baseRunId: String, val resetEventId: Long, val reason: String) : EventAttributes() {
    override fun describe(): String = "WorkflowReset from run $baseRunId at event $resetEventId: $reason"
}

/** Written by an operator's terminate; the run closes without running any more workflow code. */
@Serializable @SerialName("WorkflowTerminated")
public data class WorkflowTerminated(val reason: String?) : EventAttributes() {
    override fun describe(): String = "WorkflowTerminated: $reason"
}

/** Written by the engine when the run's run timeout or execution timeout passed; no workflow code runs after it. */
@Serializable @SerialName("WorkflowTimedOut")
public data class WorkflowTimedOut(val timeoutType: String) : EventAttributes() {
    override fun describe(): String = "WorkflowTimedOut ($timeoutType)"
}

/**
 * A failure as it crosses the boundary between activities, workflows and clients: the original
 * exception's [type] (class name or application type), [message], stack trace, optional
 * [details] payload, and its [cause], recursively.
 */
@Serializable
public data class FailureInfo(
    val message: String,
    val type: String,
    val kind: String = KIND_APPLICATION,
    val stackTrace: String = "",
    val nonRetryable: Boolean = false,
    val details: String? = null,
    val nextRetryDelayMillis: Long? = null,
    val cause: FailureInfo? = null,
    val timeoutType: String? = null,
    /** For an activity failure ([KIND_ACTIVITY]): the activity's sequence number and its last attempt. */
    val activitySeq: Long? = null,
    val activityAttempt: Int? = null,
    /** For a child workflow failure ([KIND_CHILD]): the child's ids and how it closed. */
    val childWorkflowId: String? = null,
    val childRunId: String? = null,
    val childStatus: String? = null,
    /** For a session failure ([KIND_SESSION]): the session, its host, and the resources no host could give. */
    val sessionId: String? = null,
    val hostId: String? = null,
    val missingResources: Map<String, Int>? = null,
) {
    /** Failure kinds. */
    public companion object {
        /** An ApplicationFailure. */
        public const val KIND_APPLICATION: String = "application"
        /** A TimeoutFailure. */
        public const val KIND_TIMEOUT: String = "timeout"
        /** A CanceledFailure. */
        public const val KIND_CANCELED: String = "canceled"
        /** A TerminatedFailure. */
        public const val KIND_TERMINATED: String = "terminated"
        /** An ActivityFailure. */
        public const val KIND_ACTIVITY: String = "activity"
        /** A ChildWorkflowFailure. */
        public const val KIND_CHILD: String = "child"
        /** A session failure (failed, creation timeout, bad token). */
        public const val KIND_SESSION: String = "session"
    }
}
