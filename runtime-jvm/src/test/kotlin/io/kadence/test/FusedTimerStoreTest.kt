package io.kadence.test

import io.kadence.history.HistoryEvent
import io.kadence.history.TimerFired
import io.kadence.history.TimerStarted
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowSignaled
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.internal.spi.DueTimer
import io.kadence.internal.spi.RunStatus
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.internal.spi.TaskCompletion
import io.kadence.internal.spi.TimerFiring
import io.kadence.internal.store.JdbcHistoryStore
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

/**
 * The store's combined commit of a fired timer with the workflow task that consumes it (what a
 * local worker that holds the run in memory does when the timer is due), and its fallbacks.
 */
class FusedTimerStoreTest {
    private fun openStore(): JdbcHistoryStore = TestStores.openStore("fused-timer")

    /** Starts run-1 and records a task that starts timer 1, due at 1,500; returns that timer as due at 1,600. */
    private fun JdbcHistoryStore.sleeping(): DueTimer {
        startWorkflow(StartWorkflowRequest("default", "sleeper", "T", "q", "run-1", null, WorkflowStarted("T", "sleeper", "q", null, runId = "run-1"), 1_000))
        val task = pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_000).single()
        val events = listOf(HistoryEvent(2, 1_000, WorkflowTaskCompleted("w")), HistoryEvent(3, 1_000, TimerStarted(1, 500, 1_500)))
        assertEquals(TaskCompletion.COMMITTED, completeWorkflowTask(task, events, 0, 1_000))
        return dueTimers(1_600, 10).single()
    }

    private val nextTask = listOf(
        HistoryEvent(4, 1_600, TimerFired(1)),
        HistoryEvent(5, 1_600, WorkflowTaskCompleted("w")),
        HistoryEvent(6, 1_600, WorkflowCompleted("\"done\"")),
    )

    private fun JdbcHistoryStore.kinds() = readHistory("run-1").map { it.attributes::class.simpleName }

    @Test
    fun `the fired timer and the next task commit together when nothing else waits for the run`() {
        openStore().use { store ->
            val timer = store.sleeping()
            assertEquals(DueTimer("run-1", 1, 1_500, isRunTimeout = false), timer)
            assertEquals(TimerFiring.FUSED, store.fireTimerWithTask(timer, nextTask, 1_600))
            val run = store.findRun("default", "sleeper", null)!!
            assertEquals(RunStatus.COMPLETED, run.status)
            assertEquals("\"done\"", run.result)
            assertEquals(
                listOf("WorkflowStarted", "WorkflowTaskCompleted", "TimerStarted", "TimerFired", "WorkflowTaskCompleted", "WorkflowCompleted"),
                store.kinds(),
            )
            assertEquals(emptyList(), store.dueTimers(1_600, 10))
            assertEquals(emptyList(), store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_600))
            // The same timer again: it is gone (and the run closed), nothing changes.
            assertEquals(TimerFiring.GONE, store.fireTimerWithTask(timer, nextTask, 1_600))
            assertEquals(6, store.readHistory("run-1").size)
        }
    }

    @Test
    fun `a signal waiting for the run turns the combined commit into an ordinary firing`() {
        openStore().use { store ->
            val timer = store.sleeping()
            store.signal("default", "sleeper", null, "note", "\"hi\"", 1_550)
            assertEquals(TimerFiring.FIRED, store.fireTimerWithTask(timer, nextTask, 1_600))
            // Nothing of the task computed ahead was recorded; both inputs wait for one task, the timer fired.
            assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "TimerStarted"), store.kinds())
            assertEquals(RunStatus.RUNNING, store.findRun("default", "sleeper", null)!!.status)
            assertEquals(emptyList(), store.dueTimers(1_600, 10))
            val task = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_600).single()
            assertEquals(listOf(WorkflowSignaled("note", "\"hi\""), TimerFired(1)), task.inbox.map { it.attributes })
        }
    }

    @Test
    fun `a run that moved on since the task was computed gets the timer as an input`() {
        openStore().use { store ->
            val timer = store.sleeping()
            val stale = nextTask.map { it.copy(eventId = it.eventId - 1) }
            assertEquals(TimerFiring.FIRED, store.fireTimerWithTask(timer, stale, 1_600))
            assertEquals(3, store.readHistory("run-1").size)
            val task = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_600).single()
            assertEquals(listOf(TimerFired(1)), task.inbox.map { it.attributes })
            assertEquals(1_500L, task.readyAt, "the task is due at the timer's fire time")
        }
    }

    @Test
    fun `a timer fired the ordinary way meanwhile is not fired again`() {
        openStore().use { store ->
            val timer = store.sleeping()
            assertEquals(1, store.fireTimers(listOf(timer), 1_600))
            assertEquals(TimerFiring.GONE, store.fireTimerWithTask(timer, nextTask, 1_600))
            assertEquals(3, store.readHistory("run-1").size)
            val task = store.pollWorkflowTasks("default", "q", "w", 1, 10_000, 1_600).single()
            assertEquals(listOf(TimerFired(1)), task.inbox.map { it.attributes }, "fired once")
        }
    }

    @Test
    fun `a closed run's timer is not fired, and a run timeout has no task to run ahead`() {
        openStore().use { store ->
            val timer = store.sleeping()
            store.terminate("default", "sleeper", null, "done with it", 1_550)
            assertEquals(TimerFiring.GONE, store.fireTimerWithTask(timer, nextTask, 1_600))
            assertEquals(RunStatus.TERMINATED, store.findRun("default", "sleeper", null)!!.status)
            assertFailsWith<IllegalArgumentException> {
                store.fireTimerWithTask(timer.copy(seq = -1, isRunTimeout = true), nextTask, 1_600)
            }
        }
    }
}
