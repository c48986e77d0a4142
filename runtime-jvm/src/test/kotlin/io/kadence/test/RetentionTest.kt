package io.kadence.test

import io.kadence.client.WorkflowStatus
import io.kadence.failure.WorkflowNotFoundException
import io.kadence.history.HistoryCodec
import io.kadence.internal.store.StoreConfig
import io.kadence.testing.TestKadence
import kotlinx.coroutines.runBlocking
import java.util.UUID
import java.util.concurrent.ConcurrentHashMap
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.time.Duration.Companion.days
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
}
