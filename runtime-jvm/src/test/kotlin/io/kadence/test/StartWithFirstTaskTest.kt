package io.kadence.test

import io.kadence.activity.LocalActivityOptions
import io.kadence.dsl.workflow
import io.kadence.workflow.localActivities
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.Collections
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** The threads each workflow's code ran on from its start, in order (a replay runs it again from the start). */
private val startThreads = ConcurrentHashMap<String, MutableList<String>>()

private fun recordThread(workflowId: String) {
    startThreads.computeIfAbsent(workflowId) { Collections.synchronizedList(ArrayList()) } += Thread.currentThread().name.substringBefore(" @")
}

/** Sleeps an hour, then answers. */
val SleepThenAnswer = workflow<Int, Int>("SleepThenAnswer") { n ->
    recordThread(info.workflowId)
    sleep(1.hours)
    n * 2
}

/** Held open by [HeldFirstTask]'s first task until a test counts it down. */
@Volatile private var held = CountDownLatch(0)

/** Its first task holds its thread (briefly, under the deadlock timeout) until [held] is counted down. */
val HeldFirstTask = workflow<Int, Int>("HeldFirstTask") { n ->
    recordThread(info.workflowId)
    held.await(1500, TimeUnit.MILLISECONDS)
    n * 2
}

interface GateActivities {
    suspend fun pass(): String
}

/** Holds its caller until [open] is counted down; [entered] says it was reached. */
class Gate : GateActivities {
    val entered = CountDownLatch(1)
    val open = CountDownLatch(1)
    override suspend fun pass(): String {
        entered.countDown()
        check(open.await(30, TimeUnit.SECONDS)) { "the gate was never opened" }
        return "passed"
    }
}

/** Its first task runs a local activity (which holds the worker's only workflow slot while it runs). */
val ThroughGate = workflow<Unit, String>("ThroughGate") {
    recordThread(info.workflowId)
    localActivities<GateActivities>(LocalActivityOptions(startToClose = 30.seconds)).pass()
}

/**
 * A start from this instance's client has a local worker run the new run's first workflow task ahead
 * and commits it with the start, when that worker runs the type and has room. A task that is slow or
 * runs local activities is stored with the start, leased to the worker, which finishes it; a full
 * worker leaves the task to polling.
 */
class StartWithFirstTaskTest {
    private suspend fun kindsOf(kadence: io.kadence.Kadence, workflowId: String): List<String> =
        kadence.client.handle<Int>(workflowId, Int::class.java).history().toList().map { it.attributes::class.simpleName!! }

    @Test
    fun `the first task is run ahead by the worker and is durable with the start`() = runBlocking {
        TestStores.open().use { kadence ->
            // A long deadlock timeout: the start waits for the task up to a quarter of it.
            kadence.worker("merged", TestStores.workerOptions { deadlockDetectionTimeout = 60.seconds }) { register(SleepThenAnswer) }.start()
            val h = kadence.client.start(SleepThenAnswer, 21) { id = "merged-1"; taskQueue = "merged" }
            // Already stored when start returned: the task's boundary and the timer it started.
            assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "TimerStarted"), kindsOf(kadence, "merged-1"))
            assertEquals(42, h.result(30.seconds))
            assertEquals(listOf("WorkflowStarted", "TimerStarted", "TimerFired", "WorkflowCompleted"), h.eventKinds())
            assertEquals("kadence-workflow-merged", startThreads.getValue("merged-1").first())
        }
    }

    @Test
    fun `a first task that asks for a local activity is stored with the start and goes on where it was`() = runBlocking {
        TestStores.open().use { kadence ->
            val gate = Gate().apply { open.countDown() }
            kadence.worker("local", TestStores.workerOptions()) {
                register(ThroughGate)
                activities<GateActivities>(gate)
            }.start()
            val h = kadence.client.start(ThroughGate, Unit) { id = "local-1"; taskQueue = "local" }
            assertEquals("passed", h.result(30.seconds))
            assertEquals(listOf("WorkflowStarted", "LocalActivityRecorded", "WorkflowCompleted"), h.eventKinds())
            // One run of the code: the task that ran ahead went on with the lease the start stored.
            assertEquals(listOf("kadence-workflow-local"), startThreads.getValue("local-1"))
            assertEquals(null, h.describe().lastWorkflowTaskFailure)
        }
    }

    @Test
    fun `a first task slower than the start waits for is stored with the start and finished by the worker`() = runBlocking {
        TestStores.open().use { kadence ->
            // The start waits a quarter of the deadlock timeout (500 ms) and then goes alone.
            kadence.worker("slow", TestStores.workerOptions { deadlockDetectionTimeout = 2.seconds }) { register(HeldFirstTask) }.start()
            held = CountDownLatch(1)
            val h = kadence.client.start(HeldFirstTask, 3) { id = "slow-1"; taskQueue = "slow" }
            assertEquals(listOf("WorkflowStarted"), kindsOf(kadence, "slow-1"))
            held.countDown()
            assertEquals(6, h.result(30.seconds))
            assertEquals(listOf("kadence-workflow-slow"), startThreads.getValue("slow-1"))
            assertEquals(null, h.describe().lastWorkflowTaskFailure)
        }
    }

    @Test
    fun `a full worker leaves the first task to polling`() = runBlocking {
        TestStores.open().use { kadence ->
            val gate = Gate()
            kadence.worker("full", TestStores.workerOptions { maxConcurrentWorkflowTasks = 1 }) {
                register(ThroughGate)
                register(SleepThenAnswer)
                activities<GateActivities>(gate)
            }.start()
            val gated = kadence.client.start(ThroughGate, Unit) { id = "gated"; taskQueue = "full" }
            // Its local activity holds the worker's only workflow slot from here until the gate opens.
            assertTrue(gate.entered.await(30, TimeUnit.SECONDS), "the gated workflow's local activity never ran")
            val waiting = kadence.client.start(SleepThenAnswer, 4) { id = "waiting"; taskQueue = "full" }
            assertEquals(listOf("WorkflowStarted"), kindsOf(kadence, "waiting"))
            gate.open.countDown()
            assertEquals("passed", gated.result(30.seconds))
            assertEquals(8, waiting.result(30.seconds))
            assertEquals(listOf("kadence-workflow-full"), startThreads.getValue("waiting").distinct())
        }
    }
}
