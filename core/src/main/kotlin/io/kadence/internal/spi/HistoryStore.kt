package io.kadence.internal.spi

import io.kadence.history.EventAttributes
import io.kadence.history.FailureInfo
import io.kadence.history.HistoryEvent
import io.kadence.internal.InternalKadenceApi

/**
 * What the engine needs from a durable store. Every method that changes state is one transaction.
 *
 * Implementors must: append a run's events only when the run's next event id is the one the caller
 * saw (fencing); complete a task only for the lease holder of that attempt, rejecting late or
 * duplicate completions with [io.kadence.failure.StaleTaskException]; create the tasks and timers
 * that follow from appended events in the same transaction as the events; judge lease expiry by
 * the database's clock; and compare visibility and timer times with the `now` the engine passes
 * (the engine's clock, which may be virtual).
 */
@InternalKadenceApi
public interface HistoryStore : AutoCloseable {
    /** Creates a run, its first event and its first workflow task. */
    public fun startWorkflow(request: StartWorkflowRequest): StartResult

    /**
     * Starts a run as [startWorkflow] does and, in the same transaction, commits its first workflow
     * task instead of storing it: [events], computed ahead by a local worker from the run's
     * `WorkflowStarted` alone, which start at event 2. When the start finds a run instead of creating
     * one (a retried request id, the id-conflict policy USE_EXISTING), nothing of [events] is recorded
     * and the result says `created = false`.
     */
    public fun startWorkflowWithTask(
        request: StartWorkflowRequest,
        events: List<HistoryEvent>,
        rejectedUpdates: Map<String, FailureInfo> = emptyMap(),
    ): StartResult

    /** The run [runId], or the current run of [workflowId] when [runId] is null. */
    public fun findRun(namespace: String, workflowId: String, runId: String?): RunRecord?

    /** Events of [runId] from [fromEventId] on, in order, at most [limit] of them. */
    public fun readHistory(runId: String, fromEventId: Long = 1, limit: Int = Int.MAX_VALUE): List<HistoryEvent>

    /** Records a cancel request for the run as an input and schedules a workflow task. */
    public fun requestCancel(namespace: String, workflowId: String, runId: String?, reason: String?, now: Long)

    /** Records a signal for the open run as an input and schedules a workflow task. */
    public fun signal(namespace: String, workflowId: String, runId: String?, name: String, input: String?, now: Long, requestId: String? = null)

    /**
     * Signals the open run of the request's workflow id, or (none open) starts a run whose first
     * input is the signal, in one transaction.
     */
    public fun signalWithStart(request: StartWorkflowRequest, name: String, input: String?): StartResult

    /**
     * Asks the open run for update [updateId]; returns the run id. A second request with the same
     * id changes nothing (the first one's outcome is the answer).
     */
    public fun requestUpdate(namespace: String, workflowId: String, runId: String?, updateId: String, name: String, input: String?, now: Long): String

    /** The outcome of update [updateId] of [runId] so far, or null when it was never requested. */
    public fun updateOutcome(runId: String, updateId: String): UpdateOutcome?

    /** Closes the run at once with a `WorkflowTerminated` event; its tasks and timers are dropped. */
    public fun terminate(namespace: String, workflowId: String, runId: String?, reason: String?, now: Long)

    /**
     * Operator reset: a new run of the workflow whose history starts as a copy of run [runId]'s up to
     * the workflow task boundary [eventId], followed by a `WorkflowReset` input and the signals the
     * old run received after that point. The workflow's open run is terminated. Returns the new run id.
     */
    public fun resetRun(namespace: String, workflowId: String, runId: String?, eventId: Long, reason: String, now: Long): String

    /** Runs in [namespace], newest first, optionally filtered. */
    public fun listRuns(namespace: String, status: RunStatus?, workflowType: String?, limit: Int): List<RunRecord>

    public fun pendingActivities(runId: String): List<PendingActivityRecord>
    public fun pendingTimers(runId: String): List<PendingTimerRecord>

    /** Claims up to [max] visible workflow tasks of [taskQueue], with their run and unconsumed inputs. */
    public fun pollWorkflowTasks(namespace: String, taskQueue: String, owner: String, max: Int, leaseMillis: Long, now: Long): List<WorkflowTaskLease>

    /**
     * Appends [events] (which start at the run's next event id as leased), consumes the inputs up to
     * [consumedInboxSeq], applies what the commands mean (activity tasks, timers, closing the run) and
     * retires the task (or makes it visible again if newer inputs are waiting).
     */
    public fun completeWorkflowTask(
        lease: WorkflowTaskLease,
        events: List<HistoryEvent>,
        consumedInboxSeq: Long,
        now: Long,
        rejectedUpdates: Map<String, FailureInfo> = emptyMap(),
    ): TaskCompletion

    /**
     * Ends activity [lease] with its final [outcome] and, in the same transaction, commits the
     * workflow task that consumed it: [events], computed ahead from the run held in memory, which
     * start with the outcome at the run's next event id. Applies only when nothing else waits for
     * the run (no workflow task, no other input) and the run is at that event id; otherwise only
     * the outcome is recorded, as an input for a normal workflow task, and the result is false.
     * A lease that no longer holds the activity fails with [io.kadence.failure.StaleTaskException].
     */
    public fun completeActivityWithTask(
        lease: ActivityTaskLease,
        outcome: EventAttributes,
        events: List<HistoryEvent>,
        now: Long,
        rejectedUpdates: Map<String, FailureInfo> = emptyMap(),
    ): Boolean

    /**
     * Keeps [lease] for [leaseMillis] more (a task running local activities outlives its lease
     * otherwise). False when the lease is no longer held: it expired and another worker took the task.
     */
    public fun extendWorkflowTaskLease(lease: WorkflowTaskLease, leaseMillis: Long): Boolean

    /** Records a failed workflow task on the run and makes the task visible again at [retryAt]. */
    public fun failWorkflowTask(lease: WorkflowTaskLease, failure: String, retryAt: Long)

    /** Claims up to [max] visible activity tasks of [taskQueue]. */
    public fun pollActivityTasks(namespace: String, taskQueue: String, owner: String, max: Int, now: Long): List<ActivityTaskLease>

    public fun completeActivityTask(lease: ActivityTaskLease, result: String?, now: Long)

    /** A failed attempt: retried at [retryAt], or (null) the final failure delivered to the workflow. */
    public fun failActivityTask(lease: ActivityTaskLease, failure: FailureInfo, retryAt: Long?, now: Long)

    /** The activity acknowledged a cancel request. */
    public fun cancelActivityTask(lease: ActivityTaskLease, now: Long)

    /** Extends the lease and stores [details]; returns true when cancellation was requested. */
    public fun heartbeatActivity(lease: ActivityTaskLease, details: String?): Boolean

    /** Fires timers due at [now]; returns how many fired. */
    public fun fireDueTimers(now: Long, max: Int): Int = fireTimers(dueTimers(now, max), now)

    /** Up to [max] timers due at [now], the earliest first. */
    public fun dueTimers(now: Long, max: Int): List<DueTimer>

    /** Fires [due] (from [dueTimers]); a timer fired or canceled meanwhile is skipped. Returns how many fired. */
    public fun fireTimers(due: List<DueTimer>, now: Long): Int

    /**
     * Fires [timer] and, in the same transaction, commits the workflow task that consumed it:
     * [events], computed ahead from the run held in memory, which start with the `TimerFired` at the
     * run's next event id. Applies only when nothing else waits for the run (no workflow task, no
     * other input) and the run is at that event id; otherwise the timer fires the ordinary way, as
     * an input for a normal workflow task. See [TimerFiring].
     */
    public fun fireTimerWithTask(
        timer: DueTimer,
        events: List<HistoryEvent>,
        now: Long,
        rejectedUpdates: Map<String, FailureInfo> = emptyMap(),
    ): TimerFiring

    /** Times out activity attempts whose lease expired and activities past their deadlines; returns how many. */
    public fun expireActivities(now: Long, max: Int): Int

    /** Earliest future time (> [now]) at which a timer fires or a task becomes visible, for the virtual clock. */
    public fun nextWakeTime(now: Long): Long?

    /**
     * True when a timer is due at [now], or a task of [namespace] is visible and unleased at [now] on one of
     * [workflowQueues] / [activityQueues] (the queues this process polls). Tasks on queues nobody here polls
     * must not count: they would hold a virtual clock back forever.
     */
    public fun hasRunnableTasks(now: Long, namespace: String, workflowQueues: Set<String>, activityQueues: Set<String>): Boolean

    /** Earliest due time of any timer, or null. */
    public fun nextTimerDue(): Long?

    /** Hosts and the session scheduler. */
    public val sessions: SessionStore

    /** Schedules and their scheduler. */
    public val schedules: ScheduleStore

    /** Makes sure [namespace] exists; sets its retention and limits when given. Returns its settings. */
    public fun ensureNamespace(namespace: String, retentionMillis: Long?, limits: io.kadence.NamespaceLimits?, now: Long): NamespaceSettings

    /** How long closed runs of [namespace] are kept, or null if it does not exist. */
    public fun retentionOf(namespace: String): Long?

    /**
     * Looks at the next [max] runs of [namespace] closed longer ago than its retention, in (close time,
     * run id) order after [after] (from the start when null), and deletes each in a transaction of its
     * own after [export] (if given) received its history. A run whose export throws is kept and passed
     * over (a later pass, starting from the beginning again, retries it), so it never holds up the
     * runs behind it. Pass the returned [PurgeBatch.next] to continue the pass.
     */
    public fun purgeClosedRuns(
        namespace: String,
        now: Long,
        max: Int,
        after: PurgeCursor?,
        export: ((RunRecord, List<io.kadence.history.HistoryEvent>) -> Unit)?,
    ): PurgeBatch

    /** Receives wake-up hints after commits. */
    public var listener: StoreListener

    /** Local workers that take tasks straight from the transaction that creates them (eager dispatch). */
    public var eagerDispatch: EagerDispatch
}

/**
 * Eager dispatch: a store that creates a runnable task asks for a free slot of a worker in this
 * process polling that queue; if it gets one, it stores the task already leased to that worker and
 * hands it over after the commit, which saves the claim transaction and the poll's latency. A
 * slot that is not used (the transaction rolled back) is released. Leases, fencing and expiry are
 * the same as for polled tasks, so correctness never depends on it.
 */
@InternalKadenceApi
public interface EagerDispatch {
    /** A free slot of a local worker of [taskQueue] for a workflow task of run [runId], or null. */
    public fun reserveWorkflowTask(namespace: String, taskQueue: String, runId: String): EagerSlot<WorkflowTaskLease>? = null

    /** A free slot of a local worker of [taskQueue] for an activity task, or null. */
    public fun reserveActivityTask(namespace: String, taskQueue: String): EagerSlot<ActivityTaskLease>? = null

    public companion object {
        public val NONE: EagerDispatch = object : EagerDispatch {}
    }
}

/** A reserved place in a local worker: exactly one of [deliver] (after commit) or [release] is called. */
@InternalKadenceApi
public interface EagerSlot<T> {
    /** The lease owner to store on the task. */
    public val owner: String

    /** How long a workflow task's lease lasts (activities derive theirs from their options). */
    public val leaseMillis: Long

    public fun deliver(task: T)
    public fun release()
}

/** Wake-up hints a store gives after a commit. Hints only: correctness never depends on them. */
@InternalKadenceApi
public interface StoreListener {
    public fun workflowTaskReady(namespace: String, taskQueue: String) {}
    public fun activityTaskReady(namespace: String, taskQueue: String) {}
    public fun timerScheduled(fireAt: Long) {}
    public fun runClosed(runId: String) {}

    /** A host of [taskQueue] has room again (a session ended, a host registered): waiting requests may fit. */
    public fun sessionCapacityFreed(namespace: String, taskQueue: String) {}

    public companion object {
        public val NONE: StoreListener = object : StoreListener {}
    }
}

@InternalKadenceApi
public data class StartWorkflowRequest(
    val namespace: String,
    val workflowId: String,
    val workflowType: String,
    val taskQueue: String,
    val runId: String,
    val requestId: String?,
    val started: EventAttributes,
    val now: Long,
    /** What to do when a closed run has this workflow id: ALLOW_DUPLICATE, ALLOW_DUPLICATE_FAILED_ONLY, REJECT_DUPLICATE. */
    val idReusePolicy: String = "ALLOW_DUPLICATE",
    /** What to do when an open run has this workflow id: FAIL, USE_EXISTING, TERMINATE_EXISTING. */
    val idConflictPolicy: String = "FAIL",
)

/** What became of a workflow task's completion. */
@InternalKadenceApi
public enum class TaskCompletion {
    /** Committed. */
    COMMITTED,

    /**
     * Not committed: the task would have closed the run, but inputs (signals) arrived while it ran.
     * The task is visible again; the run must be rebuilt from history so its code sees them.
     */
    NEWER_INPUTS,
}

@InternalKadenceApi
public data class UpdateOutcome(val status: String, val result: String?, val failure: FailureInfo?) {
    val isFinal: Boolean get() = status == "COMPLETED" || status == "FAILED" || status == "REJECTED"
}

/** Where a retention pass has got to: the last run it looked at, in (close time, run id) order. */
@InternalKadenceApi
public data class PurgeCursor(val closeTime: Long, val runId: String)

/** What one batch of [HistoryStore.purgeClosedRuns] did. */
@InternalKadenceApi
public data class PurgeBatch(
    /** Runs deleted. */
    val purged: Int,
    /** Run ids kept because their export threw; a later pass tries them again. */
    val exportFailed: List<String>,
    /** Where the next batch of this pass starts, or null when no expired run is left behind this one. */
    val next: PurgeCursor?,
)

@InternalKadenceApi
public data class StartResult(val runId: String, val created: Boolean)

@InternalKadenceApi
public enum class RunStatus { RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW }

@InternalKadenceApi
public data class RunRecord(
    val namespace: String,
    val runId: String,
    val workflowId: String,
    val workflowType: String,
    val taskQueue: String,
    val status: RunStatus,
    val result: String?,
    val failure: FailureInfo?,
    val nextEventId: Long,
    val startTime: Long,
    val closeTime: Long?,
    val taskFailure: String?,
    val taskFailureCount: Int,
    /** UTF-8 bytes of the run's stored event bodies (the history-size limit's measure). */
    val historyBytes: Long = 0,
    /** The run's workflow task timeout (the lease of its tasks); null: the worker's. */
    val taskTimeoutMillis: Long? = null,
)

@InternalKadenceApi
public data class InboxItem(val seq: Long, val attributes: EventAttributes)

@InternalKadenceApi
public data class WorkflowTaskLease(
    val run: RunRecord,
    val token: Long,
    val owner: String,
    val inbox: List<InboxItem>,
    /** The run's whole history when the store has it at hand (a run it has just started); null: read it. */
    val history: List<io.kadence.history.HistoryEvent>? = null,
    /** When the task became due (its visible time) on the engine clock: the start of its wait. Null when unknown, or for a task taken over from an expired lease (its lateness is the crash's, not a queue's). */
    val readyAt: Long? = null,
)

@InternalKadenceApi
public data class ActivityTaskLease(
    val taskId: Long,
    val namespace: String,
    val runId: String,
    val workflowId: String,
    val workflowType: String,
    val seq: Long,
    val activityType: String,
    val taskQueue: String,
    val input: String?,
    val options: io.kadence.history.ActivityTaskOptions,
    val headers: Map<String, String>,
    val attempt: Int,
    val heartbeatDetails: String?,
    val scheduleToCloseDeadline: Long?,
    val owner: String,
)

@InternalKadenceApi
public data class PendingActivityRecord(
    val seq: Long,
    val activityType: String,
    val attempt: Int,
    val running: Boolean,
    val cancelRequested: Boolean,
    val lastFailure: FailureInfo?,
    val nextAttemptAt: Long,
)

@InternalKadenceApi
public data class PendingTimerRecord(val seq: Long, val fireAt: Long)

/** A due timer: run [runId]'s timer [seq], due at [fireAt]; [isRunTimeout] for the engine's run-timeout timer. */
public data class DueTimer(val runId: String, val seq: Long, val fireAt: Long, val isRunTimeout: Boolean)

/** How [HistoryStore.fireTimerWithTask] ended. */
public enum class TimerFiring {
    /** Fired, with the task computed ahead committed. */
    FUSED,

    /** Fired the ordinary way (other work waits for the run, or it moved on): the task computed ahead is void. */
    FIRED,

    /** Not fired here: the timer was fired or canceled meanwhile, or the run is closed. */
    GONE,
}

/** A namespace's stored settings. */
@InternalKadenceApi
public data class NamespaceSettings(val retentionMillis: Long, val limits: io.kadence.NamespaceLimits?)
