package io.kadence.test

import io.kadence.activity.ActivityCanceledException
import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.failure.ActivityFailure
import io.kadence.failure.ApplicationFailure
import io.kadence.failure.InvalidArgumentException
import io.kadence.workflow.activities
import io.kadence.workflow.activity
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

interface Slow {
    /** Never finishes on its own: heartbeats (which do not extend the lease unless a heartbeat timeout is set) until told to stop. */
    fun hang(id: String): String

    /** Heartbeats once, then goes silent until [SlowActivities.release] opens. */
    fun stall(id: String): String
}

class SlowActivities : Slow {
    val attempts = CopyOnWriteArrayList<Int>()
    /** What stopped each [hang] attempt. */
    val stoppedBy = CopyOnWriteArrayList<String>()
    val release = CountDownLatch(1)
    val heartbeats = AtomicInteger()

    override fun hang(id: String): String {
        val ctx = ActivityContext.current()
        attempts += ctx.info.attempt
        val giveUp = System.nanoTime() + 10_000_000_000L
        while (System.nanoTime() < giveUp) {
            Thread.sleep(20)
            try {
                ctx.heartbeat(ctx.info.attempt)
                heartbeats.incrementAndGet()
            } catch (e: ActivityCanceledException) {
                stoppedBy += e.message ?: ""
                throw e
            }
        }
        stoppedBy += "nothing: it ran 10 s"
        return "hang of $id was never stopped"
    }

    override fun stall(id: String): String {
        val ctx = ActivityContext.current()
        attempts += ctx.info.attempt
        ctx.heartbeat("started")
        release.await(10, TimeUnit.SECONDS)
        return "stall of $id returned"
    }
}

class ActivityTimeoutTest {
    /** Runs a workflow that calls [Slow.hang] (or [Slow.stall]) with [options]; returns the result or the failure chain. */
    private fun callSlow(options: ActivityOptions, stall: Boolean = false, check: suspend (String, SlowActivities) -> Unit) = runBlocking {
        val slow = SlowActivities()
        try {
            TestStores.open().use { kadence ->
                val wf = catchingWorkflow("Slow") { id -> if (stall) activity(Slow::stall, id, options) else activity(Slow::hang, id, options) }
                kadence.serve<Slow>("slow", wf, slow)
                val handle = kadence.client.start(wf, "job-1") { taskQueue = "slow" }
                val result = handle.result(30.seconds)
                slow.release.countDown()
                check(result, slow)
                assertEquals(listOf("WorkflowStarted", "ActivityScheduled", "ActivityFailed", "WorkflowCompleted"), handle.eventKinds())
            }
        } finally {
            slow.release.countDown()
        }
    }

    @Test
    fun `an attempt that hangs past startToClose is retried, then fails with a START_TO_CLOSE TimeoutFailure`() =
        callSlow(ActivityOptions(startToClose = 300.milliseconds) { retry { maximumAttempts = 2 } }) { result, slow ->
            assertTrue(result.startsWith("ActivityFailure[hang#2] <- TimeoutFailure[START_TO_CLOSE]"), result)
            assertEquals(listOf(1, 2), slow.attempts)
            // Attempt 2's timeout can reach the workflow before the attempt's own next heartbeat notices it.
            eventuallyTrue("both attempts were stopped") { slow.stoppedBy.size == 2 }
            slow.stoppedBy.forEach { assertTrue(it.contains("this attempt no longer holds the activity"), it) }
        }

    @Test
    fun `an attempt that stops heartbeating fails with a HEARTBEAT TimeoutFailure`() =
        callSlow(ActivityOptions(startToClose = 1.seconds * 60) { heartbeat = 300.milliseconds; retry { maximumAttempts = 1 } }, stall = true) { result, slow ->
            assertEquals("ActivityFailure[stall#1] <- TimeoutFailure[HEARTBEAT]", result)
            assertEquals(listOf(1), slow.attempts)
        }

    @Test
    fun `heartbeating does not stretch an attempt past startToClose`() =
        callSlow(ActivityOptions(startToClose = 600.milliseconds) { heartbeat = 200.milliseconds; retry { maximumAttempts = 1 } }) { result, slow ->
            assertEquals("ActivityFailure[hang#1] <- TimeoutFailure[START_TO_CLOSE]", result)
            assertEquals(listOf(1), slow.attempts)
            eventuallyTrue("the attempt was stopped") { slow.stoppedBy.size == 1 }
            assertTrue(slow.stoppedBy.single().contains("this attempt no longer holds the activity"), slow.stoppedBy.single())
            // Heartbeats come at most every 20 ms, so a 600 ms attempt has room for about 30; more means its leases outlived it.
            assertTrue(slow.heartbeats.get() < 60, "the attempt heartbeated ${slow.heartbeats.get()} times before it was stopped")
        }

    @Test
    fun `an attempt bounded only by scheduleToClose times out as SCHEDULE_TO_CLOSE`() =
        callSlow(ActivityOptions(scheduleToClose = 300.milliseconds) {}) { result, slow ->
            assertEquals("ActivityFailure[hang#1] <- TimeoutFailure[SCHEDULE_TO_CLOSE]", result)
            assertEquals(listOf(1), slow.attempts)
        }

    @Test
    fun `scheduleToClose ends retries with the last failure when the next retry would start past it`() = runBlocking {
        TestStores.open().use { kadence ->
            val billing = ScriptedBilling({ kadence.virtualNow() }) { attempt, _ ->
                throw ApplicationFailure.newFailure("unavailable on attempt $attempt", "Unavailable")
            }
            val options = ActivityOptions(startToClose = 1.seconds, scheduleToClose = 10.seconds) {
                retry { initialInterval = 1.seconds; backoffCoefficient = 2.0 }
            }
            val wf = catchingWorkflow("ChargeWithDeadline") { order -> activities<Billing>(options).charge(order) }
            kadence.serve<Billing>("billing", wf, billing)
            val result = kadence.client.start(wf, "order-2") { taskQueue = "billing" }.result(30.seconds)
            // Attempts at 0 s, 1 s, 3 s and 7 s; the next would start at 15 s, past the 10 s deadline.
            assertEquals("ActivityFailure[charge#4] <- ApplicationFailure[Unavailable: unavailable on attempt 4]", result)
            assertEquals(listOf(1, 2, 3, 4), billing.attempts)
            assertEquals(listOf(1_000L, 2_000L, 4_000L), billing.intervals())
        }
    }

    @Test
    fun `scheduleToStart times out an activity that no worker polls, without retrying it`() = runBlocking {
        TestStores.open().use { kadence ->
            val options = ActivityOptions(startToClose = 1.seconds) { scheduleToStart = 5.seconds; taskQueue = "nobody-polls" }
            val wf = workflow<String, String>("Unpolled") { order ->
                val before = now()
                val outcome = try {
                    activities<Billing>(options).charge(order)
                } catch (e: ActivityFailure) {
                    failureChain(e)
                }
                "$outcome after ${now().toEpochMilli() - before.toEpochMilli()} ms"
            }
            kadence.worker("billing", TestStores.workerOptions()) { register(wf) }.start()
            val handle = kadence.client.start(wf, "order-3") { taskQueue = "billing" }
            assertEquals("ActivityFailure[charge#1] <- TimeoutFailure[SCHEDULE_TO_START] after 5000 ms", handle.result(30.seconds))
            assertEquals(listOf("WorkflowStarted", "ActivityScheduled", "ActivityFailed", "WorkflowCompleted"), handle.eventKinds())
        }
    }

    @Test
    fun `options without startToClose or scheduleToClose are rejected before anything is stored`() = runBlocking {
        val message = "ActivityOptions needs startToClose or scheduleToClose (or both); neither was set"
        assertEquals(message, assertFailsWith<InvalidArgumentException> { ActivityOptions(scheduleToStart = 1.seconds) }.message)
        assertEquals(message, assertFailsWith<InvalidArgumentException> { ActivityOptions { heartbeat = 1.seconds } }.message)
        TestStores.open().use { kadence ->
            val wf = workflow<String, String>("BadOptions") { order ->
                activities<Billing>(ActivityOptions { heartbeat = 1.seconds }).charge(order)
            }
            kadence.worker("billing", TestStores.workerOptions()) { register(wf) }.start()
            val handle = kadence.client.start(wf, "order-4") { taskQueue = "billing" }
            eventuallyTrue("the workflow task failed") { handle.describe().workflowTaskFailures >= 1 }
            val description = handle.describe()
            assertTrue(description.lastWorkflowTaskFailure!!.startsWith("InvalidArgumentException: $message"), description.lastWorkflowTaskFailure)
            assertEquals(emptyList(), description.pendingActivities)
            assertEquals(listOf("WorkflowStarted"), handle.eventKinds())
            handle.terminate("test done")
        }
    }
}
