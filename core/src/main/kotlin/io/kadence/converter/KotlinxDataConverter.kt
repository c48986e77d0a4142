package io.kadence.converter

import io.kadence.failure.InvalidArgumentException
import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.Json
import kotlinx.serialization.serializer
import java.lang.reflect.Type
import java.util.concurrent.ConcurrentHashMap

/** [DataConverter] on kotlinx-serialization JSON. Serializers are looked up once per type. */
public class KotlinxDataConverter(private val json: Json = Json { encodeDefaults = true; ignoreUnknownKeys = true }) : DataConverter {
    private val serializers = ConcurrentHashMap<Type, KSerializer<Any?>>()

    @Suppress("UNCHECKED_CAST")
    private fun serializerFor(type: Type): KSerializer<Any?> = serializers.getOrPut(type) {
        try {
            json.serializersModule.serializer(type) as KSerializer<Any?>
        } catch (e: SerializationException) {
            throw InvalidArgumentException("no kotlinx serializer for type $type: mark the class @Serializable (${e.message})")
        } catch (e: IllegalArgumentException) {
            throw InvalidArgumentException("no kotlinx serializer for type $type: mark the class @Serializable (${e.message})")
        }
    }

    override fun encode(value: Any?, type: Type): String = json.encodeToString(serializerFor(type), value)

    override fun decode(json: String, type: Type): Any? = this.json.decodeFromString(serializerFor(type), json)
}
