package io.kadence.test

import ch.qos.logback.classic.Level
import io.kadence.client.WorkflowStatus
import io.kadence.client.signal
import io.kadence.client.update
import io.kadence.dsl.workflow
import io.kadence.failure.WorkflowAlreadyStartedException
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.history.WorkflowUpdateAccepted
import io.kadence.history.WorkflowUpdateCompleted
import io.kadence.internal.runtime.WorkflowTaskRunner
import io.kadence.workflow.onUpdate
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/**
 * Holds the first two executions of [LeaseRacer]'s code until the test lets each go; later
 * executions (replays) pass. Blocking workflow code is what a stalled worker looks like to the store.
 */
object LeaseGate {
    class Round {
        val calls = AtomicInteger()
        val entered = listOf(CountDownLatch(1), CountDownLatch(1))
        val release = listOf(CountDownLatch(1), CountDownLatch(1))
    }

    @Volatile var round = Round()

    fun pass() {
        val r = round
        val n = r.calls.getAndIncrement()
        if (n < 2) {
            r.entered[n].countDown()
            check(r.release[n].await(60, TimeUnit.SECONDS)) { "execution ${n + 1} of LeaseRacer was never released" }
        }
    }
}

/** One workflow task: passes the gate, then completes. */
val LeaseRacer = workflow<Unit, String>("LeaseRacer") {
    LeaseGate.pass()
    "finished"
}

/** Counts validator runs of [UpdateTally]'s update (validators do not run on replay). */
object UpdateTallyValidations {
    val count = AtomicInteger()
}

/** Adds what updates send to a total until a "stop" signal; returns the total. */
val UpdateTally = workflow<Unit, Int>("UpdateTally") {
    var total = 0
    onUpdate("add", validator = { _: Int -> UpdateTallyValidations.count.incrementAndGet() }) { a: Int ->
        total += a
        total
    }
    signalChannel<Unit>("stop").receive()
    total
}

/** Races the store must settle: many starts of one workflow id, two workers and one expired lease, one update id sent at once. */
class RaceTest {
    @Test
    fun `100 concurrent starts of one workflow id make exactly one run`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            val outcomes = (1..100).map {
                async(Dispatchers.IO) {
                    try {
                        kadence.client.start(Quick, "racer") { id = "the-one"; taskQueue = "nobody" }.runId
                    } catch (e: WorkflowAlreadyStartedException) {
                        "refused"
                    }
                }
            }.awaitAll()
            val started = outcomes.filter { it != "refused" }
            assertEquals(1, started.size, "runs started: $started")
            assertEquals(99, outcomes.count { it == "refused" })
            val runs = kadence.client.list(workflowType = "Quick")
            assertEquals(listOf(started.single()), runs.map { it.runId })
            assertEquals(WorkflowStatus.RUNNING, runs.single().status)
        }
    }

    @Test
    fun `a workflow task whose lease expired is taken over by a second worker and the first worker's completion is rejected`() = runBlocking {
        val captured = LogCapture.of(WorkflowTaskRunner::class.java, Level.DEBUG)
        val round = LeaseGate.Round().also { LeaseGate.round = it }
        try {
            TestStores.open().use { kadence ->
                // Worker 1 holds workflow tasks for 500 ms and has one slot, so it cannot take the task back itself.
                kadence.worker("lease", TestStores.workerOptions {
                    maxConcurrentWorkflowTasks = 1
                    workflowTaskTimeout = 500.milliseconds
                    deadlockDetectionTimeout = 2.minutes
                }) { register(LeaseRacer) }.start()
                val h = kadence.client.start(LeaseRacer, Unit) { id = "lease-race"; taskQueue = "lease" }
                assertTrue(round.entered[0].await(30, TimeUnit.SECONDS), "worker 1 never ran the task")
                // Worker 1 is stalled inside the task. Worker 2 takes it over once the 500 ms lease has run out.
                kadence.worker("lease", TestStores.workerOptions {
                    workflowTaskTimeout = 2.minutes
                    deadlockDetectionTimeout = 2.minutes
                }) { register(LeaseRacer) }.start()
                assertTrue(round.entered[1].await(30, TimeUnit.SECONDS), "worker 2 never took the task over")
                // Worker 1 wakes up and commits first, while worker 2 still holds the task: the run has not
                // moved on, so only the lease token tells them apart.
                round.release[0].countDown()
                val dropped = eventually("worker 1's completion to be rejected") {
                    captured.list.map { it.formattedMessage }.firstOrNull { it.startsWith("dropped stale workflow task") }
                }
                val staleOwner = Regex("is no longer held by (\\S+) \\(lease expired or taken over\\)").find(dropped)
                    ?.groupValues?.get(1) ?: throw AssertionError("unexpected rejection: $dropped")
                assertTrue(dropped.contains("workflow task of run ${h.runId}"), dropped)
                assertEquals(listOf("WorkflowStarted"), h.history().toList().map { it.attributes::class.simpleName })
                round.release[1].countDown()
                assertEquals("finished", h.result(30.seconds))
                // One task recorded, by worker 2; worker 1's commit left nothing behind.
                val history = h.history().toList()
                assertEquals(listOf(1L, 2L, 3L), history.map { it.eventId })
                assertTrue(history[0].attributes is WorkflowStarted && history[2].attributes is WorkflowCompleted, history.toString())
                val task = history[1].attributes as WorkflowTaskCompleted
                assertNotEquals(staleOwner, task.workerId)
                assertEquals(1, captured.list.count { it.formattedMessage.startsWith("dropped stale workflow task") })
            }
        } finally {
            round.release.forEach { it.countDown() }
            captured.detach()
        }
    }

    @Test
    fun `one update id sent by 20 callers at once is applied once and every caller gets its result`() = runBlocking {
        UpdateTallyValidations.count.set(0)
        TestStores.open().use { kadence ->
            kadence.worker("tally", TestStores.workerOptions()) { register(UpdateTally) }.start()
            val h = kadence.client.start(UpdateTally, Unit) { id = "tally"; taskQueue = "tally" }
            val go = CompletableDeferred<Unit>()
            val callers = (1..20).map {
                async(Dispatchers.IO) {
                    go.await()
                    h.update<Int, Int>("add", 5, updateId = "same-id")
                }
            }
            go.complete(Unit)
            assertEquals(List(20) { 5 }, callers.awaitAll())
            // Applied once: the next update sees 5, not 100.
            assertEquals(6, h.update<Int, Int>("add", 1, updateId = "next"))
            h.signal("stop", Unit)
            assertEquals(6, h.result(30.seconds))
            val history = h.history().toList().map { it.attributes }
            assertEquals(listOf("same-id", "next"), history.filterIsInstance<WorkflowUpdateAccepted>().map { it.updateId })
            assertEquals(listOf("same-id", "next"), history.filterIsInstance<WorkflowUpdateCompleted>().map { it.updateId })
            assertEquals(2, UpdateTallyValidations.count.get())
        }
    }
}
