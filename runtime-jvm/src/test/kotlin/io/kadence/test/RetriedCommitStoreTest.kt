package io.kadence.test

import io.kadence.failure.StaleTaskException
import io.kadence.failure.WorkflowClosedException
import io.kadence.history.ActivityScheduled
import io.kadence.history.ActivityTaskOptions
import io.kadence.history.HistoryEvent
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.internal.spi.RunStatus
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.internal.spi.TaskCompletion
import io.kadence.internal.store.JdbcHistoryStore
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse

/**
 * A commit whose acknowledgement is lost is retried by its caller with the same arguments. Each
 * store operation is repeated here exactly as such a retry would repeat it, after the first one
 * committed: the retry must change nothing.
 */
class RetriedCommitStoreTest {
    private fun openStore(): JdbcHistoryStore = TestStores.openStore("retried")

    private fun start(runId: String) = StartWorkflowRequest(
        "default", "wf", "T", "q", runId, "request-1", WorkflowStarted("T", "wf", "q", null, runId = runId), 1_000,
    )

    private fun JdbcHistoryStore.kinds() = readHistory("run-1").map { it.attributes::class.simpleName }

    @Test
    fun `every commit retried after a lost acknowledgement changes nothing`() {
        openStore().use { store ->
            // A start: the retry (same request id; the client made a new run id for it) gets the first run.
            assertEquals("run-1", store.startWorkflow(start("run-1")).runId)
            val again = store.startWorkflow(start("run-1-retry"))
            assertEquals("run-1", again.runId)
            assertFalse(again.created)

            // A workflow task completion: the retry is fenced (the run moved on, the task is gone).
            val task = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_000).single()
            val events = listOf(
                HistoryEvent(2, 1_000, WorkflowTaskCompleted("w")),
                HistoryEvent(3, 1_000, ActivityScheduled(1, "act", "q", null, ActivityTaskOptions(startToCloseMillis = 10_000))),
            )
            assertEquals(TaskCompletion.COMMITTED, store.completeWorkflowTask(task, events, 0, 1_000))
            assertFailsWith<StaleTaskException> { store.completeWorkflowTask(task, events, 0, 1_000) }
            assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled"), store.kinds())

            // An activity completion: the retry finds the attempt no longer held.
            val activity = store.pollActivityTasks("default", "q", "w", 1, 1_000).single()
            store.completeActivityTask(activity, "\"ok\"", 2_000)
            assertFailsWith<StaleTaskException> { store.completeActivityTask(activity, "\"ok\"", 2_000) }

            // A signal with its request id: delivered once.
            store.signal("default", "wf", null, "note", "\"hi\"", 2_500, requestId = "signal-1")
            store.signal("default", "wf", null, "note", "\"hi\"", 2_500, requestId = "signal-1")

            // The next task sees one outcome and one signal.
            val next = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 3_000).single()
            assertEquals(listOf("ActivityCompleted", "WorkflowSignaled"), next.inbox.map { it.attributes::class.simpleName })

            // A termination: the retry is told the run is closed; the history ends once.
            store.terminate("default", "wf", null, "done", 4_000)
            assertFailsWith<WorkflowClosedException> { store.terminate("default", "wf", null, "done", 4_000) }
            assertEquals(RunStatus.TERMINATED, store.findRun("default", "wf", null)!!.status)
            assertEquals(1, store.kinds().count { it == "WorkflowTerminated" })
        }
    }
}
