package io.kadence.test

import io.kadence.client.signal
import io.kadence.failure.InvalidArgumentException
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/** Hostile ids: each is stored and found again exactly, or refused with a typed error before anything is stored. */
class BadInputTest {
    private val hostile = listOf(
        "it's \"quoted\"", "x'; DROP TABLE workflow_executions; --", "../../etc/passwd", "line\nbreak\r\n", "tab\there",
        "nul\u0000byte", "lone \uD800 surrogate", "a".repeat(1_000), "a".repeat(1_001), "emoji \uD83D\uDE00 ok", "",
    )

    @Test
    fun `hostile workflow ids are stored exactly or refused with InvalidArgumentException, and nothing else changes`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("bad", TestStores.workerOptions()) { register(Waits) }.start()
            val outcomes = LinkedHashMap<String, String>()
            for (id in hostile) {
                val before = kadence.client.count()
                outcomes[id] = try {
                    val h = kadence.client.start(Waits, Unit) { this.id = id; taskQueue = "bad" }
                    assertEquals(id, h.workflowId)
                    assertEquals(id, kadence.client.handle(Waits, id).describe().workflowId)
                    kadence.client.handle(Waits, id).signal("go", "done")
                    assertEquals(before + 1, kadence.client.count())
                    "stored"
                } catch (e: InvalidArgumentException) {
                    assertEquals(before, kadence.client.count(), "a refused start left a run behind: ${e.message}")
                    "refused: ${e.message}"
                }
            }
            // Only what cannot be stored faithfully is refused.
            val refused = outcomes.filterValues { it.startsWith("refused") }.keys
            assertEquals(setOf("nul\u0000byte", "lone \uD800 surrogate", "a".repeat(1_001), ""), refused, outcomes.toString())
            assertTrue(outcomes.getValue("").contains("workflow id"), outcomes.getValue(""))
        }
    }

    @Test
    fun `hostile signal names are delivered exactly or refused with InvalidArgumentException`() = runBlocking {
        TestStores.open().use { kadence ->
            val h = kadence.client.start(Waits, Unit) { id = "names"; taskQueue = "nobody-polls" }
            val refused = mutableListOf<String>()
            for (name in hostile) {
                try {
                    h.signal(name, "x")
                } catch (e: InvalidArgumentException) {
                    assertTrue("signal name" in e.message!!, e.message)
                    refused += name
                }
            }
            assertEquals(listOf("nul\u0000byte", "lone \uD800 surrogate", "a".repeat(1_001), ""), refused)
            // Nothing of a refused signal was stored; the others wait in the run's inbox exactly as sent.
            val kadenceStore = (TestStores.lastOpened!!)
            java.sql.DriverManager.getConnection(kadenceStore.first, kadenceStore.second, "").use { c ->
                c.createStatement().executeQuery("SELECT COUNT(*) FROM inbox").use { rs -> rs.next(); assertEquals(hostile.size - 4, rs.getInt(1)) }
            }
        }
    }
}
