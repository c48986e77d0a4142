package io.kadence.failure

/**
 * The session's host is gone: it stopped heartbeating for longer than the session's heartbeat
 * timeout (and the host's grace period). The session's block is cancelled, its activities on that
 * host are cancelled (their late results are rejected), and activity calls still made in the
 * session fail at once with this exception. Catch it around `session { }` to start over, usually on
 * another host. An activity's own failure never fails a session.
 */
public class SessionFailedException(
    public val sessionId: String,
    public val hostId: String,
    message: String,
    cause: Throwable? = null,
) : KadenceFailure(message, cause)

/**
 * No live host on the session's task queue had room for it within its creation timeout.
 * [missingResources] are the requested resources (with amounts) that no live host had free when
 * the time ran out (`sessions` means every host was at its session limit); it is empty when each
 * was free somewhere but no single host had them all at once.
 */
public class SessionCreationTimeoutException(
    public val missingResources: Map<String, Int>,
    message: String,
) : KadenceFailure(message, null)

/**
 * A recreate token was refused: it is garbled, was altered or forged, or comes from another
 * namespace or database. Only tokens from `sessionInfo().recreateToken()` of this namespace work.
 */
public class InvalidSessionTokenException(message: String) : KadenceFailure(message, null)
