package io.kadence.test

import io.kadence.client.WorkflowStatus
import io.kadence.failure.WorkflowNotFoundException
import io.kadence.history.HistoryCodec
import io.kadence.internal.store.StoreConfig
import io.kadence.testing.TestKadence
import io.kadence.client.signal
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.UUID
import java.util.concurrent.ConcurrentHashMap
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** Retention: closed runs are deleted after their namespace's retention, exported first; open runs stay. */
class RetentionTest {
    @Test
    fun `closed runs past retention are exported and deleted, open ones stay, and describe says when`() = runBlocking {
        val url = if (TestStores.isPostgres) TestStores.newPgSchema() else StoreConfig.h2Memory("ret-" + UUID.randomUUID()).jdbcUrl
        val user = if (TestStores.isPostgres) TestStores.pgUser else "sa"
        val exported = ConcurrentHashMap<String, String>()
        TestKadence.create(url, user, "") {
            namespace = "audit"
            retention = 3.days
            retentionExport = { run, history -> exported[run.workflowId] = HistoryCodec.exportHistory(history) }
        }.use { kadence ->
            kadence.worker("ret", TestStores.workerOptions()) { register(Immediate); register(WaitsForGo) }.start()
            val done = kadence.client.start(Immediate, "bye") { id = "done"; taskQueue = "ret" }
            assertEquals("bye", done.result(30.seconds))
            val open = kadence.client.start(WaitsForGo, Unit) { id = "open"; taskQueue = "ret" }
            val d = done.describe()
            assertEquals(d.closeTime!!.plusMillis(3.days.inWholeMilliseconds), d.purgeAt)
            assertEquals(null, open.describe().purgeAt)

            TestKadence.advance(kadence, 4.days)
            eventuallyTrue("the closed run to be purged") { runCatching { done.describe() }.exceptionOrNull() is WorkflowNotFoundException }
            assertFailsWith<WorkflowNotFoundException> { kadence.client.handle(Immediate, "done").describe() }
            assertEquals(setOf("done"), exported.keys)
            assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "WorkflowCompleted"),
                HistoryCodec.importHistory(exported.getValue("done")).map { it.attributes::class.simpleName })
            assertEquals(WorkflowStatus.RUNNING, open.describe().status)
            assertEquals(listOf("open"), kadence.client.list().map { it.workflowId })
        }
        // Retention is per namespace: the default namespace keeps its 7 days.
        TestKadence.create(url, user, "").use { other ->
            other.worker("ret", TestStores.workerOptions()) { register(Immediate) }.start()
            val h = other.client.start(Immediate, "hi") { id = "elsewhere"; taskQueue = "ret" }
            h.result(30.seconds)
            val d = h.describe()
            assertEquals(d.closeTime!!.plusMillis(7.days.inWholeMilliseconds), d.purgeAt)
        }
    }

    @Test
    fun `the engine's retention pass deletes one batch per call, so the timer loop is never held for a whole backlog`() = runBlocking {
        val url = storeUrl()
        TestKadence.create(url, storeUser, "") { namespace = "passes"; retention = 1.days }.use { kadence ->
            TestKadence.holdTime(kadence)
            kadence.worker("ret", TestStores.workerOptions()) { register(Immediate) }.start()
            (1..5).forEach { i -> kadence.client.start(Immediate, "c$i") { id = "c$i"; taskQueue = "ret" }.result(30.seconds) }
            val later = kadence.virtualNow() + 2.days.inWholeMilliseconds
            // A second engine on the same database, with no timer service: only these calls purge.
            val purger = io.kadence.internal.runtime.Engine(
                io.kadence.internal.store.JdbcHistoryStore(StoreConfig(url, storeUser, "", 2)),
                io.kadence.internal.runtime.SystemEngineClock, io.kadence.converter.DataConverter.default, "passes", "purger",
            )
            purger.use {
                it.purgeBatchSize = 2
                // Two runs deleted, more to look at (counted as one more unit of work), twice; then the last run.
                assertEquals(listOf(3, 3, 1), (1..3).map { _ -> it.purgeIfDue(later) })
                assertEquals(emptyList(), kadence.client.list().map { r -> r.workflowId })
                assertEquals(0, it.purgeIfDue(later + 59_000), "the next pass starts a minute after this one")
                assertEquals(0, it.purgeIfDue(later + 60_000), "a new pass finds nothing left")
            }
        }
    }

    @Test
    fun `purge goes through expired runs a batch at a time and leaves open runs untouched`() = runBlocking {
        TestKadence.create(storeUrl(), storeUser, "") { namespace = "batches"; retention = 1.days }.use { kadence ->
            TestKadence.holdTime(kadence)
            kadence.worker("ret", TestStores.workerOptions()) { register(Immediate); register(WaitsForGo) }.start()
            val closed = (1..5).map { i -> kadence.client.start(Immediate, "c$i") { id = "c$i"; taskQueue = "ret" }.also { it.result(30.seconds) } }
            val open = (1..2).map { i -> kadence.client.start(WaitsForGo, Unit) { id = "o$i"; taskQueue = "ret" } }
            open.forEach { h -> eventuallyTrue("${h.workflowId} to run its first task") {
                h.history().toList().map { it.attributes::class.simpleName } == listOf("WorkflowStarted", "WorkflowTaskCompleted")
            } }
            val openHistories = open.associate { it.workflowId to it.history().toList() }

            val store = kadence.engine.store
            val later = kadence.virtualNow() + 2.days.inWholeMilliseconds
            val exported = ArrayList<List<String>>()
            val batches = ArrayList<io.kadence.internal.spi.PurgeBatch>()
            var cursor: io.kadence.internal.spi.PurgeCursor? = null
            do {
                val seen = ArrayList<String>()
                val batch = store.purgeClosedRuns("batches", later, 2, cursor) { run, _ -> seen += run.workflowId }
                batches += batch
                exported += seen
                cursor = batch.next
            } while (cursor != null)
            assertEquals(listOf(2, 2, 1), batches.map { it.purged })
            assertEquals(listOf(2, 2, 1), exported.map { it.size })
            assertEquals(closed.map { it.workflowId }.toSet(), exported.flatten().toSet())
            assertEquals(listOf(false, false, true), batches.map { it.next == null })
            assertTrue(batches.all { it.exportFailed.isEmpty() })
            closed.forEach { h -> assertFailsWith<WorkflowNotFoundException> { h.describe() } }
            for (h in open) {
                assertEquals(WorkflowStatus.RUNNING, h.describe().status)
                assertEquals(openHistories.getValue(h.workflowId), h.history().toList())
            }
            assertEquals(setOf("o1", "o2"), kadence.client.list().map { it.workflowId }.toSet())
            // Nothing is left to purge; the open runs still finish normally.
            assertEquals(io.kadence.internal.spi.PurgeBatch(0, emptyList(), null), store.purgeClosedRuns("batches", later, 2, null, null))
            open.forEach { it.signal("go", "done") }
            open.forEach { assertEquals("done", it.result(30.seconds)) }
        }
    }

    @Test
    fun `a run whose export fails is kept and retried later without holding up the others`() = runBlocking {
        val failing = java.util.concurrent.atomic.AtomicBoolean(true)
        val attempts = java.util.concurrent.atomic.AtomicInteger()
        val exported = java.util.concurrent.ConcurrentLinkedQueue<String>()
        val warnings = LogCapture.of("io.kadence.retention")
        try {
            TestKadence.create(storeUrl(), storeUser, "") {
                namespace = "flaky"
                retention = 3.days
                retentionExport = { run, _ ->
                    if (run.workflowId == "bad") {
                        attempts.incrementAndGet()
                        if (failing.get()) throw java.io.IOException("archive unreachable")
                    }
                    exported += run.workflowId
                }
            }.use { kadence ->
                kadence.engine.purgeBatchSize = 2
                TestKadence.holdTime(kadence)
                kadence.worker("ret", TestStores.workerOptions()) { register(Immediate); register(WaitsForGo) }.start()
                // The failing run closes first, so it heads every batch of a pass.
                val bad = kadence.client.start(Immediate, "x") { id = "bad"; taskQueue = "ret" }.also { it.result(30.seconds) }
                TestKadence.advance(kadence, 1.minutes)
                val good = (1..5).map { i -> kadence.client.start(Immediate, "g$i") { id = "g$i"; taskQueue = "ret" }.also { it.result(30.seconds) } }
                val open = kadence.client.start(WaitsForGo, Unit) { id = "open"; taskQueue = "ret" }

                TestKadence.advance(kadence, 4.days)
                eventuallyTrue("every run but the failing one to be purged") {
                    good.all { runCatching { it.describe() }.exceptionOrNull() is WorkflowNotFoundException }
                }
                assertEquals(good.map { it.workflowId }.toSet(), exported.toSet())
                assertEquals(5, exported.size)
                assertEquals(1, attempts.get(), "the failing run is tried once per pass, not once per batch")
                assertEquals(WorkflowStatus.COMPLETED, bad.describe().status)
                assertEquals(WorkflowStatus.RUNNING, open.describe().status)
                val warning = warnings.list.single { it.level == ch.qos.logback.classic.Level.WARN }.formattedMessage.orEmpty()
                assertTrue(bad.runId!! in warning && "'bad'" in warning && "archive unreachable" in warning, warning)

                // The next pass (a minute of engine time later) tries it again; now the export succeeds.
                failing.set(false)
                TestKadence.advance(kadence, 2.minutes)
                eventuallyTrue("the failing run to be purged once its export succeeds") {
                    runCatching { bad.describe() }.exceptionOrNull() is WorkflowNotFoundException
                }
                assertEquals(2, attempts.get())
                assertEquals(good.map { it.workflowId }.toSet() + "bad", exported.toSet())
                assertEquals(WorkflowStatus.RUNNING, open.describe().status)
                assertEquals(listOf("open"), kadence.client.list().map { it.workflowId })
            }
        } finally {
            warnings.detach()
        }
    }

    private val storeUser = if (TestStores.isPostgres) TestStores.pgUser else "sa"

    private fun storeUrl(): String = if (TestStores.isPostgres) TestStores.newPgSchema() else StoreConfig.h2Memory("ret-" + UUID.randomUUID()).jdbcUrl
}
