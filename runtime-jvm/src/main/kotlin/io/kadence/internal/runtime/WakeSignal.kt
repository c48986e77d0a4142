package io.kadence.internal.runtime

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.withTimeoutOrNull

/** A conflated wake-up: a hint given while nobody waits is kept for the next wait, so none is lost. */
internal class WakeSignal {
    private val channel = Channel<Unit>(Channel.CONFLATED)
    fun signal() { channel.trySend(Unit) }

    /** Waits for a signal or [timeoutMillis]; true when signalled. */
    suspend fun await(timeoutMillis: Long): Boolean =
        withTimeoutOrNull(timeoutMillis.coerceAtLeast(1)) { channel.receive() } != null
}
