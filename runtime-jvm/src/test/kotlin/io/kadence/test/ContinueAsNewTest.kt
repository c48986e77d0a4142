package io.kadence.test

import io.kadence.client.WorkflowStatus
import io.kadence.client.signal
import io.kadence.dsl.workflow
import io.kadence.failure.WorkflowFailedException
import io.kadence.history.HistoryCodec
import io.kadence.history.HistoryEvent
import io.kadence.history.WorkflowContinuedAsNew
import io.kadence.history.WorkflowSignaled
import io.kadence.history.WorkflowStarted
import io.kadence.testing.WorkflowReplayer
import io.kadence.workflow.continueAsNew
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** Counts up to 3, one run per step. */
val CountingRuns = workflow<Int, Int>("CountingRuns") { n ->
    if (n < 3) continueAsNew(n + 1)
    n
}

/** Reads one "item" signal per run and continues with the list so far, until it has three. */
val OnePerRun = workflow<List<String>, List<String>>("OnePerRun") { seen ->
    val item = signalChannel<String>("item").receive()
    val now = seen + item
    if (now.size < 3) continueAsNew(now)
    now
}

/** Sleeps an hour and continues, forever: only the execution timeout ends it. */
val HourlyForever = workflow<Int, Int>("HourlyForever") { n ->
    sleep(1.hours)
    continueAsNew(n + 1)
}

private const val RECORDED = "/histories/one-per-run-continued.json"

class ContinueAsNewTest {
    @Test
    fun `a recorded run that continued as new still replays against the current code`() {
        val json = javaClass.getResource(RECORDED)!!.readText()
        val events = HistoryCodec.importHistory(json)
        val continued = assertIs<WorkflowContinuedAsNew>(events.last().attributes)
        assertEquals("[\"a\"]", continued.input)
        assertEquals(listOf(WorkflowSignaled("item", "\"b\""), WorkflowSignaled("item", "\"c\"")), continued.signals)
        WorkflowReplayer.replay(OnePerRun, json)
    }

    private fun kinds(events: List<HistoryEvent>) = events.map { it.attributes::class.simpleName }

    @Test
    fun `each run closes as continued and starts the next in one step, and the first run's handle follows to the result`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("can", TestStores.workerOptions()) { register(CountingRuns) }.start()
            val first = kadence.client.start(CountingRuns, 0) { id = "counter"; taskQueue = "can" }
            assertEquals(3, first.result(30.seconds))

            // Walk the chain from the first run: each closed as CONTINUED_AS_NEW naming the next.
            var runId = first.runId!!
            var previous: String? = null
            for (input in 0..3) {
                val handle = kadence.client.handle(CountingRuns, "counter", runId)
                val history = handle.history().toList()
                val started = assertIs<WorkflowStarted>(history.first().attributes)
                assertEquals("$input", started.input)
                assertEquals(previous, started.continuedFromRunId)
                assertEquals(runId, started.runId)
                if (input < 3) {
                    assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "WorkflowContinuedAsNew"), kinds(history))
                    val continued = assertIs<WorkflowContinuedAsNew>(history.last().attributes)
                    assertEquals("${input + 1}", continued.input)
                    assertEquals(WorkflowStatus.CONTINUED_AS_NEW, handle.describe().status)
                    previous = runId
                    runId = continued.newRunId
                } else {
                    assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "WorkflowCompleted"), kinds(history))
                    assertEquals(WorkflowStatus.COMPLETED, handle.describe().status)
                }
            }
            // The workflow id now names the last run.
            assertEquals(runId, kadence.client.handle(CountingRuns, "counter").describe().runId)
        }
    }

    @Test
    fun `signals a run received but never read become the next run's first inputs`() = runBlocking {
        TestStores.open().use { kadence ->
            // All three signals wait before any worker runs the first task.
            val first = kadence.client.start(OnePerRun, emptyList()) { id = "items"; taskQueue = "can-signals" }
            for (item in listOf("a", "b", "c")) first.signal("item", item)
            kadence.worker("can-signals", TestStores.workerOptions()) { register(OnePerRun) }.start()

            assertEquals(listOf("a", "b", "c"), first.result(30.seconds))

            val run1 = first.history().toList()
            assertEquals(
                listOf("WorkflowStarted", "WorkflowSignaled", "WorkflowSignaled", "WorkflowSignaled", "WorkflowTaskCompleted", "WorkflowContinuedAsNew"),
                kinds(run1),
            )
            recordHistory(RECORDED, run1)
            WorkflowReplayer.replay(OnePerRun, run1)
            val toRun2 = assertIs<WorkflowContinuedAsNew>(run1.last().attributes)
            assertEquals(listOf(WorkflowSignaled("item", "\"b\""), WorkflowSignaled("item", "\"c\"")), toRun2.signals)

            val run2 = kadence.client.handle(OnePerRun, "items", toRun2.newRunId).history().toList()
            assertEquals(
                listOf("WorkflowStarted", "WorkflowSignaled", "WorkflowSignaled", "WorkflowTaskCompleted", "WorkflowContinuedAsNew"),
                kinds(run2),
            )
            val toRun3 = assertIs<WorkflowContinuedAsNew>(run2.last().attributes)
            assertEquals(listOf(WorkflowSignaled("item", "\"c\"")), toRun3.signals)

            val run3 = kadence.client.handle(OnePerRun, "items", toRun3.newRunId).history().toList()
            assertEquals(listOf("WorkflowStarted", "WorkflowSignaled", "WorkflowTaskCompleted", "WorkflowCompleted"), kinds(run3))
            assertNull(assertIs<WorkflowStarted>(run1.first().attributes).continuedFromRunId)
        }
    }

    @Test
    fun `the execution timeout bounds the whole chain, not each run`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("can-forever", TestStores.workerOptions()) { register(HourlyForever) }.start()
            val first = kadence.client.start(HourlyForever, 0) { id = "forever"; taskQueue = "can-forever"; executionTimeout = 150.minutes }
            val e = assertFailsWith<WorkflowFailedException> { first.result(30.seconds) }
            assertEquals("TIMED_OUT", e.status)
            // Runs 0 and 1 continued after an hour each; run 2 was cut short at 2.5 hours.
            val last = kadence.client.handle(HourlyForever, "forever").history().toList()
            val started = assertIs<WorkflowStarted>(last.first().attributes)
            assertEquals("2", started.input)
            val firstStart = first.history().toList().first().timestampMillis
            assertEquals(firstStart + 150.minutes.inWholeMilliseconds, started.executionExpiresAtMillis)
            assertEquals(firstStart + 150.minutes.inWholeMilliseconds, last.last().timestampMillis)
            assertEquals("WorkflowTimedOut", last.last().attributes::class.simpleName)
        }
    }
}
