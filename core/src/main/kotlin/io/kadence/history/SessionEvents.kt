package io.kadence.history

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable

// The events of a session: the workflow asks for one (a command), the store's scheduler answers with
// an input (created, timed out, rejected), the host may fail it (an input), and leaving the block
// ends it (a command). See `WorkflowScope.session`.

/**
 * Workflow code asked for a session on [taskQueue] with [resources] (besides one unit of the implicit
 * `sessions` resource). With [recreateToken] the store takes queue and resources from the token and
 * prefers the host it names. Timeouts in milliseconds.
 */
@Serializable @SerialName("SessionRequested")
public data class SessionRequested(
    override val seq: Long,
    val taskQueue: String,
    val resources: Map<String, Int>,
    val creationTimeoutMillis: Long,
    val executionTimeoutMillis: Long,
    val heartbeatTimeoutMillis: Long,
    val recreateToken: String? = null,
) : CommandAttributes() {
    override fun describe(): String =
        "SessionRequested on '$taskQueue'${if (resources.isEmpty()) "" else " $resources"}${if (recreateToken != null) " (recreate)" else ""} (seq $seq)"
}

/**
 * The scheduler placed session [seq] on host [hostId] and reserved [resources] there; the session's
 * activities go to [hostTaskQueue], which only that host polls. [recreateToken] lets a later run ask
 * for the same host again.
 */
@Serializable @SerialName("SessionCreated")
public data class SessionCreated(
    val seq: Long,
    val sessionId: String,
    val hostId: String,
    val taskQueue: String,
    val hostTaskQueue: String,
    val resources: Map<String, Int>,
    val recreateToken: String,
) : EventAttributes() {
    override fun describe(): String = "SessionCreated (seq $seq) $sessionId on host '$hostId'"
}

/** No live host had room for session [seq] within its creation timeout; [missingResources] says what was lacking. */
@Serializable @SerialName("SessionCreationTimedOut")
public data class SessionCreationTimedOut(val seq: Long, val missingResources: Map<String, Int>, val message: String) : EventAttributes() {
    override fun describe(): String = "SessionCreationTimedOut (seq $seq): $message"
}

/** The store refused session request [seq] (its recreate token did not check out); nothing was reserved. */
@Serializable @SerialName("SessionRequestRejected")
public data class SessionRequestRejected(val seq: Long, val reason: String) : EventAttributes() {
    override fun describe(): String = "SessionRequestRejected (seq $seq): $reason"
}

/**
 * Session [seq] failed: its host stopped heartbeating for longer than the session's heartbeat timeout
 * (and the host's grace period), or the run was reset past it. Its capacity is released and its
 * activity tasks are gone; the workflow sees `SessionFailedException`.
 */
@Serializable @SerialName("SessionFailed")
public data class SessionFailed(val seq: Long, val sessionId: String, val hostId: String, val reason: String) : EventAttributes() {
    override fun describe(): String = "SessionFailed (seq $seq) $sessionId on host '$hostId': $reason"
}

/** Workflow code left the session block (or stopped waiting for its creation): the store releases what it holds. */
@Serializable @SerialName("SessionCompleted")
public data class SessionCompleted(override val seq: Long) : CommandAttributes() {
    override fun describe(): String = "SessionCompleted (seq $seq)"
}
