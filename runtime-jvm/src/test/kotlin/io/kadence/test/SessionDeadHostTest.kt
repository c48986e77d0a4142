package io.kadence.test

import ch.qos.logback.classic.Level
import io.kadence.activity.ActivityOptions
import io.kadence.client.signal
import io.kadence.dsl.workflow
import io.kadence.failure.SessionFailedException
import io.kadence.history.ActivityCanceled
import io.kadence.history.ActivityCompleted
import io.kadence.history.ActivityFailed
import io.kadence.history.ActivityScheduled
import io.kadence.history.SessionFailed
import io.kadence.internal.runtime.ActivityTaskRunner
import io.kadence.testing.TestKadence
import io.kadence.workflow.activities
import io.kadence.workflow.session
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** An activity that finishes normally, but only when the test lets it. */
interface LateSteps {
    /** Waits (ignoring cancellation, and without heartbeats) for the test's go-ahead, then returns a result. */
    suspend fun finishLate(tag: String): String
}

/** A session host that was declared dead and then tries to report a successful result. */
class SessionDeadHostTest {
    private val steps = ActivityOptions(startToClose = 1.minutes)

    /** Runs the late activity in a session; recovers on another host when it fails; waits for "finish". */
    private val lateReporter = workflow<Unit, String>("LateReporter") {
        val late = activities<LateSteps>(ActivityOptions(startToClose = 1.hours))
        val files = activities<HostSteps>(steps)
        val first = try {
            session(creationTimeout = 1.minutes, executionTimeout = 1.hours) { late.finishLate("x") }
        } catch (e: SessionFailedException) {
            "session on ${e.hostId} failed"
        }
        val second = session(creationTimeout = 1.minutes, executionTimeout = 1.hours) { files.download("again") }
        signalChannel<String>("finish").receive()
        "$first; then $second"
    }

    @Test
    fun `a successful result reported by a host after it was declared dead is rejected and never recorded`() = runBlocking {
        val captured = LogCapture.of(ActivityTaskRunner::class.java, Level.INFO)
        val started = CompletableDeferred<String>()
        val gate = CompletableDeferred<Unit>()
        val returned = CompletableDeferred<String>()
        val lateSteps = object : LateSteps {
            override suspend fun finishLate(tag: String): String {
                started.complete(tag)
                withContext(NonCancellable) { gate.await() }
                return "late $tag from host-a".also { returned.complete(it) }
            }
        }
        try {
            TestStores.open().use { kadence ->
                val log = HostLog()
                kadence.workflowWorker("files", lateReporter)
                kadence.worker("files", TestStores.workerOptions { hostId = "host-a"; shutdownGracePeriod = 1.seconds }) {
                    activities<LateSteps>(lateSteps)
                    activities<HostSteps>(HostStepsOn("host-a", log))
                    sessions { }
                }.start()
                val h = kadence.client.start(lateReporter, Unit) { id = "late-reporter"; taskQueue = "files" }
                assertEquals("x", withTimeout(10_000) { started.await() })
                kadence.sessionHost("files", "host-b", log)
                // host-a hangs (its worker runs on, the activity still holds its attempt) and is declared dead.
                kadence.engine.sessionHosts.host("files", "host-a")!!.heartbeatsPaused = true
                TestKadence.advance(kadence, 30.seconds)
                eventuallyTrue("the workflow to recover on host-b") {
                    h.history().toList().any { (it.attributes as? ActivityCompleted)?.result?.contains("host-b") == true }
                }
                // Now the activity on the dead host returns normally; its worker reports the result.
                gate.complete(Unit)
                assertEquals("late x from host-a", withTimeout(10_000) { returned.await() })
                val dropped = eventually("the late report to be dropped") {
                    captured.list.map { it.formattedMessage }.filter { it.startsWith("dropped a late activity report") }.takeIf { it.isNotEmpty() }
                }
                assertEquals(1, dropped.size, dropped.toString())
                assertTrue(Regex("activity 'finishLate' \\(seq \\d+\\) of run ${h.runId}, attempt 1: this worker no longer holds it").containsMatchIn(dropped.single()), dropped.single())
                assertTrue(dropped.single().endsWith("the late result was rejected"), dropped.single())

                h.signal("finish", "now")
                assertEquals("session on host-a failed; then download(again)@host-b via files@host-b", h.result(30.seconds))
                val history = h.history().toList().map { it.attributes }
                val lateSeq = history.filterIsInstance<ActivityScheduled>().single { it.activityType == "finishLate" }.seq
                assertEquals("host-a", history.filterIsInstance<SessionFailed>().single().hostId)
                // Nothing closed the dead host's activity: no completion (nor anything else) entered history for it.
                assertEquals(emptyList(), history.filter {
                    (it is ActivityCompleted && it.seq == lateSeq) || (it is ActivityFailed && it.seq == lateSeq) || (it is ActivityCanceled && it.seq == lateSeq)
                })
                assertTrue(history.none { it is ActivityCompleted && it.result?.contains("late x") == true }, history.toString())
                assertEquals(1, history.filterIsInstance<ActivityCompleted>().size)
                assertEquals(emptyMap(), kadence.hostsOf("files").getValue("host-a").used)
            }
        } finally {
            gate.complete(Unit)
            captured.detach()
        }
    }
}
