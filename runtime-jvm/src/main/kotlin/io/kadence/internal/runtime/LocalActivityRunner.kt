package io.kadence.internal.runtime

import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityInfo
import io.kadence.failure.Failures
import io.kadence.failure.TimeoutFailure
import io.kadence.history.FailureInfo
import io.kadence.history.LocalActivityRecorded
import io.kadence.internal.engine.LocalActivityRequest
import io.kadence.internal.spi.RetryDecider
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.slf4j.LoggerFactory

/**
 * Runs the local activities a workflow task asked for, in this process, with their in-process
 * retries, and returns the outcomes the task records. Blocking implementations run on the
 * worker's activity threads; the workflow task's thread waits for them.
 */
internal class LocalActivityRunner(
    private val engine: Engine,
    private val workerId: String,
    /** The worker's activity implementations, or null when it registered none. */
    private val invoker: ActivityInvoker?,
) {
    private val log = LoggerFactory.getLogger(LocalActivityRunner::class.java)

    /**
     * Runs [requests] at once and returns their outcomes in the same order. Every [keepAliveMillis]
     * while they run, [keepAlive] is called (it extends the workflow task's lease).
     */
    fun run(requests: List<LocalActivityRequest>, keepAliveMillis: Long, keepAlive: () -> Unit): List<LocalActivityRecorded> = runBlocking {
        val keeper = launch(Dispatchers.IO) {
            while (true) {
                delay(keepAliveMillis)
                try {
                    keepAlive()
                } catch (e: Exception) {
                    log.debug("could not extend the workflow task lease while local activities ran: {}", e.toString())
                }
            }
        }
        try {
            requests.map { async { runOne(it) } }.awaitAll()
        } finally {
            keeper.cancel()
        }
    }

    private suspend fun runOne(r: LocalActivityRequest): LocalActivityRecorded {
        val what = "local activity '${r.activityType}' (seq ${r.seq}) of workflow '${r.workflow.workflowId}'"
        if (invoker == null || !invoker.has(r.activityType)) {
            val registered = invoker?.registered ?: emptyList()
            return LocalActivityRecorded(
                r.seq, r.activityType, null,
                FailureInfo(
                    "activity type '${r.activityType}' is not registered on worker $workerId, which runs workflow '${r.workflow.workflowId}' " +
                        "(registered: $registered): a local activity runs on the worker of its workflow, so register it there",
                    "ActivityTypeNotRegistered", nonRetryable = true,
                ),
                r.attempt,
            )
        }
        val options = r.options
        val policy = options.retry.toRecorded()
        val deadline = options.scheduleToClose?.let { r.scheduledAt + it.inWholeMilliseconds }
        var attempt = r.attempt
        while (true) {
            val startedAt = engine.clock.now()
            val limit = listOfNotNull(options.startToClose?.inWholeMilliseconds, deadline?.let { it - startedAt }).min()
            val failure: FailureInfo = try {
                if (limit <= 0) throw TimeoutFailure("$what ran out of its scheduleToClose time before attempt $attempt", "SCHEDULE_TO_CLOSE")
                val ctx = LocalActivityContext(r, attempt)
                val result = withTimeout(limit) {
                    withContext(ctx + ActivityThreadBinding(ctx)) { invoker.call(r.activityType, r.input, what) }
                }
                return LocalActivityRecorded(r.seq, r.activityType, result, null, attempt)
            } catch (e: TimeoutCancellationException) {
                val type = if (deadline != null && limit < (options.startToClose?.inWholeMilliseconds ?: Long.MAX_VALUE)) "SCHEDULE_TO_CLOSE" else "START_TO_CLOSE"
                Failures.toInfo(TimeoutFailure("$what timed out ($type, ${limit}ms) on attempt $attempt", type))
            } catch (e: Throwable) {
                if (e is Error && e !is OutOfMemoryError && e !is StackOverflowError && e !is AssertionError) throw e
                Failures.toInfo(unwrapRecoveredException(e))
            }
            val now = engine.clock.now()
            val nextAt = RetryDecider.nextAttemptAt(policy, attempt, failure, now, deadline)
                ?: return LocalActivityRecorded(r.seq, r.activityType, null, failure, attempt)
            val backoff = nextAt - now
            if (backoff > options.localRetryThreshold.inWholeMilliseconds) {
                return LocalActivityRecorded(r.seq, r.activityType, null, failure, attempt, backoffMillis = backoff)
            }
            log.debug("{} attempt {} failed ({}), retrying in {}ms", what, attempt, failure.message, backoff)
            delay(backoff)
            attempt++
        }
    }
}

/** A local activity's context: its info and propagated values; it has no heartbeat (it lives inside a workflow task). */
private class LocalActivityContext(r: LocalActivityRequest, attempt: Int) : ActivityContext() {
    override val info = ActivityInfo(
        r.workflow.namespace, r.workflow.workflowId, r.workflow.runId, r.workflow.workflowType, r.activityType,
        r.seq, attempt, r.workflow.taskQueue, r.headers,
    )
    override val lastHeartbeatDetails: String? get() = null
    override fun <T> lastHeartbeatDetails(type: Class<T>): T? = null
    override fun heartbeat(details: Any?) {}
    override val isCancelRequested: Boolean get() = false
}
