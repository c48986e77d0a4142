package io.kadence.test

import io.kadence.internal.ids.OrderedIds
import java.util.UUID
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Run ids are version-7 UUIDs: unique, and in the order they were made as text, which is how the indexes sort them. */
class OrderedIdsTest {
    @Test
    fun `an id is a version 7 UUID carrying the time it was made`() {
        val before = System.currentTimeMillis()
        val id = UUID.fromString(OrderedIds.next())
        val after = System.currentTimeMillis()
        assertEquals(7, id.version())
        assertEquals(2, id.variant())
        val millis = id.mostSignificantBits ushr 16
        assertTrue(millis in before..after, "id time $millis outside $before..$after")
    }

    @Test
    fun `ids made in a later millisecond sort after earlier ones as text`() {
        // Across every boundary where a hex digit carries, and across the years ahead.
        val times = listOf(0L, 1, 15, 16, 0xFFFF, 0x10000, 1_700_000_000_000, 1_700_000_000_001, 4_102_444_800_000)
        val ids = times.map { OrderedIds.at(it) }
        assertEquals(ids.sorted(), ids)
        assertEquals(times, ids.map { UUID.fromString(it).mostSignificantBits ushr 16 })
    }

    @Test
    fun `a hundred thousand ids made at once are all different`() {
        val ids = List(100_000) { OrderedIds.next() }
        assertEquals(ids.size, ids.toSet().size)
        assertTrue(ids.all { it.length == 36 })
    }
}
