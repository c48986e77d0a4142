package io.kadence.test

import io.kadence.activity.RetryPolicy
import io.kadence.client.WorkflowIdConflictPolicy
import io.kadence.client.WorkflowIdReusePolicy
import io.kadence.client.WorkflowStatus
import io.kadence.client.signal
import io.kadence.dsl.workflow
import io.kadence.failure.ApplicationFailure
import io.kadence.failure.WorkflowAlreadyStartedException
import io.kadence.failure.WorkflowFailedException
import io.kadence.history.HistoryEvent
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.history.WorkflowTerminated
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** Fails until attempt [succeedOn] (its input), non-retryably when the input is negative. */
val FlakyRun = workflow<Int, String>("FlakyRun") { succeedOn ->
    if (succeedOn < 0) throw ApplicationFailure("bad input $succeedOn", "BadInput", nonRetryable = true)
    if (info.attempt < succeedOn) throw ApplicationFailure("attempt ${info.attempt} failed", "Flaky")
    "ok on attempt ${info.attempt}"
}

/** Returns the first "go" signal. */
val WaitsForGo = workflow<Unit, String>("WaitsForGo") { signalChannel<String>("go").receive() }

/** Returns its input at once. */
val Immediate = workflow<String, String>("Immediate") { it }

class StartPolicyTest {
    private val retry = RetryPolicy(initialInterval = 10.seconds, maximumAttempts = 5)

    /** The run ids of [workflowId], any order. */
    private suspend fun runIdsOf(kadence: io.kadence.Kadence, workflowId: String): List<String> =
        kadence.client.list(limit = 1000).filter { it.workflowId == workflowId }.map { it.runId }

    /** The histories of [workflowId]'s runs, first to last, each found as the run the previous one handed over to. */
    private suspend fun runsOf(kadence: io.kadence.Kadence, workflowId: String, firstRunId: String): List<List<HistoryEvent>> {
        val histories = runIdsOf(kadence, workflowId).associateWith { kadence.client.handle(FlakyRun, workflowId, it).history().toList() }
        val chain = ArrayList<List<HistoryEvent>>()
        var runId: String? = firstRunId
        while (runId != null) {
            chain += histories.getValue(runId)
            val current = runId
            runId = histories.entries.firstOrNull { (it.value.first().attributes as WorkflowStarted).continuedFromRunId == current }?.key
        }
        return chain
    }

    @Test
    fun `a failed run is retried as a new run after the back-off, and the first handle follows to the result`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("retry", TestStores.workerOptions()) { register(FlakyRun) }.start()
            val first = kadence.client.start(FlakyRun, 3) { id = "flaky"; taskQueue = "retry"; retryPolicy = retry }
            assertEquals("ok on attempt 3", first.result(30.seconds))

            val runs = runsOf(kadence, "flaky", first.runId!!)
            assertEquals(3, runs.size)
            assertEquals(listOf(1, 2, 3), runs.map { (it.first().attributes as WorkflowStarted).attempt })
            assertEquals(listOf("WorkflowFailed", "WorkflowFailed", "WorkflowCompleted"), runs.map { it.last().attributes::class.simpleName })
            // Attempt 2 ran 10 s after attempt 1 failed, attempt 3 20 s after attempt 2.
            val failedAt = runs.map { it.last().timestampMillis }
            val firstTaskAt = runs.map { run -> run.first { it.attributes is WorkflowTaskCompleted }.timestampMillis }
            assertEquals(10_000, firstTaskAt[1] - failedAt[0])
            assertEquals(20_000, firstTaskAt[2] - failedAt[1])
            assertEquals(10_000, (runs[1].first().attributes as WorkflowStarted).firstTaskDelayMillis)
            // The last attempt: a run that a retry started (attempt 3, its predecessor and back-off recorded).
            recordHistory("/histories/flaky-run-retried.json", runs[2])
            assertEquals(WorkflowStatus.FAILED, kadence.client.handle(FlakyRun, "flaky", first.runId).describe().status)
        }
    }

    @Test
    fun `retries stop at the maximum attempts and at a non-retryable failure`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("retry", TestStores.workerOptions()) { register(FlakyRun) }.start()
            val exhausted = kadence.client.start(FlakyRun, 10) { id = "exhausted"; taskQueue = "retry"; retryPolicy = RetryPolicy(maximumAttempts = 2) }
            val e = assertFailsWith<WorkflowFailedException> { exhausted.result(30.seconds) }
            assertEquals("attempt 2 failed", e.cause!!.message)
            assertEquals(2, runIdsOf(kadence, "exhausted").size)

            val bad = kadence.client.start(FlakyRun, -1) { id = "bad"; taskQueue = "retry"; retryPolicy = retry }
            assertEquals("bad input -1", assertFailsWith<WorkflowFailedException> { bad.result(30.seconds) }.cause!!.message)
            assertEquals(1, runIdsOf(kadence, "bad").size)
        }
    }

    @Test
    fun `a start delay holds the first task back, and a signal ends the wait`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("delay", TestStores.workerOptions()) { register(Immediate); register(WaitsForGo) }.start()
            val delayed = kadence.client.start(Immediate, "late") { id = "delayed"; taskQueue = "delay"; startDelay = 1.hours }
            assertEquals("late", delayed.result(30.seconds))
            val history = delayed.history().toList()
            assertEquals(1.hours.inWholeMilliseconds, history.first { it.attributes is WorkflowTaskCompleted }.timestampMillis - history.first().timestampMillis)
            recordHistory("/histories/immediate-delayed.json", history)

            kadence.holdClock()
            val woken = kadence.client.start(WaitsForGo, Unit) { id = "woken"; taskQueue = "delay"; startDelay = 1.hours }
            woken.signal("go", "now")
            assertEquals("now", woken.result(30.seconds))
            val wokenHistory = woken.history().toList()
            assertEquals(wokenHistory.first().timestampMillis, wokenHistory.first { it.attributes is WorkflowTaskCompleted }.timestampMillis)
        }
    }

    @Test
    fun `id-reuse policies decide whether a closed workflow id may run again`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("reuse", TestStores.workerOptions()) { register(Immediate); register(FlakyRun) }.start()
            kadence.client.start(Immediate, "one") { id = "reused"; taskQueue = "reuse" }.result(30.seconds)
            val rejected = assertFailsWith<WorkflowAlreadyStartedException> {
                kadence.client.start(Immediate, "two") { id = "reused"; taskQueue = "reuse"; idReusePolicy = WorkflowIdReusePolicy.REJECT_DUPLICATE }
            }
            assertTrue("id-reuse policy REJECT_DUPLICATE forbids another run" in rejected.message!!, rejected.message)
            assertFailsWith<WorkflowAlreadyStartedException> {
                kadence.client.start(Immediate, "two") { id = "reused"; taskQueue = "reuse"; idReusePolicy = WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY }
            }
            assertEquals("three", kadence.client.start(Immediate, "three") { id = "reused"; taskQueue = "reuse" }.result(30.seconds))

            val failed = kadence.client.start(FlakyRun, -1) { id = "failed-once"; taskQueue = "reuse" }
            assertFailsWith<WorkflowFailedException> { failed.result(30.seconds) }
            val again = kadence.client.start(FlakyRun, 1) { id = "failed-once"; taskQueue = "reuse"; idReusePolicy = WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY }
            assertEquals("ok on attempt 1", again.result(30.seconds))
            assertEquals(2, runIdsOf(kadence, "reused").size)
        }
    }

    @Test
    fun `id-conflict policies decide what a start does while the workflow id is open`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("conflict", TestStores.workerOptions()) { register(WaitsForGo) }.start()
            val open = kadence.client.start(WaitsForGo, Unit) { id = "busy"; taskQueue = "conflict" }
            assertFailsWith<WorkflowAlreadyStartedException> { kadence.client.start(WaitsForGo, Unit) { id = "busy"; taskQueue = "conflict" } }
            val existing = kadence.client.start(WaitsForGo, Unit) { id = "busy"; taskQueue = "conflict"; idConflictPolicy = WorkflowIdConflictPolicy.USE_EXISTING }
            assertEquals(open.runId, existing.runId)

            val replacement = kadence.client.start(WaitsForGo, Unit) { id = "busy"; taskQueue = "conflict"; idConflictPolicy = WorkflowIdConflictPolicy.TERMINATE_EXISTING }
            assertTrue(replacement.runId != open.runId)
            assertEquals(WorkflowStatus.TERMINATED, open.describe().status)
            val reason = assertIs<WorkflowTerminated>(open.history().toList().last().attributes).reason!!
            assertTrue("id-conflict policy TERMINATE_EXISTING" in reason, reason)
            replacement.signal("go", "second")
            assertEquals("second", replacement.result(30.seconds))
        }
    }
}
