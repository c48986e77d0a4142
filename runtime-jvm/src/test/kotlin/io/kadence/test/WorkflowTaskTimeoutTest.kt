package io.kadence.test

import ch.qos.logback.classic.Level
import io.kadence.dsl.workflow
import io.kadence.failure.InvalidArgumentException
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.internal.runtime.WorkflowTaskRunner
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/**
 * Holds the first execution of [StallsOnce]'s code until the test releases it; later executions
 * (the worker that takes over, replays) pass. Blocked workflow code is what a stalled worker looks
 * like to the store.
 */
object StallGate {
    val calls = AtomicInteger()
    @Volatile var entered = CountDownLatch(1)
    @Volatile var release = CountDownLatch(1)

    fun reset() {
        calls.set(0)
        entered = CountDownLatch(1)
        release = CountDownLatch(1)
    }

    fun pass() {
        if (calls.getAndIncrement() > 0) return
        entered.countDown()
        check(release.await(60, TimeUnit.SECONDS)) { "the stalled execution of StallsOnce was never released" }
    }
}

/** One workflow task: passes the gate, then completes. */
val StallsOnce = workflow<Unit, String>("StallsOnce") {
    StallGate.pass()
    "finished"
}

class WorkflowTaskTimeoutTest {
    @Test
    fun `the start's workflow task timeout is the lease of the run's tasks, so a second worker takes over a stalled task`() = runBlocking {
        val captured = LogCapture.of(WorkflowTaskRunner::class.java, Level.DEBUG)
        StallGate.reset()
        try {
            TestStores.open().use { kadence ->
                // Both workers would hold a task for two minutes: only the run's own 1 s timeout lets worker 2 in
                // within the 30 s this test waits. Worker 1 has one slot, so it cannot take the task back itself.
                kadence.worker("stall", TestStores.workerOptions {
                    maxConcurrentWorkflowTasks = 1
                    workflowTaskTimeout = 2.minutes
                    deadlockDetectionTimeout = 2.minutes
                }) { register(StallsOnce) }.start()
                val h = kadence.client.start(StallsOnce, Unit) { id = "stalled"; taskQueue = "stall"; workflowTaskTimeout = 1.seconds }
                assertTrue(StallGate.entered.await(30, TimeUnit.SECONDS), "worker 1 never ran the task")
                kadence.worker("stall", TestStores.workerOptions {
                    workflowTaskTimeout = 2.minutes
                    deadlockDetectionTimeout = 2.minutes
                }) { register(StallsOnce) }.start()
                // Worker 2 takes the task once the run's 1 s lease has passed, and completes the run while worker 1 is stuck.
                assertEquals("finished", h.result(30.seconds))

                StallGate.release.countDown()
                val dropped = eventually("worker 1's late completion to be rejected") {
                    captured.list.map { it.formattedMessage }.firstOrNull { it.startsWith("dropped stale workflow task") }
                }
                // Worker 2 committed first, so worker 1's commit fails the fence on the run's next event id.
                assertEquals("dropped stale workflow task: workflow task of run ${h.runId} is stale: the run moved past event 2 or closed", dropped)

                val history = h.history().toList()
                assertEquals(listOf(1L, 2L, 3L), history.map { it.eventId }, history.toString())
                val started = history[0].attributes as WorkflowStarted
                assertEquals(1_000L, started.taskTimeoutMillis)
                val task = history[1].attributes as WorkflowTaskCompleted
                assertTrue(history[2].attributes is WorkflowCompleted, history.toString())
                // One task recorded (worker 2's); worker 1's commit left nothing behind.
                assertTrue(task.workerId.contains("/stall/"), task.workerId)
                assertEquals(1, captured.list.count { it.formattedMessage.startsWith("dropped stale workflow task") })
            }
        } finally {
            StallGate.release.countDown()
            captured.detach()
        }
    }

    @Test
    fun `a workflow task timeout over 120 seconds or not positive is refused at the start`() = runBlocking {
        TestStores.open().use { kadence ->
            val tooLong = assertFailsWith<InvalidArgumentException> {
                kadence.client.start(StallsOnce, Unit) { id = "slow-tasks"; workflowTaskTimeout = 121.seconds }
            }
            assertEquals(
                "workflowTaskTimeout of workflow 'slow-tasks' must be positive and at most 2m, was 2m 1s; " +
                    "a workflow task should take milliseconds (move slow work into activities)",
                tooLong.message,
            )
            assertFailsWith<InvalidArgumentException> { kadence.client.start(StallsOnce, Unit) { id = "no-tasks"; workflowTaskTimeout = 0.seconds } }
            assertEquals(0, kadence.client.count())
        }
    }
}
