package io.kadence.history

import kotlinx.serialization.builtins.ListSerializer
import kotlinx.serialization.json.Json

/** JSON form of history: how events are stored, exported and read back by the replayer. */
public object HistoryCodec {
    private val json = Json { encodeDefaults = false; ignoreUnknownKeys = true; classDiscriminator = "type" }
    private val pretty = Json(json) { prettyPrint = true }

    /** Encodes event attributes as stored JSON. */
    public fun encodeAttributes(a: EventAttributes): String = json.encodeToString(EventAttributes.serializer(), a)
    /** Decodes stored event attributes. */
    public fun decodeAttributes(text: String): EventAttributes = decodeAttributes(text, "a stored event")

    /**
     * Decodes stored event attributes; anything unreadable is a [io.kadence.failure.CorruptHistoryException]
     * naming [where] (for example "event 7 of run …").
     */
    public fun decodeAttributes(text: String, where: String): EventAttributes = try {
        json.decodeFromString(EventAttributes.serializer(), text)
    } catch (e: IllegalArgumentException) {
        // kotlinx.serialization's SerializationException is an IllegalArgumentException.
        val reason = e.message?.lineSequence()?.firstOrNull().orEmpty()
        val unknownType = "discriminator" in reason || "Serializer for subclass" in reason
        val hint = if (unknownType) "its event type is unknown to this version of Kadence (written by a newer one?)" else "it is not a valid event"
        throw io.kadence.failure.CorruptHistoryException(where, "$where cannot be read: $hint ($reason); text: ${text.take(120)}", e)
    }
    /** Encodes a failure as stored JSON. */
    public fun encodeFailure(f: FailureInfo): String = json.encodeToString(FailureInfo.serializer(), f)
    /** Decodes a stored failure. */
    public fun decodeFailure(text: String): FailureInfo = json.decodeFromString(FailureInfo.serializer(), text)
    /** Encodes recorded activity options. */
    public fun encodeOptions(o: ActivityTaskOptions): String = json.encodeToString(ActivityTaskOptions.serializer(), o)
    /** Decodes recorded activity options. */
    public fun decodeOptions(text: String): ActivityTaskOptions = json.decodeFromString(ActivityTaskOptions.serializer(), text)

    /** A whole history as a JSON array of events, for export and for the replayer. */
    public fun exportHistory(events: List<HistoryEvent>): String = pretty.encodeToString(ListSerializer(HistoryEvent.serializer()), events)

    /** Reads a history exported by [exportHistory]. */
    public fun importHistory(text: String): List<HistoryEvent> = json.decodeFromString(ListSerializer(HistoryEvent.serializer()), text)
}
