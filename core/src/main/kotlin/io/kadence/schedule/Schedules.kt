package io.kadence.schedule

import kotlinx.serialization.Serializable

/** What a schedule does with an action whose time comes while the run of its previous action is still open. */
public enum class OverlapPolicy {
    /** Drop the new action (the default). */
    SKIP,
    /** Keep one action waiting for the open run to close; drop any more. */
    BUFFER_ONE,
    /** Keep every action waiting, and run them one after another. */
    BUFFER_ALL,
    /** Ask the open run to cancel, and start the new action once it has closed. */
    CANCEL_OTHER,
    /** Terminate the open run and start the new action at once. */
    TERMINATE_OTHER,
    /** Start the new action alongside the open run. */
    ALLOW_ALL,
}

/**
 * How a schedule acts: its [overlap] policy, and the catch-up window — after downtime, missed
 * actions whose nominal time is within [catchupWindowMillis] of now still run; older ones are
 * counted as missed (default: one year, as Temporal).
 */
@Serializable
public data class SchedulePolicies(
    val overlap: OverlapPolicy = OverlapPolicy.SKIP,
    val catchupWindowMillis: Long = 365L * 24 * 3600 * 1000,
) {
    init {
        if (catchupWindowMillis < 0) throw io.kadence.failure.InvalidArgumentException("the catch-up window must not be negative")
    }
}

/** The workflow a schedule starts: its type, task queue, encoded input and timeouts. */
@Serializable
public data class ScheduleWorkflowAction(
    val workflowType: String,
    val taskQueue: String,
    val input: String?,
    val executionTimeoutMillis: Long? = null,
    val runTimeoutMillis: Long? = null,
)

/** One action a schedule took (or skipped): its nominal time, when it was taken, and the run it started. */
@Serializable
public data class ScheduleActionRecord(
    val nominalTimeMillis: Long,
    val takenAtMillis: Long,
    /** `scheduled`, `trigger` or `backfill`. */
    val source: String,
    /** The workflow started, or null when the action was skipped (overlap). */
    val workflowId: String?,
    val runId: String?,
)

/** An action waiting to run: its nominal time, the overlap policy it applies, and where it came from. */
@Serializable
public data class PendingScheduleAction(val nominalTimeMillis: Long, val overlap: OverlapPolicy, val source: String)

/** A schedule's changing state, stored with it. */
@Serializable
public data class ScheduleState(
    val buffer: List<PendingScheduleAction> = emptyList(),
    val recent: List<ScheduleActionRecord> = emptyList(),
    val lastWorkflowId: String? = null,
    val cancelRequestedFor: String? = null,
    val actions: Long = 0,
    val missedCatchupWindow: Long = 0,
    val overlapSkipped: Long = 0,
)

/** The header names of the schedule id and nominal time on the runs a schedule starts. */
public object ScheduleHeaders {
    /** The schedule's id, as a JSON string. */
    public const val SCHEDULE_ID: String = "kadence.scheduleId"

    /** The action's nominal time, as a JSON string (ISO-8601). */
    public const val NOMINAL_TIME: String = "kadence.scheduledTime"
}
