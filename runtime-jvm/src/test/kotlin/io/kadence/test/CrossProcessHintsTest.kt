package io.kadence.test

import io.kadence.history.WorkflowStarted
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.internal.spi.StoreListener
import io.kadence.internal.store.JdbcHistoryStore
import io.kadence.internal.store.StoreConfig
import org.junit.jupiter.api.Assumptions.assumeTrue
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals

/** Wake-up hints reach other processes through PostgreSQL LISTEN/NOTIFY, only for committed work. */
class CrossProcessHintsTest {
    @Test
    fun `a store is woken by work committed through another store on the same PostgreSQL database`() {
        assumeTrue(TestStores.isPostgres, "LISTEN/NOTIFY is PostgreSQL's; this test runs in the PostgreSQL pass")
        val url = TestStores.newPgSchema()
        JdbcHistoryStore(StoreConfig(url, TestStores.pgUser, "", 2)).use { a ->
            JdbcHistoryStore(StoreConfig(url, TestStores.pgUser, "", 2)).use { b ->
                val seen = LinkedBlockingQueue<String>()
                a.listener = object : StoreListener {
                    override fun workflowTaskReady(namespace: String, taskQueue: String) { seen += "$namespace/$taskQueue" }
                    override fun runClosed(runId: String) { seen += "closed/$runId" }
                }
                // Give the LISTEN connection a moment to be registered, then commit through the other store.
                val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20)
                var got: String? = null
                var n = 0
                while (got == null && System.nanoTime() < deadline) {
                    n++
                    val started = WorkflowStarted("T", "wf-$n", "hinted-queue", "null")
                    b.startWorkflow(StartWorkflowRequest("default", "wf-$n", "T", "hinted-queue", "run-$n", null, started, 0))
                    got = seen.poll(500, TimeUnit.MILLISECONDS)
                }
                assertEquals("default/hinted-queue", got)
            }
        }
    }
}
