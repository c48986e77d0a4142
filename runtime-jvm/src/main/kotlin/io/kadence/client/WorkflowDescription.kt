package io.kadence.client

import java.time.Instant

/** Where a workflow run is in its life. */
public enum class WorkflowStatus { RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW }

/** A snapshot of one run, as `describe()` returns it. */
public data class WorkflowDescription(
    val workflowId: String,
    val runId: String,
    val workflowType: String,
    val taskQueue: String,
    val status: WorkflowStatus,
    val startTime: Instant,
    val closeTime: Instant?,
    /** Number of events in the run's history. */
    val historyLength: Long,
    /** Size of the run's stored history in UTF-8 bytes (limited by `KadenceLimits.maxHistoryBytes`). */
    val historyBytes: Long,
    val pendingActivities: List<PendingActivity>,
    val pendingTimers: List<PendingTimer>,
    /** The last workflow task failure (non-determinism, unregistered type, a bug), if the last task failed. */
    val lastWorkflowTaskFailure: String?,
    /** How many workflow tasks failed in a row. */
    val workflowTaskFailures: Int,
    /** When retention will delete this closed run (close time + the namespace's retention); null while open. */
    val purgeAt: Instant? = null,
)

/** An activity that was scheduled and has not closed yet. */
public data class PendingActivity(
    val seq: Long,
    val activityType: String,
    val attempt: Int,
    /** True while an attempt runs on a worker. */
    val running: Boolean,
    val cancelRequested: Boolean,
    val lastFailure: String?,
    val nextAttemptAt: Instant,
)

/** A durable timer that has not fired yet. */
public data class PendingTimer(val seq: Long, val fireAt: Instant)

/** One run in a listing. */
public data class WorkflowSummary(
    val workflowId: String,
    val runId: String,
    val workflowType: String,
    val status: WorkflowStatus,
    val startTime: Instant,
    val closeTime: Instant?,
)
