package io.kadence.test

import ch.qos.logback.classic.Level
import io.kadence.dsl.workflow
import io.kadence.internal.runtime.WorkflowTaskRunner
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** Sleeps an hour, then answers. */
private val Napper = workflow<Int, Int>("Napper") { n ->
    sleep(1.hours)
    n + 1
}

/** Two timers of the same length at once: they fall due together. */
private val TwoNaps = workflow<Int, Int>("TwoNaps") { n ->
    listOf(async { sleep(1.hours); 1 }, async { sleep(1.hours); 2 }).awaitAll().sum() + n
}

/** How often [HeldAfterNap]'s code got past its timer, and the latch that holds it there. */
private val wokeUp = AtomicInteger()
@Volatile private var wakeHeld = CountDownLatch(0)
@Volatile private var wokeTwice = CountDownLatch(0)

/** After its timer, holds its workflow thread until the test counts [wakeHeld] down. */
private val HeldAfterNap = workflow<Int, Int>("HeldAfterNap") { n ->
    sleep(1.hours)
    wokeUp.incrementAndGet()
    wokeTwice.countDown()
    wakeHeld.await(30, TimeUnit.SECONDS)
    n * 3
}

/**
 * A timer of a run that a local worker holds in memory fires together with the workflow task that
 * consumes it, run ahead by that worker (one commit, no task row); the ordinary firing still
 * serves everything else, and a task run ahead that does not finish in time loses to it.
 */
class FusedTimerTest {
    /** A cache even in the forced-replay run of the suite: the path under test needs the run in memory. */
    private fun options(deadlock: kotlin.time.Duration = 1.seconds) = TestStores.workerOptions {
        workflowCacheSize = 100
        deadlockDetectionTimeout = deadlock
    }

    private fun LogCapture.fusedRuns(): List<String> =
        list.map { it.formattedMessage }.filter { it.startsWith("fired timer") && it.endsWith("with its workflow task run ahead") }

    /** A test instance with a worker on queue "naps" running [workflow], and the worker's debug log recorded. */
    private fun withNapsWorker(workflow: io.kadence.workflow.WorkflowDefinition<Int, Int>, block: suspend (io.kadence.Kadence, LogCapture) -> Unit) {
        val captured = LogCapture.of(WorkflowTaskRunner::class.java, Level.DEBUG)
        try {
            TestStores.open().use { kadence ->
                kadence.worker("naps", options()) { register(workflow) }.start()
                runBlocking { block(kadence, captured) }
            }
        } finally {
            captured.detach()
        }
    }

    @Test
    fun `a sleeping run held in memory wakes up in one commit`() {
        withNapsWorker(Napper) { kadence, captured ->
            val h = kadence.client.start(Napper, 41) { id = "nap-1"; taskQueue = "naps" }
            assertEquals(42, h.result(30.seconds))
            assertEquals(listOf("WorkflowStarted", "TimerStarted", "TimerFired", "WorkflowCompleted"), h.eventKinds())
            // Logged by the worker once its commit returns, which may be after the client saw the result.
            eventuallyTrue("the worker logged the combined commit") { captured.fusedRuns().isNotEmpty() }
            assertEquals(listOf("fired timer 1 of 'nap-1' (run ${h.runId}) with its workflow task run ahead"), captured.fusedRuns())
        }
    }

    @Test
    fun `timers of one run that fall due together fire the ordinary way, into one task`() {
        withNapsWorker(TwoNaps) { kadence, captured ->
            val h = kadence.client.start(TwoNaps, 10) { id = "two-naps"; taskQueue = "naps" }
            assertEquals(13, h.result(30.seconds))
            val kinds = h.history().toList().map { it.attributes::class.simpleName }
            assertEquals(
                listOf("WorkflowStarted", "WorkflowTaskCompleted", "TimerStarted", "TimerStarted", "TimerFired", "TimerFired", "WorkflowTaskCompleted", "WorkflowCompleted"),
                kinds,
            )
            assertEquals(emptyList(), captured.fusedRuns())
        }
    }

    @Test
    fun `a task run ahead that holds its thread loses to the ordinary firing, and the timer fires once`() = runBlocking {
        wokeUp.set(0)
        wakeHeld = CountDownLatch(1)
        wokeTwice = CountDownLatch(2)
        TestStores.open().use { kadence ->
            // A long deadlock timeout: the held code is not interrupted; the timer service waits 250 ms for it.
            kadence.worker("held", options(deadlock = 2.minutes)) { register(HeldAfterNap) }.start()
            val h = kadence.client.start(HeldAfterNap, 5) { id = "held-nap"; taskQueue = "held" }
            // The task run ahead is held; the next pass fires the timer the ordinary way, and that task replays and is held too.
            assertTrue(wokeTwice.await(30, TimeUnit.SECONDS), "the timer was not fired again the ordinary way while the task run ahead was held")
            wakeHeld.countDown()
            assertEquals(15, h.result(30.seconds))
            assertEquals(listOf("WorkflowStarted", "TimerStarted", "TimerFired", "WorkflowCompleted"), h.eventKinds())
            assertEquals(2, wokeUp.get())
            assertEquals(null, h.describe().lastWorkflowTaskFailure)
        }
    }
}
