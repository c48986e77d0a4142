package io.kadence.test

import io.kadence.history.ActivityCompleted
import io.kadence.history.ActivityScheduled
import io.kadence.history.ActivityTaskOptions
import io.kadence.history.HistoryEvent
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.internal.spi.TaskCompletion
import io.kadence.internal.store.JdbcHistoryStore
import io.kadence.internal.store.StoreConfig
import java.sql.DriverManager
import java.util.UUID
import kotlin.test.Test
import kotlin.test.assertEquals

/**
 * H2 keeps the parsed form of each statement per connection only while the database's metadata is
 * unchanged; any `SET` command counts as a change. The store's hot path must not issue one (Exposed
 * sets a query timeout on every statement, which H2 runs as `SET QUERY_TIMEOUT`), or every statement
 * is parsed and planned again.
 */
class H2StatementCacheTest {
    @Test
    fun `running workflows through the store leaves H2's metadata, and so its statement cache, untouched`() {
        val config = StoreConfig.h2Memory("stmt-cache-" + UUID.randomUUID(), 2)
        JdbcHistoryStore(config).use { store ->
            DriverManager.getConnection(config.jdbcUrl, "sa", "").use { probe ->
                val database = (probe.unwrap(org.h2.jdbc.JdbcConnection::class.java).session as org.h2.engine.SessionLocal).database
                fun oneRun(i: Int) {
                    val runId = "run-$i"
                    store.startWorkflow(StartWorkflowRequest("default", "wf-$i", "T", "q", runId, null, WorkflowStarted("T", "wf-$i", "q", null, runId = runId), 1_000))
                    val task = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_000).single()
                    val scheduled = listOf(
                        HistoryEvent(2, 1_000, WorkflowTaskCompleted("w")),
                        HistoryEvent(3, 1_000, ActivityScheduled(1, "act", "q", null, ActivityTaskOptions(startToCloseMillis = 10_000))),
                    )
                    assertEquals(TaskCompletion.COMMITTED, store.completeWorkflowTask(task, scheduled, 0, 1_000))
                    val activity = store.pollActivityTasks("default", "q", "w", 1, 1_000).single()
                    val outcome = ActivityCompleted(1, "\"ok\"", 1)
                    val closing = listOf(
                        HistoryEvent(4, 2_000, outcome),
                        HistoryEvent(5, 2_000, WorkflowTaskCompleted("w")),
                        HistoryEvent(6, 2_000, WorkflowCompleted("\"done\"")),
                    )
                    check(store.completeActivityWithTask(activity, outcome, closing, 2_000))
                }
                oneRun(0) // the first run may create H2's internal objects (sequences' caches, LOB maps)
                val before = database.modificationMetaId
                for (i in 1..20) oneRun(i)
                assertEquals(before, database.modificationMetaId, "H2 metadata changed while runs went through the store: statements were re-parsed")
            }
        }
    }
}
