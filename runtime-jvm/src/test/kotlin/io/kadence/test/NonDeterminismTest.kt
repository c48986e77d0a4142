package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.client.WorkflowStatus
import io.kadence.dsl.workflow
import io.kadence.workflow.activities
import kotlinx.coroutines.runBlocking
import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** The code runs were started with. */
val ShipmentV1 = workflow<String, String>("Shipment") { item ->
    val g = activities<Greetings>(ActivityOptions(startToClose = 10.seconds))
    val greeting = g.greet(item)
    sleep(1.hours)
    g.shout(greeting)
}

/** A careless change: an activity call added before the sleep, without version(...). */
val ShipmentV2 = workflow<String, String>("Shipment") { item ->
    val g = activities<Greetings>(ActivityOptions(startToClose = 10.seconds))
    val greeting = g.greet(item)
    g.shout("early") // the changed step
    sleep(1.hours)
    g.shout(greeting)
}

/** The line of this file that holds the changed step, as error messages should point at it. */
val changedStepLine: Int by lazy {
    File("src/test/kotlin/io/kadence/test/NonDeterminismTest.kt").readLines().indexOfFirst { it.endsWith("// the changed step") } + 1
}

class NonDeterminismTest {
    @Test
    fun `changed code fails the workflow task with a message naming run, event, both steps and the source line`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            val first = kadence.worker("ship", TestStores.workerOptions()) { register(ShipmentV1); activities<Greetings>(CountingGreetings()) }.start()
            val h = kadence.client.start(ShipmentV1, "Ada") { id = "ship-1"; taskQueue = "ship" }
            eventually("the run to sleep") { h.describe().pendingTimers.firstOrNull() }
            first.close()

            // A new worker (empty cache) with the changed code; then let the timer fire.
            val second = kadence.worker("ship", TestStores.workerOptions()) { register(ShipmentV2); activities<Greetings>(CountingGreetings()) }.start()
            kadence.releaseClock()
            val failure = eventually("the changed code's task to fail") { h.describe().lastWorkflowTaskFailure }
            val runId = h.describe().runId
            val expected = "NonDeterminismException: non-determinism in workflow 'ship-1' run $runId (type 'Shipment'): " +
                "history has TimerStarted 3600000ms (seq 2) at event 6, code asked for ActivityScheduled 'shout' (seq 2) " +
                "at NonDeterminismTest.kt:$changedStepLine"
            assert(failure.startsWith(expected)) { "expected:\n$expected\nbut was:\n$failure" }
            assert(changedStepLine > 0)
            val d = h.describe()
            assertEquals(WorkflowStatus.RUNNING, d.status)
            assert(d.workflowTaskFailures >= 1)
            assertEquals(6, d.historyLength) // nothing was appended by the failed task

            // Restoring the original code lets the run finish.
            second.close()
            val impl = CountingGreetings()
            kadence.worker("ship", TestStores.workerOptions()) { register(ShipmentV1); activities<Greetings>(impl) }.start()
            assertEquals("HELLO, ADA!", h.result(30.seconds))
            assertEquals(1, impl.shouts.get())
            assertEquals(0, impl.greets.get())
            assertEquals(0, h.describe().workflowTaskFailures)
        }
    }
}
