package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.client.WorkflowStatus
import io.kadence.client.signal
import io.kadence.dsl.workflow
import io.kadence.failure.InvalidArgumentException
import io.kadence.history.WorkflowReset
import io.kadence.history.WorkflowSignaled
import io.kadence.history.WorkflowTerminated
import io.kadence.workflow.activity
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

object ResetSteps {
    val calls = CopyOnWriteArrayList<String>()
}

interface Recorder {
    suspend fun record(step: String): String
}

class RecorderImpl : Recorder {
    override suspend fun record(step: String): String = step.also { ResetSteps.calls += it }
}

private val recordOptions = ActivityOptions(startToClose = 10.seconds)

/** Records step "a", waits for a note, records the note. */
val Resettable = workflow<Unit, String>("Resettable") {
    val a = activity(Recorder::record, "a", recordOptions)
    val note = signalChannel<String>("note").receive()
    a + "," + activity(Recorder::record, note, recordOptions)
}

class ResetTest {
    @Test
    fun `a reset run copies the history up to the boundary, reruns what was pending there and gets later signals again`() = runBlocking {
        ResetSteps.calls.clear()
        TestStores.open().use { kadence ->
            kadence.worker("reset", TestStores.workerOptions()) { register(Resettable); activities<Recorder>(RecorderImpl()) }.start()
            val original = kadence.client.start(Resettable, Unit) { id = "resettable"; taskQueue = "reset" }
            eventuallyTrue("step a is recorded") { original.eventKinds().contains("ActivityCompleted") }
            original.signal("note", "x")
            assertEquals("a,x", original.result(30.seconds))
            val old = original.history().toList()
            // Event 2 is the first task's boundary; event 3 schedules "a".
            assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled"), old.take(3).map { it.attributes::class.simpleName })

            val reset = original.reset(2, "replay step a")
            assertEquals("a,x", reset.result(30.seconds))
            val new = reset.history().toList()
            recordHistory("/histories/reset-run.json", new)
            assertEquals(old.take(3), new.take(3))
            val inputs = new.drop(3).map { it.attributes }
            assertEquals(WorkflowReset(original.runId!!, 2, "replay step a"), inputs.filterIsInstance<WorkflowReset>().single())
            assertEquals(listOf(WorkflowSignaled("note", "\"x\"")), inputs.filterIsInstance<WorkflowSignaled>())
            // "a" ran again in the new run (it was pending at the reset point), and so did the note's step.
            assertEquals(listOf("a", "x", "a", "x"), ResetSteps.calls.toList())
            assertEquals(WorkflowStatus.COMPLETED, original.describe().status)
            assertEquals(reset.runId, kadence.client.handle(Resettable, "resettable").describe().runId)
        }
    }

    @Test
    fun `resetting terminates the open run, and a point that is not a task boundary is refused`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("reset", TestStores.workerOptions()) { register(Resettable); activities<Recorder>(RecorderImpl()) }.start()
            val open = kadence.client.start(Resettable, Unit) { id = "open-reset"; taskQueue = "reset" }
            eventuallyTrue("step a is recorded") { open.eventKinds().contains("ActivityCompleted") }
            val e = assertFailsWith<InvalidArgumentException> { open.reset(3, "not a boundary") }
            assertTrue("a reset point must be a WorkflowTaskCompleted event" in e.message!!, e.message)
            assertEquals(WorkflowStatus.RUNNING, open.describe().status)

            val reset = open.reset(2, "operator retry")
            assertEquals(WorkflowStatus.TERMINATED, open.describe().status)
            assertTrue("reset to event 2" in assertIs<WorkflowTerminated>(open.history().toList().last().attributes).reason!!)
            reset.signal("note", "y")
            assertEquals("a,y", reset.result(30.seconds))
        }
    }
}
