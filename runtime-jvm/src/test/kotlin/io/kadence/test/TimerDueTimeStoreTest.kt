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

    @Test
    fun `a task taken over from an expired lease reports no due time`() {
        val url = if (TestStores.isPostgres) TestStores.newPgSchema() else StoreConfig.h2Memory("lease-due-" + UUID.randomUUID()).jdbcUrl
        val user = if (TestStores.isPostgres) TestStores.pgUser else "sa"
        JdbcHistoryStore(StoreConfig(url, user, "", 2)).use { store ->
            store.startWorkflow(StartWorkflowRequest("default", "w", "T", "q", "run-w", null, WorkflowStarted("T", "w", "q", null, runId = "run-w"), 1_000))
            // Leased for 1 ms of the database's clock, by a worker that then dies.
            assertEquals(1_000L, store.pollWorkflowTasks("default", "q", "dead", 1, 1, 1_000).single().readyAt)
            val deadline = System.nanoTime() + 10_000_000_000
            var taken = store.pollWorkflowTasks("default", "q", "alive", 1, 10_000, 1_000)
            while (taken.isEmpty() && System.nanoTime() < deadline) taken = store.pollWorkflowTasks("default", "q", "alive", 1, 10_000, 1_000)
            val task = taken.single()
            assertEquals(2L, task.token, "the second lease of the task")
            assertEquals(null, task.readyAt, "its lateness is the dead worker's, not a queue's: no lag reported")
        }
    }

    @Test
    fun `many runs' due timers are fired in two transactions, each run's timers together`() {
        val url = if (TestStores.isPostgres) TestStores.newPgSchema() else StoreConfig.h2Memory("timer-fire-" + UUID.randomUUID()).jdbcUrl
        val user = if (TestStores.isPostgres) TestStores.pgUser else "sa"
        JdbcHistoryStore(StoreConfig(url, user, "", 4)).use { store ->
            val ids = (0 until 40).map { "sleeper-%02d".format(it) }
            for (id in ids) store.startWorkflow(StartWorkflowRequest("default", id, "T", "q", "run-$id", null, WorkflowStarted("T", id, "q", null, runId = "run-$id"), 1_000))
            val firsts = store.pollWorkflowTasks("default", "q", "w", 40, 10_000, 1_000)
            assertEquals(40, firsts.size)
            for (task in firsts) {
                val events = buildList {
                    add(HistoryEvent(2, 1_000, WorkflowTaskCompleted("w")))
                    add(HistoryEvent(3, 1_000, TimerStarted(1, 500, 1_500)))
                    // One run, in the middle (where the due runs are split), has two timers due.
                    if (task.run.workflowId == "sleeper-20") add(HistoryEvent(4, 1_000, TimerStarted(2, 600, 1_600)))
                }
                assertEquals(TaskCompletion.COMMITTED, store.completeWorkflowTask(task, events, 0, 1_000))
            }
            assertEquals(41, store.fireDueTimers(2_000, 100))
            assertEquals(0, store.fireDueTimers(2_000, 100), "every due timer fired once")
            val tasks = store.pollWorkflowTasks("default", "q", "w", 100, 10_000, 2_000).associateBy { it.run.workflowId }
            assertEquals(ids.toSet(), tasks.keys)
            for ((id, task) in tasks) {
                val want = if (id == "sleeper-20") listOf(TimerFired(1), TimerFired(2)) else listOf(TimerFired(1))
                assertEquals(want, task.inbox.map { it.attributes }, id)
                assertEquals(1_500L, task.readyAt, "$id's task is due at its first timer's fire time")
            }
        }
    }
}
