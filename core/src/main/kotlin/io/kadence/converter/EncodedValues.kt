package io.kadence.converter

import io.kadence.failure.InvalidArgumentException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import java.lang.reflect.Type
import kotlin.reflect.javaType
import kotlin.reflect.typeOf

/**
 * Values as they were recorded (JSON), for handlers that do not know their types in advance (dynamic
 * workflows and activities): decode each with the type the handler expects.
 */
public class EncodedValues(
    /** The recorded payload: a JSON array for activity arguments, the JSON value for a workflow input. */
    public val payload: String?,
    private val converter: DataConverter,
) {
    /** The number of arguments (for an argument list). */
    public val size: Int get() = array().size

    /** Argument [index] decoded as [type]. */
    @Suppress("UNCHECKED_CAST")
    public fun <T> get(index: Int, type: Type): T {
        val array = array()
        if (index !in array.indices) throw InvalidArgumentException("argument $index asked for, but there are ${array.size}")
        return converter.decode(array[index].toString(), type) as T
    }

    /** Argument [index] decoded as [T]. */
    @OptIn(ExperimentalStdlibApi::class)
    public inline fun <reified T> get(index: Int): T = get(index, typeOf<T>().javaType)

    /** The whole payload decoded as [type] (a workflow's input). */
    @Suppress("UNCHECKED_CAST")
    public fun <T> value(type: Type): T = converter.decode(payload ?: "null", type) as T

    /** The whole payload decoded as [T]. */
    @OptIn(ExperimentalStdlibApi::class)
    public inline fun <reified T> value(): T = value(typeOf<T>().javaType)

    private fun array(): JsonArray = try {
        Json.parseToJsonElement(payload ?: "[]") as? JsonArray
    } catch (e: Exception) {
        null
    } ?: throw InvalidArgumentException("the payload is not an argument list: $payload")

    override fun toString(): String = "EncodedValues($payload)"
}
