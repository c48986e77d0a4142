package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.client.signal
import io.kadence.client.update
import io.kadence.dsl.workflow
import io.kadence.failure.UpdateFailedException
import io.kadence.history.WorkflowUpdateAccepted
import io.kadence.history.WorkflowUpdateCompleted
import io.kadence.workflow.activities
import io.kadence.workflow.onUpdate
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

object UpdateCounters {
    val validations = AtomicInteger()
}

/** Keeps a counter that updates add to (positive amounts only) until a "stop" signal. */
val Counter = workflow<Unit, Int>("Counter") {
    var counter = 0
    val greet = activities<Greetings>(ActivityOptions(startToClose = 10.seconds))
    onUpdate("add", validator = { a: Int ->
        UpdateCounters.validations.incrementAndGet()
        require(a > 0) { "amount must be positive, was $a" }
    }) { a: Int ->
        counter += a
        counter
    }
    onUpdate("greet") { name: String -> greet.greet(name) + " #$counter" }
    signalChannel<Unit>("stop").receive()
    counter
}

class UpdateTest {
    @Test
    fun `an accepted update returns its handler's result, a rejected one leaves no trace, and an update id applies once`() = runBlocking {
        UpdateCounters.validations.set(0)
        TestStores.open().use { kadence ->
            kadence.worker("u", TestStores.workerOptions()) { register(Counter); activities<Greetings>(CountingGreetings()) }.start()
            val h = kadence.client.start(Counter, Unit) { id = "counter"; taskQueue = "u" }

            assertEquals(5, h.update<Int, Int>("add", 5, updateId = "first"))
            assertEquals(5, h.update<Int, Int>("add", 5, updateId = "first"))
            val rejected = assertFailsWith<UpdateFailedException> { h.update<Int, Int>("add", -2) }
            assertEquals("REJECTED", rejected.status)
            assertTrue("amount must be positive, was -2" in rejected.message!!, rejected.message)
            val unknown = assertFailsWith<UpdateFailedException> { h.update<Int, Int>("subtract", 1) }
            assertTrue("known updates: [add, greet]" in unknown.message!!, unknown.message)
            assertEquals(8, h.update<Int, Int>("add", 3))
            assertEquals("Hello, Ada #8", h.update<String, String>("greet", "Ada"))

            h.signal("stop", Unit)
            assertEquals(8, h.result(30.seconds))
            recordHistory("/histories/counter-updates.json", h.history().toList())
            val history = h.history().toList().map { it.attributes }
            val accepted = history.filterIsInstance<WorkflowUpdateAccepted>()
            assertEquals(listOf("add", "add", "greet"), accepted.map { it.name })
            assertEquals("first", accepted.first().updateId)
            assertEquals(accepted.map { it.updateId }, history.filterIsInstance<WorkflowUpdateCompleted>().map { it.updateId })
            assertTrue(history.none { it is WorkflowUpdateAccepted && it.input?.contains("-2") == true })
            // Validators ran for "first", -2 and 3 only: not again for the retried id, nor on replay.
            assertEquals(3, UpdateCounters.validations.get())
        }
    }
}
