package io.kadence.test

import io.kadence.failure.InvalidArgumentException
import io.kadence.failure.NonDeterminismException
import io.kadence.history.HistoryCodec
import io.kadence.history.WorkflowCompleted
import io.kadence.testing.WorkflowReplayer
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.time.Duration.Companion.seconds

class WorkflowReplayerTest {
    private val recorded = "/histories/shipment-v1.json"

    @Test
    fun `an exported history replays against the same code and fails against changed code`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("ship", TestStores.workerOptions()) { register(ShipmentV1); activities<Greetings>(CountingGreetings()) }.start()
            val h = kadence.client.start(ShipmentV1, "Ada") { id = "ship-export"; taskQueue = "ship" }
            assertEquals("HELLO, ADA!", h.result(30.seconds))
            val history = h.history().toList()
            assertIs<WorkflowCompleted>(history.last().attributes)
            val json = HistoryCodec.exportHistory(history)
            recordHistory("/histories/shipment-v1.json", history)

            WorkflowReplayer.replay(ShipmentV1, json)
            WorkflowReplayer.replay(ShipmentV1, history)
            // A prefix (a run still open) replays too.
            WorkflowReplayer.replay(ShipmentV1, history.take(6))

            val e = assertFailsWith<NonDeterminismException> { WorkflowReplayer.replay(ShipmentV2, json) }
            assert(e.message!!.contains(
                "history has TimerStarted 3600000ms (seq 2) at event 6, code asked for ActivityScheduled 'shout' (seq 2) at NonDeterminismTest.kt:$changedStepLine",
            )) { e.message!! }
        }
    }

    @Test
    fun `the recorded Shipment history still replays against the current code`() {
        val json = javaClass.getResource(recorded)!!.readText()
        val events = HistoryCodec.importHistory(json)
        assertEquals(12, events.size)
        assertEquals("\"HELLO, ADA!\"", assertIs<WorkflowCompleted>(events.last().attributes).result)
        WorkflowReplayer.replay(ShipmentV1, json)
        val e = assertFailsWith<NonDeterminismException> { WorkflowReplayer.replay(ShipmentV2, json) }
        assert(e.message!!.contains("code asked for ActivityScheduled 'shout' (seq 2)")) { e.message!! }
    }

    @Test
    fun `a history that is empty or of another workflow type is rejected`() {
        val json = javaClass.getResource(recorded)!!.readText()
        assertEquals("cannot replay an empty history",
            assertFailsWith<InvalidArgumentException> { WorkflowReplayer.replay(ShipmentV1, emptyList()) }.message)
        assertEquals("history is of workflow type 'Shipment', not 'Quick'",
            assertFailsWith<InvalidArgumentException> { WorkflowReplayer.replay(Quick, json) }.message)
    }
}
