package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.client.WorkflowStatus
import io.kadence.dsl.workflow
import io.kadence.failure.CanceledFailure
import io.kadence.failure.InvalidArgumentException
import io.kadence.failure.WorkflowClosedException
import io.kadence.failure.KadenceTimeoutException
import io.kadence.failure.TerminatedFailure
import io.kadence.failure.WorkflowAlreadyStartedException
import io.kadence.failure.WorkflowFailedException
import io.kadence.history.ActivityScheduled
import io.kadence.history.TimerCanceled
import io.kadence.history.WorkflowCancelRequested
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTerminated
import io.kadence.workflow.activities
import io.kadence.workflow.activity
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNotEquals
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

val Quick = workflow<String, String>("Quick") { name -> sleep(1.minutes); "done $name" }

/** Waits on an activity nobody serves and on a one-hour timer. */
val Waits = workflow<Unit, String>("Waits") {
    val t = timer(1.hours)
    val a = async { activity<String>("neverServed", "x", options = ActivityOptions(startToClose = 1.days, taskQueue = UNSERVED_QUEUE)) }
    t.await()
    a.await()
}

/** Sleeps until canceled; cleans up with an activity, then ends canceled, or completed when [returnValue]. */
val CleansUp = workflow<Boolean, String>("CleansUp") { returnValue ->
    val g = activities<Greetings>(ActivityOptions(startToClose = 10.seconds))
    try {
        sleep(30.days)
        "slept"
    } catch (e: CancellationException) {
        val cleaned = withContext(NonCancellable) { g.shout("cleanup") }
        if (returnValue) cleaned else throw e
    }
}

class ClientTest {
    @Test
    fun `a second start with the id of an open run is rejected, naming the id and the run`() = runBlocking {
        TestStores.open().use { kadence ->
            val first = kadence.client.start(Quick, "a") { id = "dup-1"; taskQueue = "nobody" }
            val e = assertFailsWith<WorkflowAlreadyStartedException> {
                kadence.client.start(Quick, "b") { id = "dup-1"; taskQueue = "nobody" }
            }
            assertEquals("dup-1", e.workflowId)
            assertEquals(first.runId, e.runId)
            assert(e.message!!.contains("'dup-1'")) { e.message!! }
            assertEquals(1, kadence.client.count())
        }
    }

    @Test
    fun `the same id starts a new run once the previous run has closed`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("client", TestStores.workerOptions()) { register(Quick) }.start()
            val first = kadence.client.start(Quick, "a") { id = "again"; taskQueue = "client" }
            assertEquals("done a", first.result(30.seconds))
            val second = kadence.client.start(Quick, "b") { id = "again"; taskQueue = "client" }
            assertNotEquals(first.runId, second.runId)
            assertEquals("done b", second.result(30.seconds))
            // Newest first: the second run started a virtual minute after the first.
            assertEquals(listOf(second.runId, first.runId), kadence.client.list().map { it.runId })
            assertEquals(second.runId, kadence.client.handle(Quick, "again").describe().runId)
            assertEquals("done a", kadence.client.handle(Quick, "again", first.runId).result())
        }
    }

    @Test
    fun `a start retried with the same request id returns the run it already started`(): Unit = runBlocking {
        TestStores.open().use { kadence ->
            val first = kadence.client.start(Quick, "a") { id = "req"; requestId = "req-42"; taskQueue = "nobody" }
            val retried = kadence.client.start(Quick, "a") { id = "req"; requestId = "req-42"; taskQueue = "nobody" }
            assertEquals(first.runId, retried.runId)
            assertEquals(1, kadence.client.count())
            assertFailsWith<WorkflowAlreadyStartedException> {
                kadence.client.start(Quick, "a") { id = "req"; requestId = "req-43"; taskQueue = "nobody" }
            }
        }
    }

    @Test
    fun `invalid workflow ids are rejected before anything is stored`() = runBlocking {
        TestStores.open().use { kadence ->
            val invalid = mapOf(
                "   " to "must not be blank",
                "x".repeat(1_001) to "1001 characters, over the limit of 1000",
                "a\u0000b" to "NUL",
                "a\uD800b" to "lone surrogate at index 1",
            )
            for ((id, why) in invalid) {
                val e = assertFailsWith<InvalidArgumentException> { kadence.client.start(Quick, "a") { this.id = id; taskQueue = "q" } }
                assert(e.message!!.contains(why)) { "expected '$why' in: ${e.message}" }
            }
            assertEquals(emptyList(), kadence.client.list())
            // The limits are inclusive: 1,000 characters and a proper surrogate pair are fine.
            kadence.client.start(Quick, "a") { id = "x".repeat(1_000); taskQueue = "q" }
            kadence.client.start(Quick, "a") { id = "emoji-\uD83D\uDE00"; taskQueue = "q" }
            assertEquals(2, kadence.client.count())
        }
    }

    @Test
    fun `result with a timeout throws KadenceTimeoutException while the run is still open`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("client", TestStores.workerOptions()) { register(Waits) }.start()
            val h = kadence.client.start(Waits, Unit) { id = "slow"; taskQueue = "client" }
            val e = assertFailsWith<KadenceTimeoutException> { h.result(200.milliseconds) }
            assert(e.message!!.contains("'slow'")) { e.message!! }
            assertEquals(WorkflowStatus.RUNNING, h.describe().status)
        }
    }

    @Test
    fun `describe shows the activities and timers a waiting run has pending, and terminate removes them`(): Unit = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            kadence.worker("client", TestStores.workerOptions()) { register(Waits) }.start()
            val h = kadence.client.start(Waits, Unit) { id = "waits"; taskQueue = "client" }
            val d = eventually("the run to wait on its timer and activity") {
                h.describe().takeIf { it.pendingActivities.isNotEmpty() && it.pendingTimers.isNotEmpty() }
            }
            assertEquals(WorkflowStatus.RUNNING, d.status)
            assertEquals(listOf("neverServed"), d.pendingActivities.map { it.activityType })
            assertEquals(2L, d.pendingActivities.single().seq)
            assertEquals(1, d.pendingActivities.single().attempt)
            assertEquals(false, d.pendingActivities.single().running)
            assertEquals(1L, d.pendingTimers.single().seq)
            assertEquals(d.startTime.plusMillis(1.hours.inWholeMilliseconds), d.pendingTimers.single().fireAt)

            h.terminate("operator says stop")
            val e = assertFailsWith<WorkflowFailedException> { h.result(30.seconds) }
            assertEquals("TERMINATED", e.status)
            assertEquals("operator says stop", assertIs<TerminatedFailure>(e.cause).message)
            val after = h.describe()
            assertEquals(WorkflowStatus.TERMINATED, after.status)
            assertEquals(emptyList(), after.pendingActivities)
            assertEquals(emptyList(), after.pendingTimers)
            assertEquals("operator says stop", assertIs<WorkflowTerminated>(h.history().toList().last().attributes).reason)
            val twice = assertFailsWith<WorkflowClosedException> { h.terminate("twice") }
            assertEquals("TERMINATED", twice.status)
        }
    }

    @Test
    fun `cancel delivers CancellationException, the workflow cleans up with an activity and ends canceled`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            val impl = CountingGreetings()
            kadence.worker("client", TestStores.workerOptions()) { register(CleansUp); activities<Greetings>(impl) }.start()
            val h = kadence.client.start(CleansUp, false) { id = "cancel-me"; taskQueue = "client" }
            eventually("the run to sleep") { h.describe().pendingTimers.firstOrNull() }
            h.cancel("customer changed their mind")
            val e = assertFailsWith<WorkflowFailedException> { h.result(30.seconds) }
            assertEquals("CANCELED", e.status)
            assertIs<CanceledFailure>(e.cause)
            assertEquals(1, impl.shouts.get())
            assertEquals(WorkflowStatus.CANCELED, h.describe().status)
            val kinds = h.history().toList().map { it.attributes::class.simpleName }
            assertEquals(
                listOf("WorkflowStarted", "WorkflowTaskCompleted", "TimerStarted", "WorkflowCancelRequested", "WorkflowTaskCompleted",
                    "TimerCanceled", "ActivityScheduled", "ActivityCompleted", "WorkflowTaskCompleted", "WorkflowCanceled"),
                kinds,
            )
            assertEquals(emptyList(), h.describe().pendingTimers)
            recordHistory("/histories/cancel-cleanup.json", h.history().toList())
        }
    }

    @Test
    fun `a canceled workflow that returns a value from its cleanup completes with it`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            val impl = CountingGreetings()
            kadence.worker("client", TestStores.workerOptions()) { register(CleansUp); activities<Greetings>(impl) }.start()
            val h = kadence.client.start(CleansUp, true) { id = "cancel-and-return"; taskQueue = "client" }
            eventually("the run to sleep") { h.describe().pendingTimers.firstOrNull() }
            h.cancel()
            assertEquals("CLEANUP!", h.result(30.seconds))
            assertEquals(WorkflowStatus.COMPLETED, h.describe().status)
            val history = h.history().toList()
            assert(history.any { it.attributes is WorkflowCancelRequested })
            assert(history.any { it.attributes is TimerCanceled })
        }
    }

    @Test
    fun `list and count filter runs by status and by type`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("client", TestStores.workerOptions()) { register(Quick); register(Waits) }.start()
            val q1 = kadence.client.start(Quick, "1") { id = "q-1"; taskQueue = "client" }
            val q2 = kadence.client.start(Quick, "2") { id = "q-2"; taskQueue = "client" }
            q1.result(30.seconds); q2.result(30.seconds)
            // Started last: its unserved activity holds the virtual clock, which the Quick runs need to move.
            val w = kadence.client.start(Waits, Unit) { id = "w-1"; taskQueue = "client" }
            assertEquals(3, kadence.client.count())
            assertEquals(2, kadence.client.count(WorkflowStatus.COMPLETED))
            assertEquals(1, kadence.client.count(WorkflowStatus.RUNNING))
            assertEquals(0, kadence.client.count(WorkflowStatus.FAILED))
            assertEquals(2, kadence.client.count(workflowType = "Quick"))
            assertEquals(0, kadence.client.count(WorkflowStatus.COMPLETED, "Waits"))
            assertEquals(listOf("w-1"), kadence.client.list(WorkflowStatus.RUNNING).map { it.workflowId })
            assertEquals(setOf("q-1", "q-2"), kadence.client.list(workflowType = "Quick").map { it.workflowId }.toSet())
            val running = kadence.client.list(WorkflowStatus.RUNNING, "Waits").single()
            assertEquals(w.runId, running.runId)
            assertEquals(null, running.closeTime)
            assert(kadence.client.list(WorkflowStatus.COMPLETED).all { it.closeTime != null && it.workflowType == "Quick" })
        }
    }

    @Test
    fun `history is a Flow of typed events with contiguous ids from 1`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("client", TestStores.workerOptions()) { register(Quick) }.start()
            val h = kadence.client.start(Quick, "h") { id = "hist"; taskQueue = "client" }
            h.result(30.seconds)
            val events = h.history().toList()
            assertEquals((1L..events.size).toList(), events.map { it.eventId })
            val started = assertIs<WorkflowStarted>(events.first().attributes)
            assertEquals("Quick", started.workflowType)
            assertEquals("hist", started.workflowId)
            assertEquals("client", started.taskQueue)
            assertEquals(
                listOf("WorkflowStarted", "WorkflowTaskCompleted", "TimerStarted", "TimerFired", "WorkflowTaskCompleted", "WorkflowCompleted"),
                events.map { it.attributes::class.simpleName },
            )
            assertEquals(events.size.toLong(), h.describe().historyLength)
            assert(events.none { it.attributes is ActivityScheduled })
        }
    }
}
