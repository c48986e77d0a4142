package io.kadence.test

import io.kadence.failure.StaleTaskException
import io.kadence.history.ActivityCompleted
import io.kadence.history.ActivityScheduled
import io.kadence.history.ActivityTaskOptions
import io.kadence.history.HistoryEvent
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.internal.spi.ActivityTaskLease
import io.kadence.internal.spi.RunStatus
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.internal.spi.TaskCompletion
import io.kadence.internal.store.JdbcHistoryStore
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * The store's combined commit of an activity's outcome with the workflow task that consumes it
 * (the fast path of a local worker that holds the run in memory), and its fallback.
 */
class FusedCompletionStoreTest {
    private fun openStore(): JdbcHistoryStore = TestStores.openStore("fused")

    /** Starts run-1, records a task that schedules activity seq 1, and claims that activity. */
    private fun JdbcHistoryStore.activityInFlight(): ActivityTaskLease {
        startWorkflow(StartWorkflowRequest("default", "fused", "T", "q", "run-1", null, WorkflowStarted("T", "fused", "q", null, runId = "run-1"), 1_000))
        val task = pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_000).single()
        val events = listOf(
            HistoryEvent(2, 1_000, WorkflowTaskCompleted("w")),
            HistoryEvent(3, 1_000, ActivityScheduled(1, "act", "q", null, ActivityTaskOptions(startToCloseMillis = 10_000))),
        )
        assertEquals(TaskCompletion.COMMITTED, completeWorkflowTask(task, events, 0, 1_000))
        return pollActivityTasks("default", "q", "w", 1, 1_000).single()
    }

    private val outcome = ActivityCompleted(1, "\"ok\"", 1)
    private val nextTask = listOf(
        HistoryEvent(4, 2_000, outcome),
        HistoryEvent(5, 2_000, WorkflowTaskCompleted("w")),
        HistoryEvent(6, 2_000, WorkflowCompleted("\"done\"")),
    )

    private fun JdbcHistoryStore.kinds() = readHistory("run-1").map { it.attributes::class.simpleName }

    @Test
    fun `the outcome and the next task commit together when nothing else waits for the run`() {
        openStore().use { store ->
            val activity = store.activityInFlight()
            assertTrue(store.completeActivityWithTask(activity, outcome, nextTask, 2_000))
            val run = store.findRun("default", "fused", null)!!
            assertEquals(RunStatus.COMPLETED, run.status)
            assertEquals("\"done\"", run.result)
            assertEquals(
                listOf("WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled", "ActivityCompleted", "WorkflowTaskCompleted", "WorkflowCompleted"),
                store.kinds(),
            )
            assertEquals(emptyList(), store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 2_000))
            // The same lease again: the activity is no longer held, nothing changes.
            assertFailsWith<StaleTaskException> { store.completeActivityWithTask(activity, outcome, nextTask, 2_000) }
            assertEquals(6, store.readHistory("run-1").size)
        }
    }

    @Test
    fun `a signal waiting for the run turns the combined commit into a plain input`() {
        openStore().use { store ->
            val activity = store.activityInFlight()
            store.signal("default", "fused", null, "note", "\"hi\"", 1_500)
            assertFalse(store.completeActivityWithTask(activity, outcome, nextTask, 2_000))
            // Nothing of the task computed ahead was recorded; both inputs wait, in arrival order.
            assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled"), store.kinds())
            assertEquals(RunStatus.RUNNING, store.findRun("default", "fused", null)!!.status)
            val task = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 2_000).single()
            assertEquals(listOf("WorkflowSignaled", "ActivityCompleted"), task.inbox.map { it.attributes::class.simpleName })
        }
    }

    @Test
    fun `a run that moved on since the task was computed only gets the outcome as an input`() {
        openStore().use { store ->
            val activity = store.activityInFlight()
            val stale = nextTask.map { it.copy(eventId = it.eventId - 1) }
            assertFalse(store.completeActivityWithTask(activity, outcome, stale, 2_000))
            assertEquals(3, store.readHistory("run-1").size)
            val task = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 2_000).single()
            assertEquals(listOf(outcome), task.inbox.map { it.attributes })
        }
    }
}
