package io.kadence.test

import io.kadence.activity.ActivityCanceledException
import io.kadence.activity.ActivityCancellationType
import io.kadence.activity.ActivityCancellationType.ABANDON
import io.kadence.activity.ActivityCancellationType.TRY_CANCEL
import io.kadence.activity.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.testing.TestKadence
import io.kadence.workflow.activity
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

interface Transfers {
    /** Blocking: heartbeats every 20 ms until a heartbeat throws. */
    fun copy(path: String): String

    /** Suspending: heartbeats every 20 ms, ignoring what the heartbeat throws, until its coroutine is cancelled. */
    suspend fun upload(path: String): String
}

class HeartbeatingTransfers : Transfers {
    val started = CompletableDeferred<Unit>()
    /** What stopped the activity. */
    val stoppedBy = CompletableDeferred<String>()

    override fun copy(path: String): String {
        val ctx = ActivityContext.current()
        started.complete(Unit)
        repeat(500) {
            Thread.sleep(20)
            try {
                ctx.heartbeat()
            } catch (e: ActivityCanceledException) {
                stoppedBy.complete("heartbeat threw: ${e.message}")
                throw e
            }
        }
        stoppedBy.complete("nothing")
        return "copied $path"
    }

    override suspend fun upload(path: String): String {
        val ctx = ActivityContext.currentInCoroutine()
        started.complete(Unit)
        try {
            repeat(500) {
                delay(20)
                try {
                    ctx.heartbeat()
                } catch (e: ActivityCanceledException) {
                    // Ignored on purpose: the coroutine itself must be cancelled at its next suspension.
                }
            }
        } catch (e: CancellationException) {
            stoppedBy.complete("coroutine cancelled: ${e.message}")
            throw e
        }
        stoppedBy.complete("nothing")
        return "uploaded $path"
    }
}

class ActivityCancellationTest {
    private class Run(val result: String, val kinds: List<String>, val stoppedBy: String?)

    /**
     * A workflow starts a transfer, sleeps 1 s (the test moves the clock once the activity runs), cancels the coroutine
     * awaiting it with [type], then sleeps [afterCancel] and returns. [queue] other than "transfers" has no worker.
     */
    private fun cancelTransfer(
        type: ActivityCancellationType,
        suspending: Boolean = false,
        afterCancel: kotlin.time.Duration = 1.hours,
        queue: String = "transfers",
    ): Run = runBlocking {
        TestStores.open().use { kadence ->
            val transfers = HeartbeatingTransfers()
            val options = ActivityOptions(startToClose = 1.minutes) { cancellationType = type; taskQueue = queue }
            val wf = workflow<String, String>("Transfer") { path ->
                // async runs its body at the loop's next turn: the 1 s timer is recorded before the activity.
                val transfer = async { if (suspending) activity(Transfers::upload, path, options) else activity(Transfers::copy, path, options) }
                sleep(1.seconds)
                transfer.cancelAndJoin()
                sleep(afterCancel)
                "continued"
            }
            kadence.worker("transfers", TestStores.workerOptions()) {
                register(wf)
                activities<Transfers>(transfers)
            }.start()
            val handle = kadence.client.start(wf, "/data/big.bin") { taskQueue = "transfers" }
            if (queue == "transfers") {
                withTimeout(10.seconds) { transfers.started.await() }
                // While an activity runs the virtual clock stands still: move it to fire the workflow's 1 s timer.
                TestKadence.advance(kadence, 1.seconds)
            }
            val result = handle.result(30.seconds)
            val stoppedBy = if (queue == "transfers") withTimeout(10.seconds) { transfers.stoppedBy.await() } else null
            assertFalse(queue != "transfers" && transfers.started.isCompleted, "the activity ran although no worker polls '$queue'")
            Run(result, handle.eventKinds(), stoppedBy)
        }
    }

    @Test
    fun `TRY_CANCEL tells a blocking activity through its heartbeat and the workflow continues at once`() {
        val run = cancelTransfer(TRY_CANCEL)
        assertEquals("continued", run.result)
        assertTrue(run.stoppedBy!!.startsWith("heartbeat threw: ") && run.stoppedBy.endsWith("the workflow requested cancellation"), run.stoppedBy)
        // The 1 h timer is started in the same workflow task as the cancel request, before the activity acknowledged.
        assertEquals(
            listOf("WorkflowStarted", "TimerStarted", "ActivityScheduled", "TimerFired", "ActivityCancelRequested", "TimerStarted",
                "ActivityCanceled", "TimerFired", "WorkflowCompleted"),
            run.kinds,
        )
    }

    @Test
    fun `a cancel request cancels the coroutine of a suspending activity`() {
        val run = cancelTransfer(TRY_CANCEL, suspending = true)
        assertEquals("continued", run.result)
        assertTrue(run.stoppedBy!!.startsWith("coroutine cancelled: ") && run.stoppedBy.endsWith("the workflow requested cancellation"), run.stoppedBy)
        assertTrue("ActivityCanceled" in run.kinds, "${run.kinds}")
    }

    @Test
    fun `WAIT_CANCELLATION_COMPLETED resumes the workflow only after the activity acknowledged`() {
        val run = cancelTransfer(WAIT_CANCELLATION_COMPLETED, afterCancel = 0.seconds)
        assertEquals("continued", run.result)
        assertTrue(run.stoppedBy!!.endsWith("the workflow requested cancellation"), run.stoppedBy)
        assertEquals(
            listOf("WorkflowStarted", "TimerStarted", "ActivityScheduled", "TimerFired", "ActivityCancelRequested", "ActivityCanceled",
                "WorkflowCompleted"),
            run.kinds,
        )
    }

    @Test
    fun `ABANDON records no cancel request and the activity only learns when the run has closed`() {
        val run = cancelTransfer(ABANDON, afterCancel = 0.seconds)
        assertEquals("continued", run.result)
        assertEquals(listOf("WorkflowStarted", "TimerStarted", "ActivityScheduled", "TimerFired", "WorkflowCompleted"), run.kinds)
        assertTrue(run.stoppedBy!!.contains("this attempt no longer holds the activity"), run.stoppedBy)
    }

    @Test
    fun `canceling an activity that no worker has started records ActivityCanceled without running it`() {
        val run = cancelTransfer(WAIT_CANCELLATION_COMPLETED, afterCancel = 0.seconds, queue = "no-workers")
        assertEquals("continued", run.result)
        assertEquals(
            listOf("WorkflowStarted", "TimerStarted", "ActivityScheduled", "TimerFired", "ActivityCancelRequested", "ActivityCanceled",
                "WorkflowCompleted"),
            run.kinds,
        )
    }
}
