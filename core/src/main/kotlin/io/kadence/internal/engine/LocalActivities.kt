package io.kadence.internal.engine

import io.kadence.activity.LocalActivityOptions
import io.kadence.failure.NonDeterminismException
import io.kadence.history.LocalActivityRecorded
import io.kadence.internal.InternalKadenceApi
import io.kadence.workflow.WorkflowInfo
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred

/** A local activity the workflow code asked for, waiting for the worker to run it (see [WorkflowExecutor.takeLocalActivities]). */
@InternalKadenceApi
public class LocalActivityRequest(
    public val seq: Long,
    public val activityType: String,
    public val input: String?,
    public val options: LocalActivityOptions,
    /** The attempt this request starts with (greater than 1 after a back-off waited out as a timer). */
    public val attempt: Int,
    /** Workflow time of the first attempt's call: `scheduleToClose` counts from here. */
    public val scheduledAt: Long,
    public val workflow: WorkflowInfo,
    public val headers: Map<String, String>,
)

/**
 * The local activities of a run that are waiting for an outcome. Live, the worker takes the new
 * ones after the loop goes idle, runs them, and hands each outcome back; the executor records it
 * and resumes the caller. On replay the recorded outcome resolves the call at the same point.
 */
internal class LocalActivities(private val executor: WorkflowExecutor) {
    private class Pending(val request: LocalActivityRequest, var dispatched: Boolean = false) {
        val outcome = CompletableDeferred<LocalActivityRecorded>()
    }

    private val pending = LinkedHashMap<Long, Pending>()

    suspend fun execute(request: LocalActivityRequest): LocalActivityRecorded {
        val entry = Pending(request)
        pending[request.seq] = entry
        try {
            return entry.outcome.await()
        } catch (e: CancellationException) {
            // Canceled before its outcome came: it is not run (or its outcome is dropped unrecorded).
            if (!entry.outcome.isCompleted) pending.remove(request.seq)
            throw e
        }
    }

    /** Requests not handed to the worker yet; they are marked as handed out. */
    fun take(): List<LocalActivityRequest> = pending.values.filter { !it.dispatched }.map { it.dispatched = true; it.request }

    val hasPending: Boolean get() = pending.isNotEmpty()

    /**
     * Resolves the call that [outcome] answers. Live, an outcome whose caller was canceled meanwhile
     * is dropped (returns false, nothing recorded), as replay would not find the call either.
     */
    fun resolve(outcome: LocalActivityRecorded, replaying: Boolean): Boolean {
        val entry = pending[outcome.seq]
        if (entry == null || entry.request.activityType != outcome.activityType) {
            if (!replaying) return false
            throw NonDeterminismException(
                "non-determinism in workflow '${executor.info.workflowId}' run ${executor.runId} (type '${executor.info.workflowType}'): " +
                    "history has ${outcome.describe()}, but the code " +
                    (entry?.let { "called local activity '${it.request.activityType}' there" } ?: "has no local activity call waiting with that sequence number") +
                    ". Restore the previous code, or guard the change with version(...), then the workflow task will be retried",
            )
        }
        pending.remove(outcome.seq)
        if (!replaying) executor.commands.issue(outcome)
        executor.loop.enqueue { entry.outcome.complete(outcome) }
        return true
    }
}
