package io.kadence.internal.store

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.Json
import java.security.MessageDigest
import java.security.SecureRandom
import java.util.Base64
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

/**
 * Recreate tokens: `base64url(JSON) "." base64url(HMAC-SHA256)`, signed with the namespace's secret
 * (table `session_token_keys`). The JSON names the namespace, task queue, session, host and
 * resources. A token is checked, not trusted: anything garbled, altered, forged, or from another
 * namespace is refused with a reason meant for the person who passed it.
 */
internal object SessionTokens {
    @Serializable
    class Content(
        @SerialName("v") val version: Int = 1,
        @SerialName("ns") val namespace: String,
        @SerialName("q") val taskQueue: String,
        @SerialName("s") val sessionId: String,
        @SerialName("h") val hostId: String,
        @SerialName("r") val resources: Map<String, Int>,
    )

    /** Why a token was refused. */
    class Refused(message: String) : Exception(message)

    private val json = Json { ignoreUnknownKeys = false }
    private val encoder = Base64.getUrlEncoder().withoutPadding()
    private val decoder = Base64.getUrlDecoder()

    fun newSecret(): String = ByteArray(32).also { SecureRandom().nextBytes(it) }.joinToString("") { "%02x".format(it) }

    fun issue(secret: String, content: Content): String {
        val payload = json.encodeToString(Content.serializer(), content).toByteArray()
        return encoder.encodeToString(payload) + "." + encoder.encodeToString(mac(secret, payload))
    }

    /** The content of [token] if it was issued in [namespace] with [secret] (null: the namespace never issued one); else [Refused]. */
    fun verify(token: String, namespace: String, secret: String?): Content {
        val garbled = "the recreate token is garbled: it is not one made by sessionInfo().recreateToken() (pass it on unchanged)"
        val parts = token.trim().split('.')
        if (parts.size != 2) throw Refused(garbled)
        val (payload, signature) = try {
            decoder.decode(parts[0]) to decoder.decode(parts[1])
        } catch (e: IllegalArgumentException) {
            throw Refused(garbled)
        }
        val content = try {
            json.decodeFromString(Content.serializer(), String(payload))
        } catch (e: Exception) {
            throw Refused(garbled)
        }
        if (content.namespace != namespace) {
            throw Refused("the recreate token belongs to namespace '${content.namespace}', but this workflow runs in '$namespace': tokens do not cross namespaces")
        }
        if (secret == null || !MessageDigest.isEqual(signature, mac(secret, payload))) {
            throw Refused("the recreate token's signature does not match: it was altered or forged, or made by another Kadence database")
        }
        return content
    }

    private fun mac(secret: String, payload: ByteArray): ByteArray =
        Mac.getInstance("HmacSHA256").apply { init(SecretKeySpec(secret.toByteArray(), "HmacSHA256")) }.doFinal(payload)
}
