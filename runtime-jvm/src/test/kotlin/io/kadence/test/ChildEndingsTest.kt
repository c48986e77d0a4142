package io.kadence.test

import io.kadence.activity.ActivityCancellationType
import io.kadence.client.WorkflowStatus
import io.kadence.client.signal
import io.kadence.dsl.workflow
import io.kadence.failure.ChildWorkflowFailure
import io.kadence.failure.TerminatedFailure
import io.kadence.failure.TimeoutFailure
import io.kadence.failure.WorkflowNotFoundException
import io.kadence.history.ChildWorkflowCancelRequested
import io.kadence.history.ChildWorkflowClosed
import io.kadence.history.WorkflowCancelRequested
import io.kadence.history.WorkflowCanceled
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowTerminated
import io.kadence.history.WorkflowTimedOut
import io.kadence.testing.WorkflowReplayer
import io.kadence.workflow.ChildWorkflowOptions
import io.kadence.workflow.ParentClosePolicy
import io.kadence.workflow.executeChild
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.Serializable
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration

/**
 * Waits for a "go" signal; asked to cancel, it cleans up for ten (virtual) minutes on a durable
 * timer and then ends canceled.
 */
val SlowToCancelChild = workflow<Unit, String>("SlowToCancelChild") {
    try {
        signalChannel<String>("go").receive()
    } catch (e: CancellationException) {
        withContext(NonCancellable) { sleep(10.minutes) }
        throw e
    }
}

/**
 * Starts a [SlowToCancelChild] with the given cancellation type, gives up on it after an hour, and
 * says how long giving up took (from the child's start) and what it got.
 */
val GivesUpWithType = workflow<ActivityCancellationType, String>("GivesUpWithType") { type ->
    val child = startChild(
        SlowToCancelChild, Unit,
        ChildWorkflowOptions(workflowId = "slow-${type.name}", parentClosePolicy = ParentClosePolicy.ABANDON, cancellationType = type),
    )
    child.started()
    val from = now()
    val outcome = withTimeoutOrNull(1.hours) { child.result() } ?: "gave up"
    "$outcome after ${java.time.Duration.between(from, now()).toKotlinDuration()}"
}

/** A [WaitingChild] to start: its id and timeouts. */
@Serializable
data class ChildPlan(val workflowId: String, val executionTimeoutMinutes: Int? = null, val runTimeoutMinutes: Int? = null)

/** Waits for its child and reports how it ended: the failure's status, its cause's type and message. */
val ReportsChildEnding = workflow<ChildPlan, String>("ReportsChildEnding") { plan ->
    try {
        val options = ChildWorkflowOptions(
            workflowId = plan.workflowId,
            executionTimeout = plan.executionTimeoutMinutes?.minutes,
            runTimeout = plan.runTimeoutMinutes?.minutes,
        )
        executeChild(WaitingChild, Unit, options)
    } catch (e: ChildWorkflowFailure) {
        val cause = e.cause
        val detail = if (cause is TimeoutFailure) "${cause::class.simpleName}(${cause.timeoutType})" else cause!!::class.simpleName
        "${e.status} $detail | ${e.message}"
    }
}

class ChildEndingsTest {
    private suspend fun giveUp(type: ActivityCancellationType, check: suspend (kadence: io.kadence.Kadence, outcome: String, parentEvents: List<Any>) -> Unit) {
        TestStores.open().use { kadence ->
            kadence.worker("kids", TestStores.workerOptions()) { register(GivesUpWithType); register(SlowToCancelChild) }.start()
            val parent = kadence.client.start(GivesUpWithType, type) { id = "parent-${type.name}"; taskQueue = "kids" }
            val outcome = parent.result(30.seconds)
            val history = parent.history().toList()
            WorkflowReplayer.replay(GivesUpWithType, history)
            check(kadence, outcome, history.map { it.attributes })
        }
    }

    @Test
    fun `TRY_CANCEL asks the child to cancel and stops waiting at once, and the child cleans up and ends canceled on its own`() = runBlocking {
        giveUp(ActivityCancellationType.TRY_CANCEL) { kadence, outcome, events ->
            assertEquals("gave up after 1h", outcome)
            assertEquals(1, events.count { it is ChildWorkflowCancelRequested })
            // The parent closed before the child finished cleaning up: it never heard the child close.
            assertEquals(emptyList(), events.filterIsInstance<ChildWorkflowClosed>())
            val child = kadence.client.handle(SlowToCancelChild, "slow-TRY_CANCEL")
            eventuallyTrue("the child ends canceled after its cleanup") { child.describe().status == WorkflowStatus.CANCELED }
            val childEvents = child.history().toList().map { it.attributes }
            assertEquals("canceled by its parent (run ${kadence.client.handle(GivesUpWithType, "parent-TRY_CANCEL").describe().runId})",
                childEvents.filterIsInstance<WorkflowCancelRequested>().single().reason)
            assertIs<WorkflowCanceled>(childEvents.last())
        }
    }

    @Test
    fun `WAIT_CANCELLATION_COMPLETED asks the child to cancel and waits until it has closed`() = runBlocking {
        giveUp(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED) { kadence, outcome, events ->
            // An hour of waiting, then the ten minutes the child took to clean up.
            assertEquals("gave up after 1h 10m", outcome)
            val requested = events.indexOfFirst { it is ChildWorkflowCancelRequested }
            val closed = events.indexOfFirst { it is ChildWorkflowClosed }
            assertTrue(requested in 0 until closed, "cancel requested at $requested, child closed at $closed: $events")
            assertEquals("CANCELED", (events[closed] as ChildWorkflowClosed).status)
            assertIs<WorkflowCompleted>(events.last())
            assertEquals(WorkflowStatus.CANCELED, kadence.client.handle(SlowToCancelChild, "slow-WAIT_CANCELLATION_COMPLETED").describe().status)
        }
    }

    @Test
    fun `ABANDON stops waiting at once and leaves the child running untouched`() = runBlocking {
        giveUp(ActivityCancellationType.ABANDON) { kadence, outcome, events ->
            assertEquals("gave up after 1h", outcome)
            assertEquals(emptyList(), events.filterIsInstance<ChildWorkflowCancelRequested>())
            val child = kadence.client.handle(SlowToCancelChild, "slow-ABANDON")
            assertEquals(WorkflowStatus.RUNNING, child.describe().status)
            assertEquals(emptyList(), child.history().toList().filter { it.attributes is WorkflowCancelRequested })
            child.signal("go", "still here")
            assertEquals("still here", child.result(30.seconds))
        }
    }

    @Test
    fun `a child that passes its execution timeout reaches the parent as TIMED_OUT with a TimeoutFailure`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("kids", TestStores.workerOptions()) { register(ReportsChildEnding); register(WaitingChild) }.start()
            val options = ChildPlan("slowpoke", executionTimeoutMinutes = 5)
            val parent = kadence.client.start(ReportsChildEnding, options) { id = "timer-parent"; taskQueue = "kids" }
            val outcome = parent.result(30.seconds)
            val child = kadence.client.handle(WaitingChild, "slowpoke")
            val childRun = child.describe().runId
            assertEquals(
                "TIMED_OUT TimeoutFailure(WORKFLOW_EXECUTION) | child workflow 'slowpoke' (type 'WaitingChild', run $childRun) timed out: " +
                    "workflow 'slowpoke' (run $childRun) timed out: its execution timeout (5m) passed",
                outcome,
            )
            assertEquals(WorkflowStatus.TIMED_OUT, child.describe().status)
            assertEquals(WorkflowTimedOut("WORKFLOW_EXECUTION"), child.history().toList().last().attributes)
            val closed = parent.history().toList().map { it.attributes }.filterIsInstance<ChildWorkflowClosed>().single()
            assertEquals("TIMED_OUT", closed.status)
        }
    }

    @Test
    fun `a child that passes its run timeout reaches the parent as TIMED_OUT with the run timeout named`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("kids", TestStores.workerOptions()) { register(ReportsChildEnding); register(WaitingChild) }.start()
            val options = ChildPlan("short-run", executionTimeoutMinutes = 60, runTimeoutMinutes = 2)
            val parent = kadence.client.start(ReportsChildEnding, options) { id = "run-timer-parent"; taskQueue = "kids" }
            val outcome = parent.result(30.seconds)
            val childRun = kadence.client.handle(WaitingChild, "short-run").describe().runId
            assertEquals(
                "TIMED_OUT TimeoutFailure(WORKFLOW_RUN) | child workflow 'short-run' (type 'WaitingChild', run $childRun) timed out: " +
                    "workflow 'short-run' (run $childRun) timed out: its run timeout (2m) passed",
                outcome,
            )
        }
    }

    @Test
    fun `a child terminated from the client reaches the parent as TERMINATED with the operator's reason`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("kids", TestStores.workerOptions()) { register(ReportsChildEnding); register(WaitingChild) }.start()
            val parent = kadence.client.start(ReportsChildEnding, ChildPlan("doomed")) { id = "mourner"; taskQueue = "kids" }
            val child = kadence.client.handle(WaitingChild, "doomed")
            eventuallyTrue("the child runs") {
                try {
                    child.describe().status == WorkflowStatus.RUNNING
                } catch (e: WorkflowNotFoundException) {
                    false
                }
            }
            child.terminate("stuck on a bad input")
            val childRun = child.describe().runId
            assertEquals(
                "TERMINATED TerminatedFailure | child workflow 'doomed' (type 'WaitingChild', run $childRun) terminated: stuck on a bad input",
                parent.result(30.seconds),
            )
            assertEquals(WorkflowTerminated("stuck on a bad input"), child.history().toList().last().attributes)
            val closed = parent.history().toList().map { it.attributes }.filterIsInstance<ChildWorkflowClosed>().single()
            assertEquals("TERMINATED", closed.status)
            assertIs<TerminatedFailure>(io.kadence.failure.Failures.fromInfo(closed.failure!!))
            Unit
        }
    }
}
