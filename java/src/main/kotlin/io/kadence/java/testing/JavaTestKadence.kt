package io.kadence.java.testing

import io.kadence.converter.DataConverter
import io.kadence.java.JavaDataConverter
import io.kadence.java.Kadence
import io.kadence.testing.TestKadence
import java.time.Instant
import kotlin.time.toKotlinDuration
import java.time.Duration as JDuration

/**
 * The test kit for Java: Kadence on a private in-memory H2 database (or the database at a JDBC
 * URL) with a virtual clock that jumps to the next timer when nothing else can run, and the Java
 * data converter.
 */
public object JavaTestKadence {
    /** Kadence on a private in-memory H2 database, with the default [JavaDataConverter]. */
    @JvmStatic public fun create(): Kadence = create(JavaDataConverter())

    /** The same, with [converter] for payloads (a [JavaDataConverter] with its own ObjectMapper, or any other). */
    @JvmStatic public fun create(converter: DataConverter): Kadence = Kadence.wrap(TestKadence.create { dataConverter = converter })

    /** Kadence on the database at [jdbcUrl] (PostgreSQL, H2), with the default [JavaDataConverter]. */
    @JvmStatic public fun create(jdbcUrl: String, user: String, password: String): Kadence = create(jdbcUrl, user, password, JavaDataConverter())

    /** The same, with [converter] for payloads. */
    @JvmStatic public fun create(jdbcUrl: String, user: String, password: String, converter: DataConverter): Kadence =
        Kadence.wrap(TestKadence.create(jdbcUrl, user, password) { dataConverter = converter })

    /** The virtual time now. */
    @JvmStatic public fun now(kadence: Kadence): Instant = TestKadence.now(kadence.kotlin)

    /** Moves the virtual clock forward by [by]. */
    @JvmStatic public fun advance(kadence: Kadence, by: JDuration): Unit = TestKadence.advance(kadence.kotlin, by.toKotlinDuration())

    /** Stops the clock's jumps (time moves only with [advance]) until [releaseTime]. */
    @JvmStatic public fun holdTime(kadence: Kadence): Unit = TestKadence.holdTime(kadence.kotlin)

    @JvmStatic public fun releaseTime(kadence: Kadence): Unit = TestKadence.releaseTime(kadence.kotlin)
}
