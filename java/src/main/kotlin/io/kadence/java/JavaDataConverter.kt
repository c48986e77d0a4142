package io.kadence.java

import com.fasterxml.jackson.databind.DeserializationFeature
import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.databind.SerializationFeature
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule
import io.kadence.converter.DataConverter
import io.kadence.converter.KotlinxDataConverter
import io.kadence.failure.InvalidArgumentException
import java.lang.reflect.Type
import java.util.concurrent.ConcurrentHashMap

/**
 * The Java facade's default [DataConverter]: kotlinx-serialization for the types it knows
 * (`@Serializable` Kotlin classes, strings, numbers, and collections of them), Jackson for the rest —
 * Java records, POJOs, and collections of them (with `java.time` types as ISO-8601 text). The choice is made once per type. Pass another
 * [ObjectMapper] to configure Jackson (modules, naming), or any other [DataConverter] through
 * [KadenceOptions.Builder.dataConverter].
 */
public class JavaDataConverter @JvmOverloads constructor(
    private val mapper: ObjectMapper = ObjectMapper()
        .registerModule(JavaTimeModule())
        .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false),
    private val kotlinx: DataConverter = KotlinxDataConverter(),
) : DataConverter {
    private val usesKotlinx = ConcurrentHashMap<Type, Boolean>()

    private fun kotlinxKnows(type: Type): Boolean = usesKotlinx.getOrPut(type) {
        try {
            kotlinx.encode(null, type)
            true
        } catch (e: InvalidArgumentException) {
            false
        } catch (e: Exception) {
            // The serializer exists; it only refused null for a non-null type.
            true
        }
    }

    override fun encode(value: Any?, type: Type): String =
        if (kotlinxKnows(type)) kotlinx.encode(value, type) else mapper.writeValueAsString(value)

    override fun decode(json: String, type: Type): Any? =
        if (kotlinxKnows(type)) kotlinx.decode(json, type) else mapper.readValue(json, mapper.typeFactory.constructType(type))
}
