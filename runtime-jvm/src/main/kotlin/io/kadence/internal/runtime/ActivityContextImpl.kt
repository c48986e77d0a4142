package io.kadence.internal.runtime

import io.kadence.activity.ActivityCanceledException
import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityInfo
import io.kadence.converter.Payloads
import io.kadence.failure.StaleTaskException
import io.kadence.internal.spi.ActivityTaskLease
import kotlinx.coroutines.Job

/** The [ActivityContext] of one attempt: heartbeats go to the store, which answers with cancellation. */
internal class ActivityContextImpl(
    private val engine: Engine,
    private val lease: ActivityTaskLease,
    private val shuttingDown: () -> Boolean,
) : ActivityContext() {
    override val info = ActivityInfo(
        lease.namespace, lease.workflowId, lease.runId, lease.workflowType, lease.activityType,
        lease.seq, lease.attempt, lease.taskQueue, lease.headers,
    )
    override val lastHeartbeatDetails: String? get() = lease.heartbeatDetails

    @Volatile private var cancelReason: String? = null
    @Volatile var job: Job? = null

    override val isCancelRequested: Boolean get() = cancelReason != null

    override fun <T> lastHeartbeatDetails(type: Class<T>): T? =
        lease.heartbeatDetails?.let { type.cast(engine.converter.decode(it, type)) }

    override fun heartbeat(details: Any?) {
        val encoded = details?.let { Payloads.encode(engine.converter, it, it.javaClass, "heartbeat details of activity '${lease.activityType}'") }
        if (shuttingDown()) cancel("the worker is shutting down")
        val cancelRequested = try {
            engine.store.heartbeatActivity(lease, encoded)
        } catch (e: StaleTaskException) {
            cancel("this attempt no longer holds the activity (${e.message})")
            false
        }
        if (cancelRequested) cancel("the workflow requested cancellation")
        cancelReason?.let { throw ActivityCanceledException("activity '${lease.activityType}' (seq ${lease.seq}) of workflow '${lease.workflowId}': $it") }
    }

    fun cancel(reason: String) {
        if (cancelReason == null) cancelReason = reason
        job?.cancel(ActivityCanceledException(reason))
    }
}
