package io.kadence.workflow

import io.kadence.failure.InvalidArgumentException
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/**
 * What a session asks for. The scheduler places it on a live host of [taskQueue] (by default the
 * workflow's) that has every one of [resources] free (each session also takes one unit of the
 * host's `sessions` limit), and reserves them until the session ends.
 *
 * - [creationTimeout]: how long to wait for such a host before failing with
 *   [io.kadence.failure.SessionCreationTimeoutException];
 * - [executionTimeout]: how long the session may last once created; then its block is cancelled
 *   and `session` throws a [io.kadence.failure.TimeoutFailure] of type `SESSION_EXECUTION`;
 * - [heartbeatTimeout]: a host silent for longer than this (and longer than its own grace period)
 *   is dead, and its sessions fail with [io.kadence.failure.SessionFailedException];
 * - [recreateToken]: from [SessionInfo.recreateToken] of an earlier session; the session then takes
 *   its task queue and resources from the token and prefers the host it names ([resources] and
 *   [taskQueue] must be left unset).
 */
public data class SessionOptions(
    val creationTimeout: Duration,
    val executionTimeout: Duration,
    val resources: Map<String, Int> = emptyMap(),
    val heartbeatTimeout: Duration = DEFAULT_HEARTBEAT_TIMEOUT,
    val taskQueue: String? = null,
    val recreateToken: String? = null,
) {
    init {
        listOf("creationTimeout" to creationTimeout, "executionTimeout" to executionTimeout, "heartbeatTimeout" to heartbeatTimeout)
            .forEach { (name, d) -> if (!d.isPositive() || d.isInfinite()) throw InvalidArgumentException("SessionOptions.$name must be positive and finite, was $d") }
        for ((name, amount) in resources) {
            if (name.isBlank()) throw InvalidArgumentException("SessionOptions.resources: a resource name is blank")
            if (name == SESSIONS_RESOURCE) {
                throw InvalidArgumentException("SessionOptions.resources: '$SESSIONS_RESOURCE' is the host's session limit, which every session takes one of; do not ask for it")
            }
            if (amount < 1) throw InvalidArgumentException("SessionOptions.resources: '$name' must be at least 1, was $amount")
        }
        if (recreateToken != null && (resources.isNotEmpty() || taskQueue != null)) {
            throw InvalidArgumentException("SessionOptions: a recreate token names its task queue and resources; leave resources and taskQueue unset")
        }
    }

    /** Defaults. */
    public companion object {
        /** The default heartbeat timeout of a session: 20 seconds. */
        public val DEFAULT_HEARTBEAT_TIMEOUT: Duration = 20.seconds

        /** The resource every session takes one unit of; a host's `maxConcurrent` is its capacity. */
        public const val SESSIONS_RESOURCE: String = "sessions"
    }
}

/**
 * The session the calling workflow code runs in: its id, the host it is pinned to, the task queue
 * it was created on and the resources reserved for it.
 */
public data class SessionInfo(
    val sessionId: String,
    val hostId: String,
    val taskQueue: String,
    val resources: Map<String, Int>,
    private val token: String,
) {
    /** The host's name as Kadence knows it: its host id (by default the machine's host name). */
    val hostName: String get() = hostId

    /**
     * A token naming this session, its host and resources, signed by the store: pass it to the next
     * run (after continue-as-new) and call [recreateSession] there to get a session on the same host
     * when it has room. A garbled or forged token, or one from another namespace, is refused with
     * [io.kadence.failure.InvalidSessionTokenException].
     */
    public fun recreateToken(): String = token

    override fun toString(): String = "SessionInfo(sessionId=$sessionId, hostId=$hostId, taskQueue=$taskQueue, resources=$resources)"
}

/**
 * Runs [block] in a session: every activity it calls (including from `async` and `launch` inside it)
 * runs on one host, chosen by the scheduler among the live hosts of the task queue that have
 * [resources] free, and reserved for the session until the block ends (normally or by an exception).
 *
 * ```
 * session(creationTimeout = 1.minutes, executionTimeout = 30.minutes, resources = mapOf("gpu" to 1)) {
 *     val data = train.download(req.dataset)        // these three run on one host
 *     val weights = train.fit(data)
 *     train.publish(weights)
 * }
 * ```
 *
 * @throws io.kadence.failure.SessionCreationTimeoutException no host had room within [creationTimeout].
 * @throws io.kadence.failure.SessionFailedException the host died (see [SessionOptions.heartbeatTimeout]).
 * @throws io.kadence.failure.TimeoutFailure the session lasted longer than [executionTimeout] (type `SESSION_EXECUTION`).
 */
public suspend fun <R> WorkflowScope.session(
    creationTimeout: Duration,
    executionTimeout: Duration,
    resources: Map<String, Int> = emptyMap(),
    heartbeatTimeout: Duration = SessionOptions.DEFAULT_HEARTBEAT_TIMEOUT,
    block: suspend WorkflowScope.() -> R,
): R = session(SessionOptions(creationTimeout, executionTimeout, resources, heartbeatTimeout), block)

/**
 * Runs [block] in a session recreated from [token] (see [SessionInfo.recreateToken]): same task
 * queue and resources, on the same host when it is alive and has room, else on another one.
 */
public suspend fun <R> WorkflowScope.recreateSession(
    token: String,
    creationTimeout: Duration = 1.minutes,
    executionTimeout: Duration,
    heartbeatTimeout: Duration = SessionOptions.DEFAULT_HEARTBEAT_TIMEOUT,
    block: suspend WorkflowScope.() -> R,
): R = session(SessionOptions(creationTimeout, executionTimeout, heartbeatTimeout = heartbeatTimeout, recreateToken = token), block)
