package io.kadence.test

import io.kadence.client.WorkflowStatus
import io.kadence.client.signal
import io.kadence.dsl.workflow
import io.kadence.failure.ApplicationFailure
import io.kadence.failure.ChildWorkflowFailure
import io.kadence.history.ChildWorkflowCancelRequested
import io.kadence.history.ChildWorkflowClosed
import io.kadence.history.HistoryCodec
import io.kadence.history.ChildWorkflowScheduled
import io.kadence.history.ChildWorkflowStarted
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTerminated
import io.kadence.testing.WorkflowReplayer
import io.kadence.workflow.ChildWorkflowOptions
import io.kadence.workflow.ParentClosePolicy
import io.kadence.workflow.executeChild
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

val Doubler = workflow<Int, Int>("Doubler") { it * 2 }

/** Fans out three Doubler children and sums their results. */
val FanOutChildren = workflow<Unit, Int>("FanOutChildren") {
    (1..3).map { i -> async { executeChild(Doubler, i) } }.awaitAll().sum()
}

val FailingChild = workflow<Unit, String>("FailingChild") { throw ApplicationFailure("boom", "Boom", nonRetryable = true) }

/** Reports how its child ended. */
val CatchesChild = workflow<Unit, String>("CatchesChild") {
    try {
        executeChild(FailingChild, Unit)
    } catch (e: ChildWorkflowFailure) {
        "${e.status} ${e.workflowId}: ${e.cause?.message}"
    }
}

/** Waits for a "go" signal forever. */
val WaitingChild = workflow<Unit, String>("WaitingChild") { signalChannel<String>("go").receive() }

/** Starts three waiting children with different parent-close policies, waits until they started, and returns. */
val LeavesChildren = workflow<Unit, List<String>>("LeavesChildren") {
    ParentClosePolicy.entries.map { policy ->
        startChild(WaitingChild, Unit, ChildWorkflowOptions(workflowId = "child-${policy.name}", parentClosePolicy = policy))
    }.map { it.started() }
}

/** Starts a child whose workflow id is already taken. */
val ClashingChild = workflow<Unit, String>("ClashingChild") {
    try {
        startChild(WaitingChild, Unit, ChildWorkflowOptions(workflowId = "taken")).started()
    } catch (e: ChildWorkflowFailure) {
        "${e.status}: ${e.cause?.message}"
    }
}

/** Waits an hour for its child, then gives up on it (which asks the child to cancel). */
val GivesUpOnChild = workflow<Unit, String>("GivesUpOnChild") {
    // Abandoned when the parent closes, so the cancel request is what ends it.
    val child = startChild(WaitingChild, Unit, ChildWorkflowOptions(workflowId = "given-up", parentClosePolicy = ParentClosePolicy.ABANDON))
    child.started()
    withTimeoutOrNull(1.hours) { child.result() } ?: "gave up"
}

private const val RECORDED_FAN_OUT = "/histories/fan-out-children.json"

class ChildWorkflowTest {
    @Test
    fun `the recorded fan-out parent history still replays against the current code`() {
        val json = javaClass.getResource(RECORDED_FAN_OUT)!!.readText()
        assertEquals(3, HistoryCodec.importHistory(json).count { it.attributes is ChildWorkflowClosed })
        WorkflowReplayer.replay(FanOutChildren, json)
    }

    @Test
    fun `cancelling the wait for a child asks the child to cancel`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("kids", TestStores.workerOptions()) { register(GivesUpOnChild); register(WaitingChild) }.start()
            val parent = kadence.client.start(GivesUpOnChild, Unit) { id = "impatient"; taskQueue = "kids" }
            assertEquals("gave up", parent.result(30.seconds))
            assertTrue(parent.history().toList().any { it.attributes is ChildWorkflowCancelRequested })
            val child = kadence.client.handle(WaitingChild, "given-up")
            eventuallyTrue("the child ends canceled") { child.describe().status == WorkflowStatus.CANCELED }
        }
    }

    @Test
    fun `children fan out and in, each a run of its own linked to the parent`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("kids", TestStores.workerOptions()) { register(FanOutChildren); register(Doubler) }.start()
            val parent = kadence.client.start(FanOutChildren, Unit) { id = "fan"; taskQueue = "kids" }
            assertEquals(12, parent.result(30.seconds))
            val history = parent.history().toList()
            recordHistory(RECORDED_FAN_OUT, history)
            WorkflowReplayer.replay(FanOutChildren, history)
            val events = history.map { it.attributes }
            val scheduled = events.filterIsInstance<ChildWorkflowScheduled>()
            assertEquals(listOf("fan/child-1", "fan/child-2", "fan/child-3"), scheduled.map { it.workflowId })
            assertEquals(3, events.filterIsInstance<ChildWorkflowStarted>().size)
            val closed = events.filterIsInstance<ChildWorkflowClosed>()
            assertEquals(setOf("2", "4", "6"), closed.map { it.result }.toSet())
            assertEquals(listOf("COMPLETED"), closed.map { it.status }.distinct())
            for (c in closed) {
                val child = kadence.client.handle(Doubler, scheduled.single { it.seq == c.seq }.workflowId, c.runId)
                val started = assertIs<WorkflowStarted>(child.history().toList().first().attributes)
                assertEquals(parent.runId, started.parentRunId)
                assertEquals("fan", started.parentWorkflowId)
                assertEquals(WorkflowStatus.COMPLETED, child.describe().status)
            }
        }
    }

    @Test
    fun `a child's failure reaches the parent as a ChildWorkflowFailure with its cause`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("kids", TestStores.workerOptions()) { register(CatchesChild); register(FailingChild) }.start()
            val parent = kadence.client.start(CatchesChild, Unit) { id = "catcher"; taskQueue = "kids" }
            assertEquals("FAILED catcher/child-1: boom", parent.result(30.seconds))
        }
    }

    @Test
    fun `when the parent closes, each open child gets its parent-close policy`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("kids", TestStores.workerOptions()) { register(LeavesChildren); register(WaitingChild) }.start()
            val parent = kadence.client.start(LeavesChildren, Unit) { id = "leaver"; taskQueue = "kids" }
            assertEquals(3, parent.result(30.seconds).size)

            val terminated = kadence.client.handle(WaitingChild, "child-TERMINATE")
            assertEquals(WorkflowStatus.TERMINATED, terminated.describe().status)
            val reason = assertIs<WorkflowTerminated>(terminated.history().toList().last().attributes).reason!!
            assertTrue("parent-close policy TERMINATE" in reason, reason)

            val canceled = kadence.client.handle(WaitingChild, "child-REQUEST_CANCEL")
            eventuallyTrue("the REQUEST_CANCEL child ends canceled") { canceled.describe().status == WorkflowStatus.CANCELED }

            val abandoned = kadence.client.handle(WaitingChild, "child-ABANDON")
            assertEquals(WorkflowStatus.RUNNING, abandoned.describe().status)
            abandoned.signal("go", "still here")
            assertEquals("still here", abandoned.result(30.seconds))
        }
    }

    @Test
    fun `a child whose workflow id is taken fails to start, and the parent is told why`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("kids", TestStores.workerOptions()) { register(ClashingChild); register(WaitingChild) }.start()
            val squatter = kadence.client.start(WaitingChild, Unit) { id = "taken"; taskQueue = "kids" }
            val parent = kadence.client.start(ClashingChild, Unit) { id = "clasher"; taskQueue = "kids" }
            val outcome = parent.result(30.seconds)
            assertTrue(outcome.startsWith("START_FAILED: workflow 'taken' is already running"), outcome)
            squatter.signal("go", "done")
            assertEquals("done", squatter.result(30.seconds))
        }
    }
}
