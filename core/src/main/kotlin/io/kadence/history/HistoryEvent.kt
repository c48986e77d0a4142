package io.kadence.history

import kotlinx.serialization.Serializable
import java.time.Instant

/**
 * One recorded step of a workflow run: its position ([eventId], contiguous from 1), the time the
 * engine recorded it, and what happened ([attributes]).
 *
 * A run's history is the source of truth: replaying it against the workflow code rebuilds the
 * run's state exactly. Read it with `WorkflowHandle.history()`.
 */
@Serializable
public data class HistoryEvent(
    val eventId: Long,
    val timestampMillis: Long,
    val attributes: EventAttributes,
) {
    /** When the event was recorded, on the engine's clock. */
    public val timestamp: Instant get() = Instant.ofEpochMilli(timestampMillis)

    override fun toString(): String = "#$eventId ${attributes.describe()}"
}
