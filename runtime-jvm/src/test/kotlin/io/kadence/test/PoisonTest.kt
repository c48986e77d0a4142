package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.client.signal
import io.kadence.dsl.workflow
import io.kadence.failure.CorruptHistoryException
import io.kadence.history.ActivityScheduled
import io.kadence.history.EventAttributes
import io.kadence.history.HistoryCodec
import io.kadence.history.TimerStarted
import io.kadence.history.WorkflowSignaled
import io.kadence.history.WorkflowStarted
import io.kadence.workflow.activities
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.runBlocking
import java.sql.DriverManager
import kotlin.random.Random
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

interface Poison {
    suspend fun exhaust(tag: String): String
}

/** Calls an activity that runs out of memory on every attempt; returns the failure it ends with. */
val OutOfMemory = catchingWorkflow("OutOfMemory") { tag ->
    val poison = activities<Poison>(ActivityOptions(startToClose = 5.seconds) { retry { initialInterval = 10.milliseconds; maximumAttempts = 2 } })
    poison.exhaust(tag)
}

/** Waits for one "go" signal and returns it. */
val WaitsForSignal = workflow<String, String>("WaitsForSignal") { name -> "$name got ${signalChannel<String>("go").receive()}" }

/** Lets the spinning workflow's loop end when its test is over. */
object SpinControl {
    @Volatile var spinning = true
    @Volatile var spins = 0L
}

/** Workflow code that never yields: a CPU loop that ignores interruption. */
val Spinner = workflow<Unit, String>("Spinner") {
    while (SpinControl.spinning) SpinControl.spins++
    "stopped"
}

/** Poison activities, damaged stored events, and a fuzzed history decoder: typed errors, and nothing else is hurt. */
class PoisonTest {
    @Test
    fun `an activity that runs out of memory fails with a typed failure and other workflows go on`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("poison", TestStores.workerOptions()) {
                register(OutOfMemory)
                register(WaitsForSignal)
                activities<Poison>(object : Poison {
                    override suspend fun exhaust(tag: String): String = throw OutOfMemoryError("simulated: no heap left for $tag")
                })
            }.start()
            val bad = kadence.client.start(OutOfMemory, "big") { id = "oom"; taskQueue = "poison" }
            val good = kadence.client.start(WaitsForSignal, "good") { id = "good"; taskQueue = "poison" }
            good.signal("go", "go")
            assertEquals(
                "ActivityFailure[exhaust#2] <- ApplicationFailure[java.lang.OutOfMemoryError: simulated: no heap left for big]",
                bad.result(30.seconds),
            )
            assertEquals("good got go", good.result(30.seconds))
        }
    }

    @Test
    fun `a damaged stored event fails only its own run, with an error that names it`() = runBlocking {
        TestStores.open().use { kadence ->
            // The test damages a stored event on purpose: that history cannot even be read back, let alone checked.
            HistoryCheckExtension.skipThisTest()
            val (url, user) = TestStores.lastOpened!!
            kadence.worker("damaged", TestStores.workerOptions { workflowCacheSize = 0 }) { register(WaitsForSignal) }.start()
            val victim = kadence.client.start(WaitsForSignal, "victim") { id = "victim"; taskQueue = "damaged" }
            val bystander = kadence.client.start(WaitsForSignal, "bystander") { id = "bystander"; taskQueue = "damaged" }
            eventuallyTrue("both runs to wait") { victim.describe().historyLength >= 2 && bystander.describe().historyLength >= 2 }
            DriverManager.getConnection(url, user, "").use { c ->
                c.prepareStatement("UPDATE history_events SET body = ? WHERE run_id = ? AND event_id = 1").use {
                    it.setString(1, """{"type":"WorkflowStarted","workflowType":"Wai""")
                    it.setString(2, victim.runId)
                    assertEquals(1, it.executeUpdate())
                }
            }
            victim.signal("go", "go")
            bystander.signal("go", "go")
            assertEquals("bystander got go", bystander.result(30.seconds))
            val failure = eventually("the victim's task to fail") { victim.describe().lastWorkflowTaskFailure }
            assertTrue("CorruptHistoryException" in failure && "event 1 of run ${victim.runId} cannot be read: it is not a valid event" in failure, failure)
        }
    }

    @Test
    fun `an event type from a newer version is a typed error that says so`() {
        val e = assertFailsWith<CorruptHistoryException> {
            HistoryCodec.decodeAttributes("""{"type":"WorkflowPaused","reason":"later"}""", "event 9 of run r-1")
        }
        assertEquals("event 9 of run r-1", e.where)
        assertTrue(e.message!!.startsWith("event 9 of run r-1 cannot be read: its event type is unknown to this version of Kadence"), e.message)
    }

    @Test
    fun `the history decoder turns any damaged input into a CorruptHistoryException and nothing else`() {
        val valid: List<EventAttributes> = listOf(
            WorkflowStarted("Order", "o-1", "orders", "{\"id\":1}", headers = mapOf("tenant" to "\"acme\""), runId = "r-1"),
            ActivityScheduled(3, "charge", "orders", "[1,2]", io.kadence.activity.ActivityOptions(startToClose = 1.seconds).toRecorded()),
            TimerStarted(4, 1_000, 2_000),
            WorkflowSignaled("go", "\"now\""),
        )
        val random = Random(20261125)
        var decoded = 0
        var refused = 0
        repeat(5_000) { i ->
            val source = HistoryCodec.encodeAttributes(valid[i % valid.size])
            val damaged = when (random.nextInt(4)) {
                0 -> source.take(random.nextInt(source.length))                                                  // truncated
                1 -> source.replaceRange(random.nextInt(source.length).let { it..it }, random.nextInt(32, 0x2FF).toChar().toString())
                2 -> String(CharArray(random.nextInt(1, 200)) { random.nextInt(0, 0xD7FF).toChar() })             // noise
                else -> source.replace("\"type\":\"", "\"type\":\"X")                                              // unknown type
            }
            try {
                HistoryCodec.decodeAttributes(damaged, "fuzz input $i")
                decoded++
            } catch (e: CorruptHistoryException) {
                refused++
            }
        }
        println("RESULT\treliability\thistory-decoder-fuzz\tinputs\t5000\tcount")
        println("RESULT\treliability\thistory-decoder-fuzz\trefused-typed\t$refused\tcount")
        assertEquals(5_000, decoded + refused)
        assertTrue(refused > 2_500, "only $refused of 5000 damaged inputs were refused")
    }

    @Test
    fun `the payload decoder turns any damaged argument list into an InvalidArgumentException and nothing else`() {
        val converter = io.kadence.converter.DataConverter.default
        val types = listOf<java.lang.reflect.Type>(Int::class.javaObjectType, String::class.java, Long::class.javaObjectType)
        val source = io.kadence.converter.Payloads.encodeArgs(converter, listOf(7, "seven", 7L), types, "fuzz")
        val random = Random(7)
        var refused = 0
        repeat(3_000) { i ->
            val damaged = when (random.nextInt(3)) {
                0 -> source.take(random.nextInt(source.length + 1))
                1 -> source.replaceRange(random.nextInt(source.length).let { it..it }, random.nextInt(32, 0x7F).toChar().toString())
                else -> String(CharArray(random.nextInt(0, 40)) { random.nextInt(32, 0x7F).toChar() })
            }
            try {
                io.kadence.converter.Payloads.decodeArgs(converter, damaged, types, "input of fuzz call $i")
            } catch (e: io.kadence.failure.InvalidArgumentException) {
                assertTrue(e.message!!.startsWith("input of fuzz call $i"), e.message)
                refused++
            }
        }
        println("RESULT\treliability\tpayload-decoder-fuzz\tinputs\t3000\tcount")
        println("RESULT\treliability\tpayload-decoder-fuzz\trefused-typed\t$refused\tcount")
        assertTrue(refused > 1_500, "only $refused of 3000 damaged inputs were refused")
    }

    @Test
    fun `workflow code that never yields costs its worker one thread and gets a typed failure, and other workflows go on`() = runBlocking {
        SpinControl.spinning = true
        TestStores.open().use { kadence ->
            kadence.worker("spin", TestStores.workerOptions {
                deadlockDetectionTimeout = 200.milliseconds
                maxConcurrentWorkflowTasks = 4
                shutdownGracePeriod = 1.seconds
            }) { register(Spinner); register(WaitsForSignal) }.start()
            try {
                val spinner = kadence.client.start(Spinner, Unit) { id = "spinner"; taskQueue = "spin" }
                val failure = eventually("the watchdog to give the thread up") {
                    spinner.describe().lastWorkflowTaskFailure?.takeIf { "ignores interruption" in it }
                }
                assertTrue(failure.startsWith("workflow 'spinner' (run ${spinner.runId}) has not yielded for"), failure)
                // Its retry comes to this worker and is refused while the thread is held: still one thread lost, not two.
                io.kadence.testing.TestKadence.advance(kadence, 2.seconds)
                val refused = eventually("the retry to be refused") {
                    spinner.describe().lastWorkflowTaskFailure?.takeIf { "is still running on thread" in it }
                }
                assertTrue("its code never yields and ignores interruption" in refused, refused)
                // Other workflows run on the worker's remaining threads.
                val others = (1..6).map { i -> kadence.client.start(WaitsForSignal, "w$i") { id = "other-$i"; taskQueue = "spin" } }
                others.forEach { it.signal("go", "go") }
                assertEquals((1..6).map { "w$it got go" }, others.map { it.result(30.seconds) })
            } finally {
                SpinControl.spinning = false
            }
        }
    }
}
