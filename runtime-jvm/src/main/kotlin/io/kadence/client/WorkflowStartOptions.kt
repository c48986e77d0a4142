package io.kadence.client

import io.kadence.failure.InvalidArgumentException
import kotlin.time.Duration

/** How to start a workflow run. Build it in the `start(def, input) { id = "…"; taskQueue = "…" }` block. */
@io.kadence.KadenceDsl
public class WorkflowStartOptions {
    /** The workflow id: unique among open runs of the namespace. A new UUID when not set (time-ordered, random below the time). */
    public var id: String? = null

    /** The task queue whose workers run the workflow. */
    public var taskQueue: String = "default"

    /** Makes a retried start idempotent: a start with the same id and request id returns the run already started. */
    public var requestId: String? = null

    /** Limit for the whole workflow; the run is closed as TIMED_OUT when it passes (continue-as-new and retries come later). */
    public var executionTimeout: Duration? = null

    /** Limit for one run; the run is closed as TIMED_OUT when it passes. */
    public var runTimeout: Duration? = null

    /**
     * How long a worker may hold one of this run's workflow tasks before another worker may take it
     * over (Temporal's `workflowTaskTimeout`): the lease of each of the run's tasks, recorded in
     * `WorkflowStarted.taskTimeoutMillis` and carried across continue-as-new and retries. At most
     * [MAX_WORKFLOW_TASK_TIMEOUT] (120 s). Null (the default) leaves it to the worker that takes the
     * task (`WorkerOptions.workflowTaskTimeout`, 10 s by default).
     */
    public var workflowTaskTimeout: Duration? = null

    /**
     * Retries the workflow: when a run fails (or its run timeout passes), a new run of the same
     * workflow id starts after the back-off, with `info.attempt` one higher, until the policy or the
     * execution timeout says stop. Clients waiting for the result follow to the last attempt.
     */
    public var retryPolicy: io.kadence.activity.RetryPolicy? = null

    /** Creates the run now but runs its first workflow task only after this delay (a signal ends the wait early). */
    public var startDelay: Duration? = null

    /** Whether a new run may take a workflow id whose earlier run has closed. */
    public var idReusePolicy: WorkflowIdReusePolicy = WorkflowIdReusePolicy.ALLOW_DUPLICATE

    /** What a start does when a run with this workflow id is still open. */
    public var idConflictPolicy: WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.FAIL

    /** Sets the context value of [key] for the run (a header; see [io.kadence.context.ContextKey]). */
    public fun <T> context(key: io.kadence.context.ContextKey<T>, value: T) {
        headers[key.name] = key.encode(value)
    }

    /** Values propagated to the workflow and its activities. */
    public val headers: MutableMap<String, String> = LinkedHashMap()

    /** Constants of the start options. */
    public companion object {
        /** The longest [workflowTaskTimeout] a start accepts (Temporal's maximum). */
        public val MAX_WORKFLOW_TASK_TIMEOUT: Duration = kotlin.time.Duration.parse("120s")
    }

    internal fun validate() {
        id?.let { Validation.checkId("workflow id", it) }
        Validation.checkId("task queue", taskQueue)
        requestId?.let { Validation.checkId("request id", it, max = 255) }
        executionTimeout?.let { if (!it.isPositive()) throw InvalidArgumentException("executionTimeout must be positive, was $it") }
        runTimeout?.let { if (!it.isPositive()) throw InvalidArgumentException("runTimeout must be positive, was $it") }
        workflowTaskTimeout?.let {
            if (!it.isPositive() || it > MAX_WORKFLOW_TASK_TIMEOUT) {
                throw InvalidArgumentException(
                    "workflowTaskTimeout of workflow '${id ?: "(random id)"}' must be positive and at most $MAX_WORKFLOW_TASK_TIMEOUT, " +
                        "was $it; a workflow task should take milliseconds (move slow work into activities)",
                )
            }
        }
        startDelay?.let { if (it.isNegative()) throw InvalidArgumentException("startDelay must not be negative, was $it") }
    }
}

/** Whether a start may reuse the id of a workflow whose last run has closed (Temporal's names). */
public enum class WorkflowIdReusePolicy {
    /** Always (the default). */
    ALLOW_DUPLICATE,

    /** Only if the last run did not complete successfully (failed, canceled, terminated, timed out). */
    ALLOW_DUPLICATE_FAILED_ONLY,

    /** Never: a workflow id names one run for good. */
    REJECT_DUPLICATE,
}

/** What a start does when a run with its workflow id is still open. */
public enum class WorkflowIdConflictPolicy {
    /** Refuse with [io.kadence.failure.WorkflowAlreadyStartedException] (the default). */
    FAIL,

    /** Return a handle on the open run instead of starting another. */
    USE_EXISTING,

    /** Terminate the open run and start the new one, in one transaction. */
    TERMINATE_EXISTING,
}

internal object Validation {
    const val MAX_ID_LENGTH = io.kadence.internal.Names.MAX_LENGTH

    fun checkId(what: String, value: String, max: Int = MAX_ID_LENGTH) = io.kadence.internal.Names.check(what, value, max)
}
