package io.kadence.converter

import java.lang.reflect.Type

/**
 * Encodes the values that cross into history (inputs, results, activity arguments, heartbeat
 * details) as JSON text, and decodes them back.
 *
 * Implementors must produce valid JSON for every value they accept (Kadence joins several encoded
 * arguments into one JSON array), and must decode what they encoded with the same [Type].
 */
public interface DataConverter {
    /** Encodes [value], whose declared type is [type], as JSON. */
    public fun encode(value: Any?, type: Type): String

    /** Decodes [json] as a value of [type]. */
    public fun decode(json: String, type: Type): Any?

    /** The default converter. */
    public companion object {
        /** kotlinx-serialization JSON: `@Serializable` classes, primitives, strings, collections of them. */
        @JvmStatic public val default: DataConverter = KotlinxDataConverter()
    }
}
