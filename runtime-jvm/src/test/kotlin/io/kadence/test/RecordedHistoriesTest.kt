package io.kadence.test

import io.kadence.history.HistoryCodec
import io.kadence.history.WorkflowStarted
import io.kadence.testing.WorkflowReplayer
import io.kadence.workflow.WorkflowDefinition
import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Every history recorded in `src/test/resources/histories` (written by the feature tests when
 * `KADENCE_RECORD_HISTORIES` names that directory) still replays against the current workflow
 * code. A change to the engine or to a test workflow that would break runs already in flight
 * fails here, naming the history.
 */
class RecordedHistoriesTest {
    /** The code each recorded history was produced by, by workflow type. */
    private val definitions: Map<String, WorkflowDefinition<*, *>> = listOf(
        ShipmentV1, FanOutChildren, OnePerRun, PriceCheck, FlagReader, Collector, Counter, CleansUp, TenantTour,
        Ticket, Greeting, Resettable, FlakyRun, Immediate, Sleeper,
    ).associateBy { it.name }

    private fun recorded(): List<File> {
        val dir = File(javaClass.getResource("/histories")!!.toURI())
        return dir.listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }
    }

    @Test
    fun `every recorded history replays against the current code`() {
        val files = recorded()
        // One per feature: activities and timers, signals, updates, cancellation, context, children,
        // continue-as-new, side effects, mutable side effects, versions, local activities, reset,
        // workflow retry, start delay, run timeout.
        assertEquals(
            listOf("cancel-cleanup", "counter-updates", "fan-out-children", "flag-reader", "flaky-run-retried", "greeting",
                "immediate-delayed", "one-per-run-continued", "price-check", "reset-run", "shipment-v1", "signal-with-start-cart",
                "sleeper-timed-out", "tenant-tour", "ticket-side-effect"),
            files.map { it.nameWithoutExtension },
        )
        for (file in files) {
            val history = HistoryCodec.importHistory(file.readText())
            val type = (history.first().attributes as WorkflowStarted).workflowType
            val definition = definitions[type] ?: fail("${file.name}: no definition for workflow type '$type' in this test")
            try {
                WorkflowReplayer.replay(definition, history)
            } catch (e: Exception) {
                throw AssertionError("${file.name} (workflow type '$type', ${history.size} events) no longer replays: ${e.message}", e)
            }
            assertTrue(history.size > 2, "${file.name} records more than a start")
        }
    }
}
