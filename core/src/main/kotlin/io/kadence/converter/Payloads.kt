package io.kadence.converter

import io.kadence.failure.InvalidArgumentException
import io.kadence.failure.PayloadTooLargeException
import io.kadence.internal.InternalKadenceApi
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import java.lang.reflect.Type

/** Encoding of argument lists and the payload size limit, on top of a [DataConverter]. */
@InternalKadenceApi
public object Payloads {
    /** Largest encoded payload accepted (2 MiB, as Temporal). */
    public const val MAX_PAYLOAD_BYTES: Int = 2 * 1024 * 1024

    /** Encodes [args] as one JSON array, checking the size limit; [what] names the payload in errors. */
    public fun encodeArgs(converter: DataConverter, args: List<Any?>, types: List<Type>, what: String): String {
        val sb = StringBuilder().append('[')
        for (i in args.indices) {
            if (i > 0) sb.append(',')
            sb.append(converter.encode(args[i], types[i]))
        }
        return checkSize(sb.append(']').toString(), what)
    }

    /** Decodes a JSON array made by [encodeArgs]. */
    public fun decodeArgs(converter: DataConverter, payload: String?, types: List<Type>, what: String): List<Any?> {
        if (types.isEmpty()) return emptyList()
        val array = try {
            Json.parseToJsonElement(payload ?: "[]") as? JsonArray
        } catch (e: Exception) {
            throw InvalidArgumentException("$what is not a valid argument list: ${e.message}")
        } ?: throw InvalidArgumentException("$what is not a JSON array")
        if (array.size != types.size) throw InvalidArgumentException("$what has ${array.size} arguments, expected ${types.size}")
        return types.indices.map { i ->
            try {
                converter.decode(array[i].toString(), types[i])
            } catch (e: io.kadence.failure.KadenceException) {
                throw e
            } catch (e: Exception) {
                val reason = e.message?.lineSequence()?.firstOrNull() ?: e.javaClass.simpleName
                throw InvalidArgumentException("$what: argument ${i + 1} is not a valid ${types[i].typeName}: $reason")
            }
        }
    }

    /** Encodes one value, checking the size limit. */
    public fun encode(converter: DataConverter, value: Any?, type: Type, what: String): String =
        checkSize(converter.encode(value, type), what)

    /** Rejects payloads over [MAX_PAYLOAD_BYTES] with a [PayloadTooLargeException] naming [what]. */
    public fun checkSize(payload: String, what: String): String {
        // UTF-8 size is at most 3 bytes per char; count exactly only when it might be over.
        if (payload.length * 3L > MAX_PAYLOAD_BYTES) {
            val size = payload.toByteArray(Charsets.UTF_8).size
            if (size > MAX_PAYLOAD_BYTES) throw PayloadTooLargeException(what, size, MAX_PAYLOAD_BYTES)
        }
        return payload
    }
}
