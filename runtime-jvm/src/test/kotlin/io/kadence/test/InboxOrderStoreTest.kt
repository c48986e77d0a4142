package io.kadence.test

import io.kadence.history.HistoryCodec
import io.kadence.history.HistoryEvent
import io.kadence.history.WorkflowSignaled
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
import kotlin.test.assertTrue

/**
 * Inbox rows are numbered when inserted but seen when committed, so a row can appear behind one
 * with a higher number. A workflow task must consume exactly the rows it read.
 */
class InboxOrderStoreTest {
    @Test
    fun `an input that commits after a task read a later-numbered one is kept for the next task`() {
        val url = if (TestStores.isPostgres) TestStores.newPgSchema() else StoreConfig.h2Memory("inbox-" + UUID.randomUUID()).jdbcUrl
        val user = if (TestStores.isPostgres) TestStores.pgUser else "sa"
        JdbcHistoryStore(StoreConfig(url, user, "", 2)).use { store ->
            store.startWorkflow(StartWorkflowRequest("default", "wf", "T", "q", "run-1", null, WorkflowStarted("T", "wf", "q", null, runId = "run-1"), 1_000))
            val first = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_000).single()
            assertEquals(TaskCompletion.COMMITTED, store.completeWorkflowTask(first, listOf(HistoryEvent(2, 1_000, WorkflowTaskCompleted("w"))), 0, 1_000))

            DriverManager.getConnection(url, user, "").use { slow ->
                slow.autoCommit = false
                // This input takes its number first but commits last.
                slow.prepareStatement("INSERT INTO inbox (run_id, body, created_at) VALUES (?, ?, ?)").use {
                    it.setString(1, "run-1")
                    it.setString(2, HistoryCodec.encodeAttributes(WorkflowSignaled("late", null)))
                    it.setLong(3, 1_500)
                    it.executeUpdate()
                }
                store.signal("default", "wf", null, "early", null, 1_600)
                val task = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 2_000).single()
                assertEquals(listOf(WorkflowSignaled("early", null)), task.inbox.map { it.attributes })
                slow.commit()

                val events = listOf(HistoryEvent(3, 2_000, WorkflowSignaled("early", null)), HistoryEvent(4, 2_000, WorkflowTaskCompleted("w")))
                assertEquals(TaskCompletion.COMMITTED, store.completeWorkflowTask(task, events, task.inbox.last().seq, 2_000))
            }
            val next = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 3_000)
            assertTrue(next.isNotEmpty(), "the late input was dropped: no task was left for it")
            assertEquals(listOf(WorkflowSignaled("late", null)), next.single().inbox.map { it.attributes })
        }
    }
}
