package io.kadence.test

import io.kadence.failure.WorkflowAlreadyStartedException
import io.kadence.history.ActivityScheduled
import io.kadence.history.ActivityTaskOptions
import io.kadence.history.HistoryEvent
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.internal.spi.RunStatus
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.internal.store.JdbcHistoryStore
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * The store's start that commits the run's first workflow task with it (a local worker ran that
 * task ahead, from the start alone), and what it records when the start finds a run instead.
 */
class StartWithTaskStoreTest {
    private fun openStore(): JdbcHistoryStore = TestStores.openStore("start-task")

    private fun request(runId: String, requestId: String? = null, conflict: String = "FAIL") = StartWorkflowRequest(
        "default", "merged", "T", "q", runId, requestId, WorkflowStarted("T", "merged", "q", null, runId = runId), 1_000,
        idConflictPolicy = conflict,
    )

    private val schedulesActivity = listOf(
        HistoryEvent(2, 1_000, WorkflowTaskCompleted("w")),
        HistoryEvent(3, 1_000, ActivityScheduled(1, "act", "q", null, ActivityTaskOptions(startToCloseMillis = 10_000))),
    )

    private fun JdbcHistoryStore.kinds(runId: String) = readHistory(runId).map { it.attributes::class.simpleName }

    @Test
    fun `the start and its first task commit together and leave no workflow task behind`() {
        openStore().use { store ->
            val result = store.startWorkflowWithTask(request("run-1"), schedulesActivity)
            assertEquals("run-1", result.runId)
            assertTrue(result.created)
            assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled"), store.kinds("run-1"))
            val run = store.findRun("default", "merged", null)!!
            assertEquals(RunStatus.RUNNING, run.status)
            assertEquals(4, run.nextEventId)
            assertEquals(emptyList(), store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_000))
            assertEquals(listOf(1L), store.pollActivityTasks("default", "q", "w", 5, 1_000).map { it.seq })
        }
    }

    @Test
    fun `a first task that completes the run closes it in the start's commit`() {
        openStore().use { store ->
            store.startWorkflowWithTask(request("run-1"), listOf(
                HistoryEvent(2, 1_000, WorkflowTaskCompleted("w")),
                HistoryEvent(3, 1_000, WorkflowCompleted("\"done\"")),
            ))
            val run = store.findRun("default", "merged", null)!!
            assertEquals(RunStatus.COMPLETED, run.status)
            assertEquals("\"done\"", run.result)
            assertEquals(emptyList(), store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_000))
        }
    }

    @Test
    fun `a retried start records nothing of the task computed for it`() {
        openStore().use { store ->
            store.startWorkflow(request("run-1", requestId = "req"))
            // The retry carries a new run id (as a client's does) and the same request id.
            val retried = store.startWorkflowWithTask(request("run-2", requestId = "req"), schedulesActivity)
            assertEquals("run-1", retried.runId)
            assertFalse(retried.created)
            assertEquals(listOf("WorkflowStarted"), store.kinds("run-1"))
            assertEquals(emptyList(), store.readHistory("run-2"))
            assertEquals(emptyList(), store.pollActivityTasks("default", "q", "w", 5, 1_000))
            // The stored start's own first task is still there for a worker.
            assertEquals("run-1", store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_000).single().run.runId)
        }
    }

    @Test
    fun `an open run under USE_EXISTING keeps its history, and FAIL stores nothing`() {
        openStore().use { store ->
            store.startWorkflowWithTask(request("run-1"), schedulesActivity)
            val existing = store.startWorkflowWithTask(request("run-2", conflict = "USE_EXISTING"), schedulesActivity)
            assertEquals("run-1", existing.runId)
            assertFalse(existing.created)
            assertFailsWith<WorkflowAlreadyStartedException> { store.startWorkflowWithTask(request("run-3"), schedulesActivity) }
            assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled"), store.kinds("run-1"))
            assertEquals(1, store.pollActivityTasks("default", "q", "w", 5, 1_000).size)
            assertEquals(null, store.findRun("default", "merged", "run-3"))
        }
    }

    @Test
    fun `events that do not follow the start are refused before anything is stored`() {
        openStore().use { store ->
            assertFailsWith<IllegalArgumentException> { store.startWorkflowWithTask(request("run-1"), schedulesActivity.drop(1).map { it.copy(eventId = 3) }) }
            assertFailsWith<IllegalArgumentException> { store.startWorkflowWithTask(request("run-1"), emptyList()) }
            assertEquals(null, store.findRun("default", "merged", null))
        }
    }
}
