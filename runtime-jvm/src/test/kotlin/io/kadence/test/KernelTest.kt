package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.history.ActivityCompleted
import io.kadence.history.ActivityScheduled
import io.kadence.history.TimerFired
import io.kadence.history.TimerStarted
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowStarted
import io.kadence.client.WorkflowStatus
import io.kadence.testing.TestKadence
import io.kadence.workflow.activities
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.seconds

interface Greetings {
    suspend fun greet(name: String): String
    suspend fun shout(text: String): String
}

class CountingGreetings : Greetings {
    val greets = AtomicInteger()
    val shouts = AtomicInteger()
    override suspend fun greet(name: String): String { greets.incrementAndGet(); return "Hello, $name" }
    override suspend fun shout(text: String): String { shouts.incrementAndGet(); return text.uppercase() + "!" }
}

val Greeting = workflow<String, String>("Greeting") { name ->
    val g = activities<Greetings>(ActivityOptions(startToClose = 10.seconds))
    val hello = g.greet(name)
    sleep(30.days)
    g.shout(hello)
}

class KernelTest {
    @Test
    fun `a workflow calls activities, sleeps a month on the virtual clock and returns its result`() = runBlocking {
        TestStores.open().use { kadence ->
            val impl = CountingGreetings()
            kadence.worker("greetings", TestStores.workerOptions()) {
                register(Greeting)
                activities<Greetings>(impl)
            }.start()
            val started = TestKadence.now(kadence)
            val handle = kadence.client.start(Greeting, "Ada") { id = "greet-1"; taskQueue = "greetings" }
            assertEquals("HELLO, ADA!", handle.result(30.seconds))
            assertEquals(1, impl.greets.get())
            assertEquals(1, impl.shouts.get())
            val history = handle.history().toList()
            assertEquals((1L..history.size).toList(), history.map { it.eventId })
            val kinds = history.map { it.attributes::class.simpleName }
            assertEquals(
                listOf("WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled", "ActivityCompleted", "WorkflowTaskCompleted",
                    "TimerStarted", "TimerFired", "WorkflowTaskCompleted", "ActivityScheduled", "ActivityCompleted",
                    "WorkflowTaskCompleted", "WorkflowCompleted"),
                kinds,
            )
            recordHistory("/histories/greeting.json", history)
            val timer = history.first { it.attributes is TimerStarted }.attributes as TimerStarted
            assertEquals(30.days.inWholeMilliseconds, timer.durationMillis)
            val fired = history.first { it.attributes is TimerFired }
            assert(fired.timestampMillis >= timer.fireAtMillis)
            assert(TestKadence.now(kadence).toEpochMilli() - started.toEpochMilli() >= 30.days.inWholeMilliseconds)
            val d = handle.describe()
            assertEquals(WorkflowStatus.COMPLETED, d.status)
            assertEquals(history.size.toLong(), d.historyLength)
            assertEquals(emptyList(), d.pendingActivities)
        }
    }
}
