package io.kadence.test

import io.kadence.client.signal
import io.kadence.client.signalWithStart
import io.kadence.dsl.workflow
import io.kadence.failure.WorkflowClosedException
import io.kadence.failure.WorkflowNotFoundException
import io.kadence.history.WorkflowSignaled
import io.kadence.history.WorkflowStarted
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.selects.select
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** Sleeps an hour, then reads the three signals sent meanwhile: none is lost while nobody reads. */
val LateReader = workflow<Unit, List<String>>("LateReader") {
    sleep(1.hours)
    val items = signalChannel<String>("item")
    List(3) { items.receive() }
}

/** Waits for a signal or a one-hour timeout, whichever comes first. */
val SignalOrTimeout = workflow<Unit, String>("SignalOrTimeout") {
    val approvals = signalChannel<Boolean>("approve")
    val deadline = timer(1.hours)
    select {
        approvals.onReceive { if (it) "approved" else "rejected" }
        deadline.onAwait { "timed out" }
    }
}

/** Collects "add" signals until a "done" signal; the first input it sees is in its history before any task. */
val Collector = workflow<String, String>("Collector") { prefix ->
    val adds = signalChannel<Int>("add")
    val done = signalChannel<Unit>("done")
    var total = 0
    while (true) {
        val stop = select {
            adds.onReceive { total += it; false }
            done.onReceive { true }
        }
        if (stop) break
    }
    "$prefix$total"
}

/** Test hooks for the completion race: the workflow blocks briefly (well under the deadlock timeout) so a signal lands meanwhile. */
object RaceHooks {
    @Volatile var reached = CountDownLatch(1)
    @Volatile var release = CountDownLatch(1)
}

val FirstSignalWins = workflow<Unit, String>("FirstSignalWins") {
    val ch = signalChannel<String>("s")
    val first = ch.receive()
    RaceHooks.reached.countDown()
    RaceHooks.release.await(5, TimeUnit.SECONDS)
    (listOf(first) + generateSequence { ch.tryReceive().getOrNull() }.toList()).joinToString(",")
}

class SignalTest {
    @Test
    fun `signals sent before the workflow reads them are buffered and delivered in order`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            kadence.worker("sig", TestStores.workerOptions()) { register(LateReader) }.start()
            val h = kadence.client.start(LateReader, Unit) { id = "late-reader"; taskQueue = "sig" }
            eventually("the run to sleep") { h.describe().pendingTimers.firstOrNull() }
            for (item in listOf("a", "b", "c")) h.signal("item", item)
            kadence.releaseClock()
            assertEquals(listOf("a", "b", "c"), h.result(30.seconds))
            val signals = h.history().toList().mapNotNull { it.attributes as? WorkflowSignaled }
            assertEquals(listOf("\"a\"", "\"b\"", "\"c\""), signals.map { it.input })
        }
    }

    @Test
    fun `select takes a signal before a durable timer, and the timer when no signal comes`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("sig", TestStores.workerOptions()) { register(SignalOrTimeout) }.start()
            kadence.holdClock()
            val approved = kadence.client.start(SignalOrTimeout, Unit) { id = "approve-me"; taskQueue = "sig" }
            eventually("the run to wait") { approved.describe().pendingTimers.firstOrNull() }
            approved.signal("approve", true)
            assertEquals("approved", approved.result(30.seconds))
            assertEquals(emptyList(), approved.describe().pendingTimers)
            kadence.releaseClock()
            val ignored = kadence.client.start(SignalOrTimeout, Unit) { id = "ignore-me"; taskQueue = "sig" }
            assertEquals("timed out", ignored.result(30.seconds))
        }
    }

    @Test
    fun `signal-with-start starts a run whose first input is the signal, and signals the open run afterwards`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("sig", TestStores.workerOptions()) { register(Collector) }.start()
            val first = kadence.client.signalWithStart(Collector, "total=", "add", 5) { id = "cart"; taskQueue = "sig" }
            val second = kadence.client.signalWithStart(Collector, "ignored", "add", 7) { id = "cart"; taskQueue = "sig" }
            assertEquals(first.runId, second.runId)
            first.signal("done", Unit)
            assertEquals("total=12", first.result(30.seconds))
            val history = first.history().toList()
            recordHistory("/histories/signal-with-start-cart.json", history)
            assertIs<WorkflowStarted>(history[0].attributes)
            assertEquals(WorkflowSignaled("add", "5"), history[1].attributes)
            assertEquals(1, kadence.client.count())
        }
    }

    @Test
    fun `signalling a workflow that does not exist or has closed is a typed error`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("sig", TestStores.workerOptions()) { register(Collector) }.start()
            val missing = assertFailsWith<WorkflowNotFoundException> { kadence.client.handle(Collector, "nobody").signal("add", 1) }
            assertTrue("'nobody'" in missing.message!!, missing.message)
            val h = kadence.client.signalWithStart(Collector, "", "done", Unit) { id = "closed-cart"; taskQueue = "sig" }
            assertEquals("0", h.result(30.seconds))
            val closed = assertFailsWith<WorkflowClosedException> { h.signal("add", 1) }
            assertEquals("COMPLETED", closed.status)
            assertTrue("'closed-cart'" in closed.message!!, closed.message)
        }
    }

    @Test
    fun `a signal that arrives while the workflow completes keeps it open to handle the signal`() = runBlocking {
        RaceHooks.reached = CountDownLatch(1)
        RaceHooks.release = CountDownLatch(1)
        TestStores.open().use { kadence ->
            kadence.worker("sig", TestStores.workerOptions()) { register(FirstSignalWins) }.start()
            val h = kadence.client.start(FirstSignalWins, Unit) { id = "race"; taskQueue = "sig" }
            h.signal("s", "a")
            assertTrue(RaceHooks.reached.await(20, TimeUnit.SECONDS))
            h.signal("s", "b")
            RaceHooks.release.countDown()
            assertEquals("a,b", h.result(30.seconds))
            val signals = h.history().toList().mapNotNull { it.attributes as? WorkflowSignaled }
            assertEquals(2, signals.size)
        }
    }

    @Test
    fun `a signal retried with its request id is delivered once`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("sig", TestStores.workerOptions()) { register(Collector) }.start()
            val h = kadence.client.start(Collector, "total=") { id = "retried"; taskQueue = "sig" }
            // As a client whose first call committed but lost its acknowledgement would: the same call again.
            h.signal("add", 5, Int::class.javaObjectType, requestId = "add-5")
            h.signal("add", 5, Int::class.javaObjectType, requestId = "add-5")
            h.signal("add", 7, Int::class.javaObjectType, requestId = "add-7")
            h.signal("done", Unit)
            assertEquals("total=12", h.result(30.seconds))
            val adds = h.history().toList().map { it.attributes }.filterIsInstance<WorkflowSignaled>().filter { it.name == "add" }
            assertEquals(listOf("5", "7"), adds.map { it.input })
        }
    }
}
