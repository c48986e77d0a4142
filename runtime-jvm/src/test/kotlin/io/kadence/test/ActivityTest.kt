package io.kadence.test

import ch.qos.logback.classic.Level
import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityInfo
import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.failure.ActivityFailure
import io.kadence.failure.ApplicationFailure
import io.kadence.failure.WorkflowFailedException
import io.kadence.history.ActivityCompleted
import io.kadence.history.ActivityFailed
import io.kadence.internal.runtime.ActivityTaskRunner
import io.kadence.workflow.activities
import io.kadence.workflow.activity
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import java.io.IOException
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

interface Inventory {
    suspend fun reserve(sku: String): String
    fun restock(sku: String): String
}

class RecordingInventory : Inventory {
    val infos = CopyOnWriteArrayList<ActivityInfo>()
    val threads = CopyOnWriteArrayList<String>()

    override suspend fun reserve(sku: String): String {
        infos += ActivityContext.currentInCoroutine().info
        return "reserved $sku"
    }

    override fun restock(sku: String): String {
        infos += ActivityContext.current().info
        threads += Thread.currentThread().name
        return "restocked $sku"
    }
}

interface Invoices {
    suspend fun write(id: String): String
    suspend fun charge(id: String): String
}

class FailingInvoices : Invoices {
    override suspend fun write(id: String): String =
        throw IllegalStateException("could not write invoice $id", IOException("disk full"))

    override suspend fun charge(id: String): String =
        throw ApplicationFailure("card declined for $id", "CardDeclined", nonRetryable = true, details = """{"code":51}""")
}

interface Reports {
    fun render(id: String): String
}

interface Tally {
    suspend fun add(n: Int): Int
}

class ActivityTest {
    private val once = ActivityOptions(startToClose = 10.seconds) { retry { maximumAttempts = 1 } }

    @Test
    fun `activity info names the workflow, run, type, attempt and idempotency key in suspend and blocking activities`() = runBlocking {
        TestStores.open().use { kadence ->
            val impl = RecordingInventory()
            val wf = workflow<String, String>("Restock") { sku ->
                val options = ActivityOptions(startToClose = 10.seconds)
                val reserved = activities<Inventory>(options).reserve(sku)
                val restocked = activity(Inventory::restock, sku, options)
                "$reserved, $restocked"
            }
            kadence.worker("inventory", TestStores.workerOptions()) {
                register(wf)
                activities<Inventory>(impl)
            }.start()
            val handle = kadence.client.start(wf, "sku-7") { id = "restock-1"; taskQueue = "inventory"; headers["tenant"] = "acme" }
            assertEquals("reserved sku-7, restocked sku-7", handle.result(30.seconds))
            val runId = handle.runId!!
            assertEquals(
                listOf(
                    ActivityInfo("default", "restock-1", runId, "Restock", "reserve", 1, 1, "inventory", mapOf("tenant" to "acme")),
                    ActivityInfo("default", "restock-1", runId, "Restock", "restock", 2, 1, "inventory", mapOf("tenant" to "acme")),
                ),
                impl.infos,
            )
            assertEquals(listOf("$runId/1", "$runId/2"), impl.infos.map { it.idempotencyKey })
            assertTrue(impl.threads.single().startsWith("kadence-activity-inventory"), "blocking activity ran on ${impl.threads}")
        }
    }

    @Test
    fun `an exception with a cause keeps both, with their types and messages, in the failure the workflow sees`() = runBlocking {
        TestStores.open().use { kadence ->
            val wf = catchingWorkflow("Invoice") { id -> activities<Invoices>(once).write(id) }
            kadence.serve<Invoices>("invoices", wf, FailingInvoices())
            val result = kadence.client.start(wf, "inv-9") { taskQueue = "invoices" }.result(30.seconds)
            assertEquals(
                "ActivityFailure[write#1] <- ApplicationFailure[java.lang.IllegalStateException: could not write invoice inv-9] " +
                    "<- ApplicationFailure[java.io.IOException: disk full]",
                result,
            )
        }
    }

    @Test
    fun `an uncaught ActivityFailure fails the workflow and the client's WorkflowFailedException carries it`() = runBlocking {
        TestStores.open().use { kadence ->
            val wf = workflow<String, String>("ChargeInvoice") { id -> activities<Invoices>(ActivityOptions(startToClose = 10.seconds)).charge(id) }
            kadence.worker("invoices", TestStores.workerOptions()) {
                register(wf)
                activities<Invoices>(FailingInvoices())
            }.start()
            val handle = kadence.client.start(wf, "inv-3") { id = "charge-inv-3"; taskQueue = "invoices" }
            val e = assertFailsWith<WorkflowFailedException> { handle.result(30.seconds) }
            assertEquals("FAILED", e.status)
            val activityFailure = assertIs<ActivityFailure>(e.cause)
            assertEquals("charge", activityFailure.activityType)
            assertEquals(1L, activityFailure.seq)
            assertEquals(1, activityFailure.attempt)
            val cause = assertIs<ApplicationFailure>(activityFailure.cause)
            assertEquals("CardDeclined", cause.type)
            assertEquals("card declined for inv-3", cause.message)
            assertEquals("""{"code":51}""", cause.details)
            assertTrue(cause.nonRetryable)
            assertEquals(listOf("WorkflowStarted", "ActivityScheduled", "ActivityFailed", "WorkflowFailed"), handle.eventKinds())
        }
    }

    @Test
    fun `an activity type no worker registered fails naming the type and the registered ones, and is retried per policy`() = runBlocking {
        TestStores.open().use { kadence ->
            val wf = catchingWorkflow("Ship") { box ->
                activity<String>("ship", box, options = ActivityOptions(startToClose = 10.seconds) { retry { maximumAttempts = 2 } })
            }
            kadence.serve<Inventory>("inventory", wf, RecordingInventory())
            val handle = kadence.client.start(wf, "box-1") { taskQueue = "inventory" }
            val result = handle.result(30.seconds)
            assertTrue(
                result.startsWith("ActivityFailure[ship#2] <- ApplicationFailure[ActivityTypeNotRegistered: activity type 'ship' is not registered on worker "),
                result,
            )
            assertTrue(result.endsWith("(task queue 'inventory'); registered: [reserve, restock]]"), result)
            val failed = handle.history().toList().map { it.attributes }.filterIsInstance<ActivityFailed>().single()
            assertEquals(2, failed.attempt)
        }
    }

    @Test
    fun `a completion from a worker whose lease expired is rejected and only the retry's result reaches the workflow`() = runBlocking {
        val captured = LogCapture.of(ActivityTaskRunner::class.java, Level.INFO)
        val release = CountDownLatch(1)
        val firstStarted = CompletableDeferred<Unit>()
        val runs = AtomicInteger()
        val reports = object : Reports {
            override fun render(id: String): String {
                runs.incrementAndGet()
                val attempt = ActivityContext.current().info.attempt
                if (attempt == 1) {
                    firstStarted.complete(Unit)
                    release.await(10, TimeUnit.SECONDS)
                    return "late result of attempt 1"
                }
                return "result of attempt $attempt"
            }
        }
        try {
            TestStores.open().use { kadence ->
                val options = ActivityOptions(startToClose = 300.milliseconds) { retry { maximumAttempts = 3 } }
                val wf = workflow<String, String>("Report") { id -> activity(Reports::render, id, options) }
                kadence.worker("reports", TestStores.workerOptions()) {
                    register(wf)
                    activities<Reports>(reports)
                }.start()
                val handle = kadence.client.start(wf, "r-1") { taskQueue = "reports" }
                withTimeout(10.seconds) { firstStarted.await() }
                // The lease (300 ms, on the database's clock) runs out while attempt 1 still blocks: attempt 2 is scheduled.
                eventuallyTrue("attempt 1 timed out and attempt 2 is pending") {
                    handle.describe().pendingActivities.singleOrNull()?.let { it.attempt == 2 && !it.running } == true
                }
                release.countDown()
                assertEquals("result of attempt 2", handle.result(30.seconds))
                assertEquals(2, runs.get())
                val completed = handle.history().toList().map { it.attributes }.filterIsInstance<ActivityCompleted>().single()
                assertEquals(2, completed.attempt)
                val dropped = captured.list.map { it.formattedMessage }.filter { it.startsWith("dropped a late activity report") }
                assertEquals(1, dropped.size, "late reports: $dropped")
                assertTrue(dropped.single().contains("attempt 1: this worker no longer holds it"), dropped.single())
            }
        } finally {
            release.countDown()
            captured.detach()
        }
    }

    @Test
    fun `two workers polling one queue never run the same attempt twice`() = runBlocking {
        TestStores.open().use { kadence ->
            val executions = ConcurrentHashMap<String, AtomicInteger>()
            val tally = object : Tally {
                override suspend fun add(n: Int): Int {
                    val info = ActivityContext.currentInCoroutine().info
                    executions.computeIfAbsent("${info.seq}/${info.attempt}") { AtomicInteger() }.incrementAndGet()
                    yield()
                    return n
                }
            }
            val wf = workflow<Int, Int>("FanOut") { n ->
                val t = activities<Tally>(ActivityOptions(startToClose = 30.seconds))
                (1..n).map { i -> async { t.add(i) } }.awaitAll().sum()
            }
            kadence.worker("pool", TestStores.workerOptions()) {
                register(wf)
                activities<Tally>(tally)
            }.start()
            kadence.worker("pool", TestStores.workerOptions()) { activities<Tally>(tally) }.start()
            val handle = kadence.client.start(wf, 200) { taskQueue = "pool" }
            assertEquals(200 * 201 / 2, handle.result(60.seconds))
            assertEquals((1..200).map { "$it/1" }.toSet(), executions.keys)
            assertEquals(emptyMap(), executions.filterValues { it.get() != 1 }.mapValues { it.value.get() })
            val kinds = handle.eventKinds()
            assertEquals(200, kinds.count { it == "ActivityScheduled" })
            assertEquals(200, kinds.count { it == "ActivityCompleted" })
        }
    }
}
