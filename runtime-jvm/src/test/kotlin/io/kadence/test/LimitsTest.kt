package io.kadence.test

import io.kadence.KadenceLimits
import io.kadence.activity.ActivityOptions
import io.kadence.client.WorkflowStatus
import io.kadence.client.signal
import io.kadence.dsl.workflow
import io.kadence.failure.LimitExceededException
import io.kadence.history.HistoryCodec
import io.kadence.history.MarkerRecorded
import io.kadence.history.WorkflowTerminated
import io.kadence.workflow.activity
import io.kadence.workflow.sideEffect
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** Schedules five activities at once on a queue no worker serves. */
val TooManyActivities = workflow<Unit, Unit>("TooManyActivities") {
    val options = ActivityOptions(startToClose = 10.seconds) { taskQueue = UNSERVED_QUEUE }
    (1..5).map { i -> async { activity<String>("never", i, options = options) } }.awaitAll()
}

/** Sleeps an hour, a hundred times: 3 events per hour. */
val LongHistory = workflow<Unit, Unit>("LongHistory") { repeat(100) { sleep(1.hours) } }

/** Records a 4,000-character side effect (with characters of 1 to 4 UTF-8 bytes) an hour apart, fifty times. */
val HeavyMarkers = workflow<Unit, Unit>("HeavyMarkers") {
    repeat(50) { i -> sideEffect { "a\u00e9\u20ac\uD83D\uDE00".repeat(800) + i }; sleep(1.hours) }
}

/** Returns the first two "note" signals. */
val TwoNotes = workflow<Unit, List<String>>("TwoNotes") { val c = signalChannel<String>("note"); listOf(c.receive(), c.receive()) }

class LimitsTest {
    private inline fun <T> withLimits(set: () -> Unit, block: () -> T): T {
        val saved = listOf(KadenceLimits.maxPendingActivities, KadenceLimits.maxHistoryEvents, KadenceLimits.maxPendingSignals)
        val savedBytes = KadenceLimits.maxHistoryBytes
        set()
        try {
            return block()
        } finally {
            KadenceLimits.maxHistoryBytes = savedBytes
            KadenceLimits.maxPendingActivities = saved[0]
            KadenceLimits.maxHistoryEvents = saved[1]
            KadenceLimits.maxPendingSignals = saved[2]
        }
    }

    @Test
    fun `a task that would pass the pending-activity limit fails with a message naming it`() = runBlocking {
        withLimits({ KadenceLimits.maxPendingActivities = 3 }) {
            TestStores.open().use { kadence ->
                kadence.worker("limits", TestStores.workerOptions()) { register(TooManyActivities) }.start()
                val h = kadence.client.start(TooManyActivities, Unit) { id = "greedy"; taskQueue = "limits" }
                val failure = eventually("the workflow task to fail") { h.describe().lastWorkflowTaskFailure }
                assertTrue("LimitExceededException" in failure && "already has 3 pending activities open" in failure, failure)
                assertEquals(WorkflowStatus.RUNNING, h.describe().status)
                // Nothing of the refused task was recorded.
                assertEquals(listOf("WorkflowStarted"), h.eventKinds())
            }
        }
    }

    @Test
    fun `a run whose history would pass the limit is terminated with its history intact`() = runBlocking {
        withLimits({ KadenceLimits.maxHistoryEvents = 20 }) {
            TestStores.open().use { kadence ->
                kadence.worker("limits", TestStores.workerOptions()) { register(LongHistory) }.start()
                val h = kadence.client.start(LongHistory, Unit) { id = "long"; taskQueue = "limits" }
                eventuallyTrue("the run to be terminated") { h.describe().status == WorkflowStatus.TERMINATED }
                val history = h.history().toList()
                assertTrue(history.size <= 20, "history has ${history.size} events")
                assertEquals((1L..history.size).toList(), history.map { it.eventId })
                val reason = assertIs<WorkflowTerminated>(history.last().attributes).reason!!
                assertTrue("to 21 events, over the limit of 20 events; use continue-as-new" in reason, reason)
            }
        }
    }

    @Test
    fun `a run whose history would pass the size limit is terminated and its size is the bytes stored`() = runBlocking {
        withLimits({ KadenceLimits.maxHistoryBytes = 100_000 }) {
            TestStores.open().use { kadence ->
                kadence.worker("limits", TestStores.workerOptions()) { register(HeavyMarkers) }.start()
                val h = kadence.client.start(HeavyMarkers, Unit) { id = "heavy"; taskQueue = "limits" }
                eventuallyTrue("the run to be terminated") { h.describe().status == WorkflowStatus.TERMINATED }
                val history = h.history().toList()
                val sizes = history.map { HistoryCodec.encodeAttributes(it.attributes).toByteArray(Charsets.UTF_8).size.toLong() }
                val stored = sizes.sum()
                assertEquals(stored, h.describe().historyBytes)
                // Each marker is about 8 KB (a 10-byte group 800 times, escaped or not): the run
                // stopped before the task that would have passed 100,000 bytes.
                val markers = history.count { it.attributes is MarkerRecorded }
                assertTrue(markers in 9..12, "$markers markers in $stored bytes")
                assertEquals((1L..history.size).toList(), history.map { it.eventId })
                val reason = assertIs<WorkflowTerminated>(history.last().attributes).reason!!
                assertTrue(Regex("to \\d+ bytes, over the limit of 100000 bytes; use continue-as-new").containsMatchIn(reason), reason)
                assertTrue(stored - sizes.last() <= 100_000, "the history before the termination stays under the limit")
            }
        }
    }

    @Test
    fun `signals past the pending limit are refused and the ones already sent stay`() = runBlocking {
        withLimits({ KadenceLimits.maxPendingSignals = 2 }) {
            TestStores.open().use { kadence ->
                val h = kadence.client.start(TwoNotes, Unit) { id = "notes"; taskQueue = "limits-notes" }
                h.signal("note", "one")
                h.signal("note", "two")
                val e = assertFailsWith<LimitExceededException> { h.signal("note", "three") }
                assertTrue("signal 'note' was not recorded" in e.message!!, e.message)
                kadence.worker("limits-notes", TestStores.workerOptions()) { register(TwoNotes) }.start()
                assertEquals(listOf("one", "two"), h.result(30.seconds))
            }
        }
    }
}
