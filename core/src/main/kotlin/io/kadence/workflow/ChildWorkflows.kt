package io.kadence.workflow

import io.kadence.activity.ActivityCancellationType
import kotlin.time.Duration

/** What happens to a child workflow that is still running when its parent closes. */
public enum class ParentClosePolicy {
    /** The child is terminated in the transaction that closes the parent (the default). */
    TERMINATE,

    /** The child is asked to cancel: it sees coroutine cancellation and decides how to end. */
    REQUEST_CANCEL,

    /** The child runs on, on its own. */
    ABANDON,
}

/**
 * How a child workflow is started. [workflowId] defaults to the parent's workflow id plus the
 * command's sequence number, the same on every replay; [taskQueue] to the parent's.
 * [cancellationType] says what cancelling the coroutine that awaits the child does, as for
 * activities: ask the child to cancel and stop waiting (TRY_CANCEL), ask and wait for it to close
 * (WAIT_CANCELLATION_COMPLETED), or stop waiting and leave it alone (ABANDON).
 */
public data class ChildWorkflowOptions(
    val workflowId: String? = null,
    val taskQueue: String? = null,
    val executionTimeout: Duration? = null,
    val runTimeout: Duration? = null,
    val parentClosePolicy: ParentClosePolicy = ParentClosePolicy.TERMINATE,
    val cancellationType: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL,
)

/** A child workflow started from workflow code. */
public interface ChildWorkflowHandle<O> {
    /** The child's workflow id. */
    public val workflowId: String

    /**
     * Suspends until the child has started and returns its run id; throws
     * [io.kadence.failure.ChildWorkflowFailure] if it could not start (its id is taken).
     */
    public suspend fun started(): String

    /** Suspends until the child closes and returns its result; any other ending throws [io.kadence.failure.ChildWorkflowFailure]. */
    public suspend fun result(): O
}

/** Starts [definition] as a child and suspends until it completes; see [WorkflowScope.startChild]. */
public suspend fun <I, O> WorkflowScope.executeChild(
    definition: WorkflowDefinition<I, O>,
    input: I,
    options: ChildWorkflowOptions = ChildWorkflowOptions(),
): O = startChild(definition, input, options).result()
