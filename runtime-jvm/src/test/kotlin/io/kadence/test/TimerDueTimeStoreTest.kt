package io.kadence.test

import io.kadence.history.HistoryEvent
import io.kadence.history.TimerFired
import io.kadence.history.TimerStarted
import io.kadence.history.WorkflowSignaled
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.internal.spi.TaskCompletion
import io.kadence.internal.store.JdbcHistoryStore
import io.kadence.internal.store.StoreConfig
import java.util.UUID
import kotlin.test.Test
import kotlin.test.assertEquals

/**
 * A fired timer's workflow task is due at the timer's fire time, not at the moment the timer service
 * got to it: it queues behind only work that was due before it, and the task's lag (what admission
 * control watches) counts from the fire time.
 */
class TimerDueTimeStoreTest {
    @Test
    fun `a timer fired late queues by its fire time, ahead of a later signal`() {
        val url = if (TestStores.isPostgres) TestStores.newPgSchema() else StoreConfig.h2Memory("timer-due-" + UUID.randomUUID()).jdbcUrl
        val user = if (TestStores.isPostgres) TestStores.pgUser else "sa"
        JdbcHistoryStore(StoreConfig(url, user, "", 2)).use { store ->
            for (id in listOf("sleeper", "signaled")) {
                store.startWorkflow(StartWorkflowRequest("default", id, "T", "q", "run-$id", null, WorkflowStarted("T", id, "q", null, runId = "run-$id"), 1_000))
            }
            val firsts = store.pollWorkflowTasks("default", "q", "w", 2, 10_000, 1_000)
            assertEquals(listOf(1_000L, 1_000L), firsts.map { it.readyAt }, "a start's first task is due at the start")
            for (task in firsts) {
                val events = buildList {
                    add(HistoryEvent(2, 1_000, WorkflowTaskCompleted("w")))
                    if (task.run.workflowId == "sleeper") add(HistoryEvent(3, 1_000, TimerStarted(1, 500, 1_500)))
                }
                assertEquals(TaskCompletion.COMMITTED, store.completeWorkflowTask(task, events, 0, 1_000))
            }

            store.signal("default", "signaled", null, "poke", null, 1_600)
            // The timer service gets to the timer due at 1,500 only at 1,800.
            assertEquals(1, store.fireDueTimers(1_800, 10))

            val next = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_800).single()
            assertEquals("sleeper", next.run.workflowId, "the timer was due before the signal came")
            assertEquals(1_500L, next.readyAt)
            assertEquals(listOf(TimerFired(1)), next.inbox.map { it.attributes })
            val after = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_800).single()
            assertEquals("signaled", after.run.workflowId)
            assertEquals(1_600L, after.readyAt)
            assertEquals(listOf(WorkflowSignaled("poke", null)), after.inbox.map { it.attributes })
        }
    }
}
