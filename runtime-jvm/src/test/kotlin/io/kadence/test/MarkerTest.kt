package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.history.MarkerRecorded
import io.kadence.testing.WorkflowReplayer
import io.kadence.workflow.DEFAULT_VERSION
import io.kadence.workflow.activity
import io.kadence.workflow.sideEffect
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.seconds

interface Steps {
    suspend fun step(name: String): String
}

class NamedSteps : Steps {
    override suspend fun step(name: String): String = name
}

object SideEffectCounter {
    val runs = AtomicInteger()
}

/** Draws a ticket number as a side effect, sleeps a day, and returns it. */
val Ticket = workflow<Unit, Int>("Ticket") {
    val ticket = sideEffect { SideEffectCounter.runs.incrementAndGet() * 100 }
    sleep(1.days)
    ticket
}

private val stepOptions = ActivityOptions(startToClose = 10.seconds)

/** The old code: step a, a day's pause, step b. */
val ShippingV1 = workflow<Unit, String>("Shipping") {
    val a = activity(Steps::step, "a", stepOptions)
    sleep(1.days)
    a + "," + activity(Steps::step, "b", stepOptions)
}

/** The new code replaces step b with step c, for runs that did not pass the change point before it existed. */
val ShippingV2 = workflow<Unit, String>("Shipping") {
    val v = version("c-instead-of-b", DEFAULT_VERSION, 1)
    val a = activity(Steps::step, "a", stepOptions)
    sleep(1.days)
    a + "," + activity(Steps::step, if (v == DEFAULT_VERSION) "b" else "c", stepOptions)
}

class MarkerTest {
    @Test
    fun `a side effect runs once and its recorded value is what replays see`() = runBlocking {
        SideEffectCounter.runs.set(0)
        TestStores.open().use { kadence ->
            kadence.worker("m", TestStores.workerOptions()) { register(Ticket) }.start()
            val h = kadence.client.start(Ticket, Unit) { id = "ticket"; taskQueue = "m" }
            assertEquals(100, h.result(30.seconds))
            assertEquals(1, SideEffectCounter.runs.get())
            val history = h.history().toList()
            assertEquals(MarkerRecorded(1, "sideEffect", "", "100"), history.firstNotNullOf { it.attributes as? MarkerRecorded })
            recordHistory("/histories/ticket-side-effect.json", history)
            WorkflowReplayer.replay(Ticket, history)
            assertEquals(1, SideEffectCounter.runs.get())
        }
    }

    @Test
    fun `version keeps runs started with the old code on the old branch, and new runs take the new one`() = runBlocking {
        // Two versions of one workflow type run here; the suite's history check would replay both with
        // the first registered: it checks their invariants only.
        HistoryCheckExtension.skipReplayThisTest()
        TestStores.open().use { kadence ->
            kadence.holdClock()
            val old = kadence.worker("ship", TestStores.workerOptions()) { register(ShippingV1); activities<Steps>(NamedSteps()) }.start()
            val oldRun = kadence.client.start(ShippingV1, Unit) { id = "old-run"; taskQueue = "ship" }
            eventually("the old run to sleep") { oldRun.describe().pendingTimers.firstOrNull() }
            old.close()

            kadence.worker("ship", TestStores.workerOptions()) { register(ShippingV2); activities<Steps>(NamedSteps()) }.start()
            kadence.releaseClock()
            assertEquals("a,b", oldRun.result(30.seconds))
            val newRun = kadence.client.start(ShippingV2, Unit) { id = "new-run"; taskQueue = "ship" }
            assertEquals("a,c", newRun.result(30.seconds))

            val oldHistory = oldRun.history().toList()
            val newHistory = newRun.history().toList()
            assertEquals(emptyList(), oldHistory.mapNotNull { it.attributes as? MarkerRecorded })
            assertEquals(listOf(MarkerRecorded(1, "version", "c-instead-of-b", "1")), newHistory.mapNotNull { it.attributes as? MarkerRecorded })
            // Histories recorded with either code replay against the new code.
            WorkflowReplayer.replay(ShippingV2, oldHistory)
            WorkflowReplayer.replay(ShippingV2, newHistory)
        }
    }
}
