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
    public fun decodeAttributes(text: String): EventAttributes = json.decodeFromString(EventAttributes.serializer(), text)
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
