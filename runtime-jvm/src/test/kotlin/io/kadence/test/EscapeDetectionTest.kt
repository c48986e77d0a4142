package io.kadence.test

import io.kadence.Kadence
import io.kadence.client.WorkflowStatus
import io.kadence.dsl.workflow
import io.kadence.workflow.WorkflowDefinition
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

val EscapesToIo = workflow<Unit, String>("EscapesToIo") {
    withContext(Dispatchers.IO) { }
    "escaped"
}

val SleepsThread = workflow<Unit, String>("SleepsThread") {
    Thread.sleep(5_000)
    "slept"
}

val BlocksInRunBlocking = workflow<Unit, String>("BlocksInRunBlocking") {
    runBlocking { CompletableDeferred<Unit>().await() }
    "unblocked"
}

class EscapeDetectionTest {
    /**
     * Runs [bad] beside a well-behaved workflow on one worker: the bad run's task fails with a
     * message containing every one of [expected], the run stays open, and the good run completes.
     */
    private fun escapeIsCaught(bad: WorkflowDefinition<Unit, String>, vararg expected: String) = runBlocking {
        TestStores.open().use { kadence: Kadence ->
            kadence.worker("escape", TestStores.workerOptions { deadlockDetectionTimeout = 300.milliseconds }) {
                register(bad)
                register(FanOut)
                activities<Greetings>(CountingGreetings())
            }.start()
            val h = kadence.client.start(bad, Unit) { id = "bad"; taskQueue = "escape" }
            val good = kadence.client.start(FanOut, listOf("Ada")) { id = "good"; taskQueue = "escape" }
            val failure = eventually("the workflow task of '${bad.name}' to fail") { h.describe().lastWorkflowTaskFailure }
            for (text in expected) assert(failure.contains(text)) { "task failure does not mention '$text':\n$failure" }
            assertEquals(listOf("Hello, Ada", "FIRST!", "SECOND!"), good.result(30.seconds))
            val d = h.describe()
            assertEquals(WorkflowStatus.RUNNING, d.status)
            assert(d.workflowTaskFailures >= 1)
            // No workflow task of the bad run ever completed: its history is just the start.
            assertEquals(listOf("WorkflowStarted"), h.history().toList().map { it.attributes::class.simpleName })
            assertEquals(1, kadence.client.count(WorkflowStatus.RUNNING))
            assertEquals(1, kadence.client.count(WorkflowStatus.COMPLETED))
        }
    }

    @Test
    fun `withContext(Dispatchers IO) fails the workflow task and says to use an activity`() = escapeIsCaught(
        EscapesToIo, "IllegalWorkflowStateException", "'bad'", "outside its deterministic loop", "withContext(Dispatchers.IO", "activity",
    )

    @Test
    fun `Thread sleep is interrupted by the deadlock detector and fails the workflow task`() = escapeIsCaught(
        SleepsThread, "IllegalWorkflowStateException", "'bad'", "blocked its workflow thread for more than 300ms", "Thread.sleep", "sleep()/delay()",
    )

    @Test
    fun `runBlocking around a blocking wait is interrupted and fails the workflow task`() = escapeIsCaught(
        BlocksInRunBlocking, "IllegalWorkflowStateException", "'bad'", "blocked its workflow thread", "runBlocking", "sleep()/delay()",
    )
}
