package io.kadence.test

import io.kadence.activity.ActivityContext
import io.kadence.activity.LocalActivityOptions
import io.kadence.activity.RetryPolicy
import io.kadence.dsl.workflow
import io.kadence.failure.ApplicationFailure
import io.kadence.failure.NonDeterminismException
import io.kadence.history.HistoryCodec
import io.kadence.history.LocalActivityRecorded
import io.kadence.testing.WorkflowReplayer
import io.kadence.workflow.activities
import io.kadence.workflow.localActivities
import io.kadence.workflow.localActivity
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

interface LookupActivities {
    suspend fun price(sku: String): Int
    suspend fun flaky(key: String, failures: Int): String
    /** Blocking: called by name only (a stub needs suspend methods). */
    fun slow(millis: Long): String
    suspend fun whoAmI(): String
}

/** Counts calls per key; fails `flaky` the first [failures] times for a key. */
class LookupImpl : LookupActivities {
    val calls = ConcurrentHashMap<String, AtomicInteger>()
    private fun count(key: String) = calls.computeIfAbsent(key) { AtomicInteger() }.incrementAndGet()

    override suspend fun price(sku: String): Int = count("price:$sku").let { sku.length * 100 }
    override suspend fun flaky(key: String, failures: Int): String {
        val n = count("flaky:$key")
        if (n <= failures) throw ApplicationFailure("attempt $n of $key failed", "Flaky")
        return "$key ok on call $n"
    }
    override fun slow(millis: Long): String {
        count("slow")
        Thread.sleep(millis)
        return "slept $millis"
    }
    override suspend fun whoAmI(): String = ActivityContext.current().info.let { "${it.workflowId}/${it.activityType}/attempt ${it.attempt}" }
}

private val quick = LocalActivityOptions(startToClose = 5.seconds) { retry { initialInterval = 10.milliseconds; maximumAttempts = 5 } }

/** Prices two SKUs as local activities at once, then asks who it is. */
val PriceCheck = workflow<List<String>, String>("PriceCheck") { skus ->
    val lookup = localActivities<LookupActivities>(quick)
    val prices = skus.map { async { lookup.price(it) } }.awaitAll()
    "${prices.sum()} by ${lookup.whoAmI()}"
}

/** One local activity that fails [failures] times, with the given retry options; the result or the failure chain. */
val FlakyLookup = catchingWorkflow("FlakyLookup") { input ->
    val (failures, mode) = input.split(":")
    val options = when (mode) {
        "in-task" -> quick
        "give-up" -> quick.copy { retry { maximumAttempts = 2 } }
        // A back-off longer than the threshold: waited out as a durable timer.
        else -> LocalActivityOptions(startToClose = 5.seconds) { localRetryThreshold = 1.seconds; retry { initialInterval = 1.minutes } }
    }
    localActivities<LookupActivities>(options).flaky("key-$mode", failures.toInt())
}

/** A local activity slower than its startToClose, or than the workflow task lease (which it extends). */
val SlowLookup = catchingWorkflow("SlowLookup") { input ->
    val (millis, timeout) = input.split(":").map { it.toLong() }
    localActivity<String>("slow", millis, options = LocalActivityOptions(startToClose = timeout.milliseconds, retry = RetryPolicy.NO_RETRY))
}

/** A local activity, then an ordinary one: both kinds in one run. */
val MixedLookup = workflow<String, String>("MixedLookup") { sku ->
    val local = localActivities<LookupActivities>(quick).price(sku)
    val remote = activities<LookupActivities>(io.kadence.activity.ActivityOptions(startToClose = 5.seconds)).price("$sku-remote")
    "$local+$remote"
}

private const val RECORDED_LOCAL = "/histories/price-check.json"

class LocalActivityTest {
    private val impl = LookupImpl()

    private fun calls(key: String) = impl.calls[key]?.get() ?: 0

    @Test
    fun `a local activity runs in the workflow task and records only its outcome`(): Unit = runBlocking {
        TestStores.open().use { kadence ->
            kadence.serve<LookupActivities>("lookup", PriceCheck, impl)
            val h = kadence.client.start(PriceCheck, listOf("ab", "abcd")) { id = "price-1"; taskQueue = "lookup" }
            assertEquals("600 by price-1/whoAmI/attempt 1", h.result(30.seconds))
            assertEquals(listOf("WorkflowStarted", "LocalActivityRecorded", "LocalActivityRecorded", "LocalActivityRecorded", "WorkflowCompleted"), h.eventKinds())
            val history = h.history().toList()
            // One workflow task: started, its boundary, the outcomes, the completion.
            assertEquals(1, history.count { it.attributes is io.kadence.history.WorkflowTaskCompleted })
            val recorded = history.map { it.attributes }.filterIsInstance<LocalActivityRecorded>()
            assertEquals(listOf("price" to "200", "price" to "400", "whoAmI" to "\"price-1/whoAmI/attempt 1\""), recorded.map { it.activityType to it.result })
            assertEquals(1, calls("price:ab"))
            recordHistory(RECORDED_LOCAL, history)

            // Replay takes the outcomes from history: nothing runs again.
            WorkflowReplayer.replay(PriceCheck, history)
            assertEquals(1, calls("price:ab"))
        }
    }

    @Test
    fun `the recorded price-check history still replays against the current code`() {
        val json = javaClass.getResource(RECORDED_LOCAL)!!.readText()
        assertEquals(3, HistoryCodec.importHistory(json).count { it.attributes is LocalActivityRecorded })
        WorkflowReplayer.replay(PriceCheck, json)
        assertEquals(0, impl.calls.size)
    }

    @Test
    fun `failed attempts are retried inside the task and one outcome is recorded`(): Unit = runBlocking {
        TestStores.open().use { kadence ->
            kadence.serve<LookupActivities>("lookup", FlakyLookup, impl)
            val h = kadence.client.start(FlakyLookup, "2:in-task") { id = "flaky-1"; taskQueue = "lookup" }
            assertEquals("key-in-task ok on call 3", h.result(30.seconds))
            assertEquals(listOf("WorkflowStarted", "LocalActivityRecorded", "WorkflowCompleted"), h.eventKinds())
            val recorded = h.history().toList().map { it.attributes }.filterIsInstance<LocalActivityRecorded>().single()
            assertEquals(3, recorded.attempt)
            assertEquals(3, calls("flaky:key-in-task"))
        }
    }

    @Test
    fun `a local activity that runs out of attempts fails the call with its last failure`(): Unit = runBlocking {
        TestStores.open().use { kadence ->
            kadence.serve<LookupActivities>("lookup", FlakyLookup, impl)
            val h = kadence.client.start(FlakyLookup, "5:give-up") { id = "flaky-2"; taskQueue = "lookup" }
            assertEquals("ActivityFailure[flaky#2] <- ApplicationFailure[Flaky: attempt 2 of key-give-up failed]", h.result(30.seconds))
            val recorded = h.history().toList().map { it.attributes }.filterIsInstance<LocalActivityRecorded>().single()
            assertEquals(null, recorded.result)
            assertEquals("Flaky", recorded.failure?.type)
            assertEquals(2, calls("flaky:key-give-up"))
        }
    }

    @Test
    fun `a back-off longer than the local retry threshold becomes a durable timer`(): Unit = runBlocking {
        TestStores.open().use { kadence ->
            kadence.serve<LookupActivities>("lookup", FlakyLookup, impl)
            val h = kadence.client.start(FlakyLookup, "1:timer") { id = "flaky-3"; taskQueue = "lookup" }
            assertEquals("key-timer ok on call 2", h.result(30.seconds))
            assertEquals(
                listOf("WorkflowStarted", "LocalActivityRecorded", "TimerStarted", "TimerFired", "LocalActivityRecorded", "WorkflowCompleted"),
                h.eventKinds(),
            )
            val history = h.history().toList()
            val (first, second) = history.map { it.attributes }.filterIsInstance<LocalActivityRecorded>()
            assertEquals(listOf(1L, 60_000L, 2L), listOf(first.attempt.toLong(), first.backoffMillis, second.attempt.toLong()))
            assertEquals(60_000L, history.map { it.attributes }.filterIsInstance<io.kadence.history.TimerStarted>().single().durationMillis)
            assertEquals(2, calls("flaky:key-timer"))
        }
    }

    @Test
    fun `an attempt slower than startToClose times out`(): Unit = runBlocking {
        TestStores.open().use { kadence ->
            kadence.serve<LookupActivities>("lookup", SlowLookup, impl)
            val h = kadence.client.start(SlowLookup, "5000:100") { id = "slow-1"; taskQueue = "lookup" }
            assertEquals("ActivityFailure[slow#1] <- TimeoutFailure[START_TO_CLOSE]", h.result(30.seconds))
        }
    }

    @Test
    fun `a local activity longer than the workflow task timeout keeps its task and runs once`(): Unit = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("lookup", TestStores.workerOptions { workflowTaskTimeout = 300.milliseconds }) {
                register(SlowLookup)
                activities<LookupActivities>(impl)
            }.start()
            val h = kadence.client.start(SlowLookup, "1500:10000") { id = "slow-2"; taskQueue = "lookup" }
            assertEquals("\"slept 1500\"".trim('"'), h.result(30.seconds))
            assertEquals(1, calls("slow"))
            assertEquals(listOf("WorkflowStarted", "LocalActivityRecorded", "WorkflowCompleted"), h.eventKinds())
        }
    }

    @Test
    fun `local and ordinary activities mix in one run`(): Unit = runBlocking {
        TestStores.open().use { kadence ->
            kadence.serve<LookupActivities>("lookup", MixedLookup, impl)
            val h = kadence.client.start(MixedLookup, "abc") { id = "mixed-1"; taskQueue = "lookup" }
            assertEquals("300+1000", h.result(30.seconds))
            assertEquals(listOf("WorkflowStarted", "LocalActivityRecorded", "ActivityScheduled", "ActivityCompleted", "WorkflowCompleted"), h.eventKinds())
        }
    }

    @Test
    fun `replaying against code that calls another local activity there is non-determinism`() {
        val json = javaClass.getResource(RECORDED_LOCAL)!!.readText()
        val changed = workflow<List<String>, String>("PriceCheck") { skus ->
            val lookup = localActivities<LookupActivities>(quick)
            val first = lookup.whoAmI()
            "$first ${skus.size}"
        }
        val e = assertFailsWith<NonDeterminismException> { WorkflowReplayer.replay(changed, json) }
        assertTrue("history has LocalActivityRecorded 'price' (seq 1), but the code called local activity 'whoAmI' there" in e.message!!, e.message)
    }
}
