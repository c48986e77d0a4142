package io.kadence.failure

/**
 * Base of errors that Kadence raises to the code that called it (a client, a worker, a store):
 * each says what happened, to which workflow or activity, and what to do about it.
 */
public open class KadenceException(message: String, cause: Throwable? = null) : RuntimeException(message, cause)

/**
 * A start was refused because of the run that already has this workflow id: it is still running
 * (id-conflict policy FAIL), or it closed and the id-reuse policy forbids another run.
 */
public class WorkflowAlreadyStartedException(
    public val workflowId: String,
    public val runId: String,
    public val workflowType: String,
    message: String = "workflow '$workflowId' is already running (run $runId, type '$workflowType'); use another id, or wait for it to close",
) : KadenceException(message)

/** No such workflow (or run) exists in this namespace. */
public class WorkflowNotFoundException(public val workflowId: String, public val runId: String?) :
    KadenceException("workflow '$workflowId'${runId?.let { " run $it" } ?: ""} was not found")

/** The workflow run is closed, so it cannot take signals, cancel requests or termination any more. */
public class WorkflowClosedException(public val workflowId: String, public val runId: String, public val status: String) :
    KadenceException("workflow '$workflowId' run $runId is already closed ($status); start a new run to continue")

/** A query could not be answered: unknown name, undecodable argument, or the handler failed. */
public class QueryFailedException(public val workflowId: String, public val queryName: String, message: String, cause: Throwable? = null) :
    KadenceException("query '$queryName' of workflow '$workflowId' failed: $message", cause)

/**
 * An update was not applied: its validator rejected it (status REJECTED, cause = the validator's
 * error), its handler failed (FAILED), or the run closed first (NOT_APPLIED).
 */
public class UpdateFailedException(
    public val workflowId: String,
    public val updateName: String,
    public val updateId: String,
    public val status: String,
    cause: Throwable?,
) : KadenceException("update '$updateName' ($updateId) of workflow '$workflowId' $status: ${cause?.message}", cause)

/** The workflow closed without a result: it failed, timed out, was canceled or terminated. [cause] says how. */
public class WorkflowFailedException(
    public val workflowId: String,
    public val runId: String,
    public val workflowType: String,
    public val status: String,
    cause: Throwable?,
) : KadenceException("workflow '$workflowId' (run $runId, type '$workflowType') closed as $status: ${cause?.message}", cause)

/**
 * Workflow code asked for a different step than the one recorded in its history: the code changed
 * in a way that breaks runs already in flight. The workflow *task* fails and is retried; the run
 * stays open until the code is fixed (or guarded with `version(...)`).
 */
public class NonDeterminismException(message: String) : KadenceException(message)

/** A payload was larger than the limit; it was rejected before anything was stored. */
public class PayloadTooLargeException(public val what: String, public val sizeBytes: Int, public val limitBytes: Int) :
    KadenceException("$what is $sizeBytes bytes, over the limit of $limitBytes bytes; store large data elsewhere and pass a reference")

/** An argument was rejected before anything was stored (a blank id, an invalid option...). */
public class InvalidArgumentException(message: String) : KadenceException(message)

/**
 * Workflow code did something that is not allowed on the deterministic workflow loop (blocked the
 * thread, switched to another dispatcher, used `runBlocking`). The workflow task fails and is retried.
 */
public class IllegalWorkflowStateException(message: String) : KadenceException(message)

/** A task completion arrived from a worker that no longer holds the task (lease expired or duplicate). */
public class StaleTaskException(message: String) : KadenceException(message)

/** A query, signal or call waited longer than the caller allowed. */
public class KadenceTimeoutException(message: String) : KadenceException(message)

/**
 * A run reached one of [io.kadence.KadenceLimits] ([what], at most [limit]). Nothing stored was
 * changed by the refused step; the message says what to do instead.
 */
public class LimitExceededException(public val what: String, public val limit: Int, message: String) : KadenceException(message)

/**
 * A stored event or payload cannot be read: it was damaged, truncated, or written by a newer version
 * of Kadence with an event type this one does not know. [where] names it (event id and run). The run
 * whose history it is cannot make progress here (its workflow tasks fail with this); other runs are
 * not affected. Restore the row from a backup, or run a Kadence version that knows the event.
 */
public class CorruptHistoryException(public val where: String, message: String, cause: Throwable? = null) : KadenceException(message, cause)

/** A schedule with this id already exists in the namespace; pick another id or update it. */
public class ScheduleAlreadyExistsException(public val scheduleId: String) :
    KadenceException("schedule '$scheduleId' already exists; use another id, or update or delete it")

/** No schedule with this id exists in the namespace. */
public class ScheduleNotFoundException(public val scheduleId: String) : KadenceException("schedule '$scheduleId' does not exist")
