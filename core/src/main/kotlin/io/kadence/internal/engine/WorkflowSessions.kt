package io.kadence.internal.engine

import io.kadence.failure.IllegalWorkflowStateException
import io.kadence.failure.InvalidSessionTokenException
import io.kadence.failure.KadenceFailure
import io.kadence.failure.SessionCreationTimeoutException
import io.kadence.failure.SessionFailedException
import io.kadence.failure.TimeoutFailure
import io.kadence.history.EventAttributes
import io.kadence.history.SessionCompleted
import io.kadence.history.SessionCreated
import io.kadence.history.SessionCreationTimedOut
import io.kadence.history.SessionFailed
import io.kadence.history.SessionRequestRejected
import io.kadence.history.SessionRequested
import io.kadence.workflow.SessionInfo
import io.kadence.workflow.SessionOptions
import io.kadence.workflow.WorkflowScope
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.isActive
import kotlinx.coroutines.job
import kotlinx.coroutines.withContext
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext

/** Marks the coroutines of a session block: the activities they call go to the session's host. */
internal class SessionElement(val session: OpenSession) : AbstractCoroutineContextElement(Key) {
    companion object Key : CoroutineContext.Key<SessionElement>
}

/** A session the store created for this run, from its `SessionCreated` input until its block ends. */
internal class OpenSession(val seq: Long, val created: SessionCreated) {
    val info = SessionInfo(created.sessionId, created.hostId, created.taskQueue, created.resources, created.recreateToken)

    /** What ended the session before its block did: the host's failure or the execution timeout. */
    var endedBy: KadenceFailure? = null

    /** True once the block has ended. */
    var closed = false

    /** The block's job, cancelled when the session ends under it. */
    var job: Job? = null

    /** Throws when an activity may not be scheduled in this session any more. */
    fun checkUsable(workflowId: String) {
        endedBy?.let { throw it }
        if (closed) {
            throw IllegalWorkflowStateException(
                "workflow '$workflowId' called an activity in session ${created.sessionId} after the session was completed or its block ended; " +
                    "call activities in the session before completeSession() and inside its block",
            )
        }
    }
}

/**
 * The session state machine of one run. A session is requested (command `SessionRequested`),
 * answered by the store (input `SessionCreated`, `SessionCreationTimedOut` or
 * `SessionRequestRejected`), may fail under its block (input `SessionFailed`, the host died) or run
 * out of time (a timer the block starts), and ends when its block does (command `SessionCompleted`,
 * which releases its capacity; not issued after a failure, whose release the store did itself).
 *
 * ```
 * REQUESTED --SessionCreated--> OPEN --block ends--> SessionCompleted
 *     |                          |--SessionFailed--> block cancelled, SessionFailedException
 *     |                          '--timer fires----> block cancelled, TimeoutFailure, SessionCompleted
 *     |--SessionCreationTimedOut / SessionRequestRejected--> exception, nothing to release
 *     '--waiting coroutine cancelled--> SessionCompleted (withdraws the request)
 * ```
 */
internal class WorkflowSessions(private val executor: WorkflowExecutor) {
    private val requests = HashMap<Long, CompletableDeferred<Result<OpenSession>>>()
    private val open = HashMap<Long, OpenSession>()

    suspend fun <R> run(options: SessionOptions, scope: WorkflowScopeImpl, block: suspend WorkflowScope.() -> R): R {
        val info = executor.info
        currentCoroutineContext()[SessionElement]?.session?.takeIf { !it.closed }?.let { outer ->
            throw IllegalWorkflowStateException(
                "workflow '${info.workflowId}' asked for a session inside session ${outer.created.sessionId}: sessions do not nest; " +
                    "end the outer block first, or start the second session from a coroutine outside it",
            )
        }
        val session = create(options)
        session.endedBy?.let { failure ->
            // The host failed before the block could start.
            close(session)
            throw failure
        }
        val timer = executor.state.startTimer(options.executionTimeout.inWholeMilliseconds) {
            end(session, TimeoutFailure(
                "session ${session.created.sessionId} of workflow '${info.workflowId}' on host '${session.created.hostId}' " +
                    "ran past its execution timeout of ${options.executionTimeout}",
                "SESSION_EXECUTION",
            ))
        }
        try {
            return withContext(SessionElement(session)) {
                session.job = coroutineContext.job
                block(scope.withContext(coroutineContext))
            }
        } catch (e: CancellationException) {
            // The session ended under its block (not the workflow): say why.
            val endedBy = session.endedBy
            if (endedBy != null && currentCoroutineContext().isActive) throw endedBy
            throw e
        } finally {
            executor.state.cancelTimer(timer)
            close(session)
        }
    }

    /** Records the request and waits for the store's answer. */
    private suspend fun create(options: SessionOptions): OpenSession {
        val seq = executor.state.nextSeq()
        executor.commands.issue(
            SessionRequested(
                seq, options.taskQueue ?: executor.info.taskQueue, options.resources, options.creationTimeout.inWholeMilliseconds,
                options.executionTimeout.inWholeMilliseconds, options.heartbeatTimeout.inWholeMilliseconds, options.recreateToken,
            ),
        )
        val outcome = CompletableDeferred<Result<OpenSession>>()
        requests[seq] = outcome
        val result = try {
            outcome.await()
        } catch (e: CancellationException) {
            requests.remove(seq)
            // Stopped waiting: withdraw the request, or give back the session created meanwhile.
            @OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)
            val createdMeanwhile = outcome.isCompleted && outcome.getCompleted().isSuccess
            if (!outcome.isCompleted) executor.commands.issue(SessionCompleted(seq))
            else if (createdMeanwhile) close(outcome.getCompleted().getOrThrow())
            throw e
        }
        return result.getOrThrow()
    }

    /** `completeSession()`: the block ends its session early; what it calls afterwards is refused. */
    fun complete(session: OpenSession) = close(session)

    /** Ends the session's part in this run; releases its capacity unless the store already did (it failed). */
    private fun close(session: OpenSession) {
        if (session.closed) return
        session.closed = true
        open.remove(session.seq)
        if (session.endedBy !is SessionFailedException) executor.commands.issue(SessionCompleted(session.seq))
    }

    /** Ends [session] under its block: its pending activities fail (host failure) and the block is cancelled. */
    private fun end(session: OpenSession, failure: KadenceFailure) {
        if (session.endedBy != null || session.closed) return
        session.endedBy = failure
        if (failure is SessionFailedException) executor.state.failSessionActivities(session, failure)
        session.job?.cancel(CancellationException(failure.message, failure))
    }

    /** Applies a session input, on the loop. */
    fun apply(a: EventAttributes) {
        when (a) {
            is SessionCreated -> requests.remove(a.seq)?.let { outcome ->
                val session = OpenSession(a.seq, a)
                open[a.seq] = session
                outcome.complete(Result.success(session))
            }
            is SessionCreationTimedOut ->
                requests.remove(a.seq)?.complete(Result.failure(SessionCreationTimeoutException(a.missingResources, a.message)))
            is SessionRequestRejected ->
                requests.remove(a.seq)?.complete(Result.failure(InvalidSessionTokenException(a.reason)))
            is SessionFailed -> {
                val failure = SessionFailedException(
                    a.sessionId, a.hostId, "session ${a.sessionId} of workflow '${executor.info.workflowId}' on host '${a.hostId}' failed: ${a.reason}",
                )
                requests.remove(a.seq)?.complete(Result.failure(failure))
                open[a.seq]?.let { end(it, failure) }
            }
            else -> {}
        }
    }
}
