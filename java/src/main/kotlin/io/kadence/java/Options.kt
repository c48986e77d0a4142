package io.kadence.java

import io.kadence.activity.ActivityCancellationType
import io.kadence.workflow.ParentClosePolicy
import kotlin.time.toKotlinDuration
import java.time.Duration as JDuration

// Java builders for the option types. Each builds the Kotlin value the engine uses (validated the same
// way) and takes java.time.Duration; build() throws InvalidArgumentException for bad values.

/** How an activity (or a failed workflow run) is retried: `RetryPolicy.newBuilder().maximumAttempts(3).build()`. */
public class RetryPolicy private constructor(internal val kotlin: io.kadence.activity.RetryPolicy) {
    /** A builder; start one with newBuilder(). */
    public class Builder internal constructor() {
        private var initialInterval: JDuration = JDuration.ofSeconds(1)
        private var backoffCoefficient: Double = 2.0
        private var maximumInterval: JDuration? = null
        private var maximumAttempts: Int = 0
        private var nonRetryableErrorTypes: List<String> = emptyList()

        /** The first retry interval (default 1 s). */
        public fun initialInterval(d: JDuration): Builder = apply { initialInterval = d }
        /** Each interval is the previous one times this (default 2). */
        public fun backoffCoefficient(c: Double): Builder = apply { backoffCoefficient = c }
        /** The longest interval between attempts (default: none). */
        public fun maximumInterval(d: JDuration?): Builder = apply { maximumInterval = d }

        /** 0 (the default) retries until a timeout or a non-retryable failure stops it. */
        public fun maximumAttempts(n: Int): Builder = apply { maximumAttempts = n }
        /** Failure types that are never retried. */
        public fun nonRetryableErrorTypes(vararg types: String): Builder = apply { nonRetryableErrorTypes = types.toList() }

        /** Builds the options, validating them (InvalidArgumentException for bad values). */
        public fun build(): RetryPolicy = RetryPolicy(
            io.kadence.activity.RetryPolicy(
                initialInterval.toKotlinDuration(), backoffCoefficient, maximumInterval?.toKotlinDuration(), maximumAttempts, nonRetryableErrorTypes,
            ),
        )
    }

    /** Factory methods. */
    public companion object {
        @JvmStatic public fun newBuilder(): Builder = Builder()
    }
}

/** How an activity call is scheduled: timeouts, retries, its task queue and what canceling it waits for. */
public class ActivityOptions private constructor(internal val kotlin: io.kadence.activity.ActivityOptions) {
    /** A builder; start one with newBuilder(). */
    public class Builder internal constructor() {
        private var startToClose: JDuration? = null
        private var scheduleToClose: JDuration? = null
        private var scheduleToStart: JDuration? = null
        private var heartbeat: JDuration? = null
        private var retry: RetryPolicy? = null
        private var taskQueue: String? = null
        private var cancellationType: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL

        /** Limit for one attempt. */
        public fun startToCloseTimeout(d: JDuration): Builder = apply { startToClose = d }
        /** Limit for all attempts together. */
        public fun scheduleToCloseTimeout(d: JDuration): Builder = apply { scheduleToClose = d }
        /** How long a task may wait for a worker. */
        public fun scheduleToStartTimeout(d: JDuration): Builder = apply { scheduleToStart = d }
        /** An attempt (or, for a session, a host) silent for longer than this has failed. */
        public fun heartbeatTimeout(d: JDuration): Builder = apply { heartbeat = d }
        /** How failures are retried. */
        public fun retryPolicy(p: RetryPolicy): Builder = apply { retry = p }
        /** The task queue. */
        public fun taskQueue(q: String): Builder = apply { taskQueue = q }
        /** What canceling it waits for (TRY_CANCEL, WAIT_CANCELLATION_COMPLETED, ABANDON). */
        public fun cancellationType(t: ActivityCancellationType): Builder = apply { cancellationType = t }

        /** Builds the options, validating them (InvalidArgumentException for bad values). */
        public fun build(): ActivityOptions = ActivityOptions(
            io.kadence.activity.ActivityOptions(
                startToClose?.toKotlinDuration(), scheduleToClose?.toKotlinDuration(), scheduleToStart?.toKotlinDuration(),
                heartbeat?.toKotlinDuration(), retry?.kotlin ?: io.kadence.activity.RetryPolicy(), taskQueue, cancellationType,
            ),
        )
    }

    /** Factory methods. */
    public companion object {
        @JvmStatic public fun newBuilder(): Builder = Builder()
    }
}

/** Options of a local activity: timeouts and retries (see `WorkflowContext.localActivities`). */
public class LocalActivityOptions private constructor(internal val kotlin: io.kadence.activity.LocalActivityOptions) {
    /** A builder; start one with newBuilder(). */
    public class Builder internal constructor() {
        private var startToClose: JDuration? = null
        private var scheduleToClose: JDuration? = null
        private var retry: RetryPolicy? = null
        private var localRetryThreshold: JDuration = JDuration.ofMinutes(1)

        /** Limit for one attempt. */
        public fun startToCloseTimeout(d: JDuration): Builder = apply { startToClose = d }
        /** Limit for all attempts together. */
        public fun scheduleToCloseTimeout(d: JDuration): Builder = apply { scheduleToClose = d }
        /** How failures are retried. */
        public fun retryPolicy(p: RetryPolicy): Builder = apply { retry = p }
        /** Back-offs up to this wait in the task; longer ones become a durable timer (default 1 min). */
        public fun localRetryThreshold(d: JDuration): Builder = apply { localRetryThreshold = d }

        /** Builds the options, validating them (InvalidArgumentException for bad values). */
        public fun build(): LocalActivityOptions = LocalActivityOptions(
            io.kadence.activity.LocalActivityOptions(
                startToClose?.toKotlinDuration(), scheduleToClose?.toKotlinDuration(), retry?.kotlin ?: io.kadence.activity.RetryPolicy(),
                localRetryThreshold.toKotlinDuration(),
            ),
        )
    }

    /** Factory methods. */
    public companion object {
        @JvmStatic public fun newBuilder(): Builder = Builder()
    }
}

/** Options of a child workflow started from a Java workflow. */
public class ChildWorkflowOptions private constructor(internal val kotlin: io.kadence.workflow.ChildWorkflowOptions) {
    /** A builder; start one with newBuilder(). */
    public class Builder internal constructor() {
        private var workflowId: String? = null
        private var taskQueue: String? = null
        private var executionTimeout: JDuration? = null
        private var runTimeout: JDuration? = null
        private var parentClosePolicy: ParentClosePolicy = ParentClosePolicy.TERMINATE
        private var cancellationType: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL

        /** The workflow id. */
        public fun workflowId(id: String): Builder = apply { workflowId = id }
        /** The task queue. */
        public fun taskQueue(q: String): Builder = apply { taskQueue = q }
        /** Limit for the whole workflow, across continue-as-new and retries (or, for a session, its duration). */
        public fun executionTimeout(d: JDuration): Builder = apply { executionTimeout = d }
        /** Limit for one run. */
        public fun runTimeout(d: JDuration): Builder = apply { runTimeout = d }
        /** What happens to the child when the parent closes (default TERMINATE). */
        public fun parentClosePolicy(p: ParentClosePolicy): Builder = apply { parentClosePolicy = p }
        /** What canceling it waits for (TRY_CANCEL, WAIT_CANCELLATION_COMPLETED, ABANDON). */
        public fun cancellationType(t: ActivityCancellationType): Builder = apply { cancellationType = t }

        /** Builds the options, validating them (InvalidArgumentException for bad values). */
        public fun build(): ChildWorkflowOptions = ChildWorkflowOptions(
            io.kadence.workflow.ChildWorkflowOptions(
                workflowId, taskQueue, executionTimeout?.toKotlinDuration(), runTimeout?.toKotlinDuration(), parentClosePolicy, cancellationType,
            ),
        )
    }

    /** Factory methods. */
    public companion object {
        @JvmStatic public fun newBuilder(): Builder = Builder()
        @JvmStatic public fun defaults(): ChildWorkflowOptions = Builder().build()
    }
}

/**
 * What a session asks for (see `WorkflowContext.session`): creation and execution timeouts, the
 * resources its host must have free, and how long the host may be silent before it fails.
 */
public class SessionOptions private constructor(internal val kotlin: io.kadence.workflow.SessionOptions) {
    /** A builder; start one with newBuilder(). */
    public class Builder internal constructor() {
        private var creationTimeout: JDuration = JDuration.ofMinutes(1)
        private var executionTimeout: JDuration? = null
        private val resources = LinkedHashMap<String, Int>()
        private var heartbeatTimeout: JDuration = JDuration.ofSeconds(20)
        private var taskQueue: String? = null
        private var recreateToken: String? = null

        /** How long to wait for a host with room (default 1 min). */
        public fun creationTimeout(d: JDuration): Builder = apply { creationTimeout = d }
        /** Limit for the whole workflow, across continue-as-new and retries (or, for a session, its duration). */
        public fun executionTimeout(d: JDuration): Builder = apply { executionTimeout = d }
        /** Asks for amount units of resource name (gpu, scratchGb, ...). */
        public fun resource(name: String, amount: Int): Builder = apply { resources[name] = amount }
        /** An attempt (or, for a session, a host) silent for longer than this has failed. */
        public fun heartbeatTimeout(d: JDuration): Builder = apply { heartbeatTimeout = d }
        /** The task queue. */
        public fun taskQueue(q: String): Builder = apply { taskQueue = q }

        /** A token from `SessionInfo.recreateToken()` of an earlier session: same host when it has room. */
        public fun recreateToken(token: String): Builder = apply { recreateToken = token }

        /** Builds the options, validating them (InvalidArgumentException for bad values). */
        public fun build(): SessionOptions {
            val execution = executionTimeout ?: throw io.kadence.failure.InvalidArgumentException("SessionOptions needs an executionTimeout")
            return SessionOptions(
                io.kadence.workflow.SessionOptions(
                    creationTimeout.toKotlinDuration(), execution.toKotlinDuration(), resources.toMap(), heartbeatTimeout.toKotlinDuration(),
                    taskQueue, recreateToken,
                ),
            )
        }
    }

    /** Factory methods. */
    public companion object {
        @JvmStatic public fun newBuilder(): Builder = Builder()
    }
}
