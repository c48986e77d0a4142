package io.kadence.test

import io.kadence.internal.store.GroupCommit
import io.kadence.internal.store.JdbcHistoryStore
import io.kadence.internal.store.StoreConfig
import io.kadence.internal.store.Timers
import org.jetbrains.exposed.v1.core.eq
import org.jetbrains.exposed.v1.jdbc.insert
import org.jetbrains.exposed.v1.jdbc.selectAll
import java.util.UUID
import java.util.concurrent.CountDownLatch
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Transitions of concurrent callers share one commit; each still succeeds or fails on its own. */
class GroupCommitTest {
    /** Waits, with a deadline, until [condition] holds. */
    private fun awaitTrue(what: String, condition: () -> Boolean) {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (!condition()) {
            check(System.nanoTime() < deadline) { "timed out waiting until $what" }
            Thread.sleep(1)
        }
    }

    @Test
    fun `callers that arrive during a batch are committed together in the next one`() {
        val batches = CopyOnWriteArrayList<Int>()
        val firstRunning = CountDownLatch(1)
        val releaseFirst = CountDownLatch(1)
        lateinit var group: GroupCommit<Unit>
        group = GroupCommit(maxBatch = 32) { jobs ->
            batches += jobs.size
            if (batches.size == 1) {
                firstRunning.countDown()
                releaseFirst.await()
            }
        }
        fun job() = GroupCommit.Job<Unit, Unit>({ }, { })
        val first = thread { group.submit(job()) }
        assertTrue(firstRunning.await(10, TimeUnit.SECONDS))
        val others = (1..3).map { i -> thread { group.submit(job()) }.also { awaitTrue("$i callers wait") { group.waiting == i } } }
        releaseFirst.countDown()
        (others + first).forEach { it.join(10_000) }
        assertEquals(listOf(1, 3), batches.toList())
    }

    @Test
    fun `a transition that fails in a shared commit is rolled back alone`() {
        val url = if (TestStores.isPostgres) TestStores.newPgSchema() else StoreConfig.h2Memory("group-" + UUID.randomUUID()).jdbcUrl
        val user = if (TestStores.isPostgres) TestStores.pgUser else "sa"
        JdbcHistoryStore(StoreConfig(url, user, "", 4, groupCommit = true)).use { store ->
            // Hold the commit in progress so that the next three transitions queue up behind it.
            val holding = CountDownLatch(1)
            val release = CountDownLatch(1)
            val holder = thread { store.transition { holding.countDown(); release.await() } }
            assertTrue(holding.await(10, TimeUnit.SECONDS))

            fun insertTimer(run: String) = Timers.insert { it[runId] = run; it[seq] = 1; it[fireAt] = 5_000 }
            val errors = CopyOnWriteArrayList<String>()
            val transitions = listOf(
                thread { store.transition { insertTimer("run-a") } },
                thread {
                    try {
                        store.transition { insertTimer("run-b"); throw IllegalStateException("run-b refused") }
                    } catch (e: IllegalStateException) {
                        errors += e.message!!
                    }
                },
                thread { store.transition { insertTimer("run-c") } },
            )
            awaitTrue("three transitions wait") { store.waitingTransitions == 3 }
            release.countDown()
            (transitions + holder).forEach { it.join(10_000) }

            assertEquals(listOf("run-b refused"), errors.toList())
            val timers = store.transition { Timers.selectAll().map { it[Timers.runId] }.sorted() }
            assertEquals(listOf("run-a", "run-c"), timers, "the failed transition's row is gone, its neighbours' are committed")
            assertEquals(0, store.transition { Timers.selectAll().where { Timers.runId eq "run-b" }.count() })
        }
    }
}
