package io.kadence.worker

import io.kadence.failure.InvalidArgumentException
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/** Limits and tuning of one worker. */
@io.kadence.KadenceDsl
public class WorkerOptions {
    /**
     * Workflow tasks run at once. A task that an activity's completion runs on the activity's own
     * thread (fused into the same commit) takes one of these slots too; with fewer slots than
     * activities finishing at once, the rest fall back to a separate task row and commit. More
     * slots than this bought no step throughput on two cores. (New starts are held back when due
     * tasks start late, whatever the slot count: see the README's admission control.)
     * Threads are made only as tasks need them.
     */
    public var maxConcurrentWorkflowTasks: Int = 64

    /**
     * Activity attempts run at once. An activity that finishes holds its slot until its completion
     * has committed, and the next activity its run schedules in that commit needs a slot of its own
     * to be handed over at once (otherwise it waits in the store for a poll): each busy run can hold
     * two. The default is Temporal's.
     */
    public var maxConcurrentActivities: Int = 200

    /** Runs kept in memory between tasks; 0 replays every task from history. */
    public var workflowCacheSize: Int = 1000

    /** How long a worker holds a workflow task before another may take it over. */
    public var workflowTaskTimeout: Duration = 10.seconds

    /** Workflow code holding its thread longer than this fails its task as blocked. */
    public var deadlockDetectionTimeout: Duration = 1.seconds

    /** Longest wait between polls when no hint arrives (hints normally wake pollers at once). */
    public var maxPollInterval: Duration = 1.seconds

    /**
     * Take tasks that this process creates for this worker's queue straight from the transaction
     * that creates them (a started workflow's first task, activities a workflow schedules, the task
     * that follows an activity's completion) instead of polling for them. Other processes still
     * get everything this worker has no free slot for. Turn it off to spread work only by polling.
     *
     * With it on, a start from this process's client has this worker run the new run's first
     * workflow task while the start waits, and commits it with the start (see `KadenceClient.start`),
     * when this worker runs the type and has a free slot.
     */
    public var eagerDispatch: Boolean = true

    /** How long [Worker.close] waits for running tasks before cancelling activities. */
    public var shutdownGracePeriod: Duration = 10.seconds

    /**
     * The host id of this worker's session host; by default the Kadence instance's (`Kadence.Options.hostId`).
     * Two workers of one queue with different ids are two hosts (useful in tests).
     */
    public var hostId: String? = null

    /** Makes this worker a session host (see [SessionWorkerOptions]); null (the default) takes no sessions. */
    public var sessions: SessionWorkerOptions? = null

    /** Makes this worker a session host: `sessions { maxConcurrent = 8; resource("gpu", 2) }`. */
    public fun sessions(configure: SessionWorkerOptions.() -> Unit) {
        sessions = (sessions ?: SessionWorkerOptions()).apply(configure)
    }

    internal fun validate() {
        sessions?.validate()
        hostId?.let { io.kadence.internal.runtime.HostIdentity.validate(it, "WorkerOptions.hostId") }
        if (maxConcurrentWorkflowTasks < 1) throw InvalidArgumentException("maxConcurrentWorkflowTasks must be >= 1")
        if (maxConcurrentActivities < 1) throw InvalidArgumentException("maxConcurrentActivities must be >= 1")
        if (workflowCacheSize < 0) throw InvalidArgumentException("workflowCacheSize must be >= 0")
    }
}
