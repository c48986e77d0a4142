package io.kadence.test

import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityOptions
import io.kadence.context.KadenceContext
import io.kadence.context.contextKey
import io.kadence.dsl.workflow
import io.kadence.history.ActivityScheduled
import io.kadence.workflow.activity
import io.kadence.workflow.continueAsNew
import io.kadence.workflow.executeChild
import io.kadence.activity.ActivityCancellationType
import io.kadence.testing.TestKadence
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.minutes
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.serialization.Serializable
import java.util.concurrent.CompletableFuture
import java.util.concurrent.Executors
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.seconds

@Serializable
data class Trace(val id: String, val sampled: Boolean)

val Tenant = contextKey<String>("tenant")
val TraceKey = contextKey<Trace>("trace")

interface TenantEcho {
    /** Blocking, Java-style: reads the tenant from the static accessor, on its own thread and on a thread it hands work to. */
    fun blockingTenant(): String

    /** Suspend: reads the tenant from its coroutine's ActivityContext. */
    suspend fun suspendTenant(): String

    /** Suspend: reads the tenant in coroutines it starts on other dispatchers. */
    suspend fun fanOutTenants(): String
}

class TenantEchoImpl : TenantEcho {
    private val pool = Executors.newSingleThreadExecutor()

    override fun blockingTenant(): String {
        val here = KadenceContext.current(Tenant)
        val there = CompletableFuture.supplyAsync({ KadenceContext.current(Tenant) }, KadenceContext.propagating(pool)).get()
        return "$here/$there"
    }

    override suspend fun suspendTenant(): String =
        Tenant.decode(ActivityContext.currentInCoroutine().info.headers) ?: "none"

    override suspend fun fanOutTenants(): String = coroutineScope {
        // The static accessor works on the threads of coroutines the activity starts, on any dispatcher.
        val onDefault = (1..3).map { async(Dispatchers.Default) { KadenceContext.current(Tenant) } }.awaitAll()
        val onIo = withContext(Dispatchers.IO) { async { Tenant.decode(ActivityContext.currentInCoroutine().info.headers) }.await() }
        onDefault.joinToString("/") + "|" + onIo
    }
}

/** Reads the tenant in coroutines an activity starts. */
val TenantFanOut = workflow<Unit, String>("TenantFanOut") { activity(TenantEcho::fanOutTenants, echoOptions) }

/** Gives a running transfer five seconds, then stops waiting; the deadline reaches the activity as a cancel request. */
val DeadlineOnTransfer = workflow<String, String>("DeadlineOnTransfer") { path ->
    val options = ActivityOptions(startToClose = 1.minutes) { cancellationType = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED }
    withTimeoutOrNull(5.seconds) { activity(Transfers::copy, path, options) } ?: "deadline passed"
}

private val echoOptions = ActivityOptions(startToClose = 10.seconds)

/** Reports the tenant as the child sees it, after one continue-as-new. */
val TenantChild = workflow<Int, String>("TenantChild") { round ->
    if (round == 0) continueAsNew(1)
    "child:${contextValue(Tenant)}"
}

/** Reads the tenant everywhere it should travel. */
val TenantTour = workflow<Unit, List<String>>("TenantTour") {
    listOf(
        "workflow:${contextValue(Tenant)}:${contextValue(TraceKey)?.id}:${KadenceContext.current(Tenant)}",
        "blocking:${activity(TenantEcho::blockingTenant, echoOptions)}",
        "suspend:${activity(TenantEcho::suspendTenant, echoOptions)}",
        withContextValues(Tenant to "override") { "overridden:${activity(TenantEcho::suspendTenant, echoOptions)}" },
        "after:${activity(TenantEcho::suspendTenant, echoOptions)}",
        executeChild(TenantChild, 0),
    )
}

class ContextPropagationTest {
    @Test
    fun `context values set at the client reach the workflow, its activities, threads, children and continued runs`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("ctx", TestStores.workerOptions()) {
                register(TenantTour)
                register(TenantChild)
                activities<TenantEcho>(TenantEchoImpl())
            }.start()
            // The tenant comes from the caller's coroutine context, the trace from the start options.
            val h = withContext(KadenceContext.of(Tenant to "acme")) {
                kadence.client.start(TenantTour, Unit) { id = "tour"; taskQueue = "ctx"; context(TraceKey, Trace("t-1", true)) }
            }
            assertEquals(
                listOf("workflow:acme:t-1:acme", "blocking:acme/acme", "suspend:acme", "overridden:override", "after:acme", "child:acme"),
                h.result(30.seconds),
            )
            val scheduled = h.history().toList().map { it.attributes }.filterIsInstance<ActivityScheduled>()
            assertEquals(listOf("\"acme\"", "\"acme\"", "\"override\"", "\"acme\""), scheduled.map { it.headers["tenant"] })
            assertEquals("""{"id":"t-1","sampled":true}""", scheduled.first().headers["trace"])
            recordHistory("/histories/tenant-tour.json", h.history().toList())
        }
    }

    @Test
    fun `coroutines a suspend activity starts on other dispatchers read the propagated values`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("ctx", TestStores.workerOptions()) {
                register(TenantFanOut)
                activities<TenantEcho>(TenantEchoImpl())
            }.start()
            val h = kadence.client.start(TenantFanOut, Unit) { id = "fan-ctx"; taskQueue = "ctx"; context(Tenant, "globex") }
            assertEquals("globex/globex/globex|globex", h.result(30.seconds))
        }
    }

    @Test
    fun `a workflow's withTimeout deadline reaches a running activity as a cancel request`() = runBlocking {
        TestStores.open().use { kadence ->
            val transfers = HeartbeatingTransfers()
            kadence.worker("ctx", TestStores.workerOptions()) {
                register(DeadlineOnTransfer)
                activities<Transfers>(transfers)
            }.start()
            val h = kadence.client.start(DeadlineOnTransfer, "/data/big.bin") { id = "deadline"; taskQueue = "ctx" }
            withTimeout(10.seconds) { transfers.started.await() }
            // While an activity runs the virtual clock stands still: move it past the workflow's 5 s deadline.
            TestKadence.advance(kadence, 5.seconds)
            assertEquals("deadline passed", h.result(30.seconds))
            val stoppedBy = withTimeout(10.seconds) { transfers.stoppedBy.await() }
            assertTrue(stoppedBy.startsWith("heartbeat threw: "), stoppedBy)
            // The workflow waited for the activity to acknowledge (WAIT_CANCELLATION_COMPLETED) before going on.
            assertEquals(
                listOf("WorkflowStarted", "TimerStarted", "ActivityScheduled", "TimerFired", "ActivityCancelRequested",
                    "ActivityCanceled", "WorkflowCompleted"),
                h.eventKinds().filter { it != "ActivityStarted" },
            )
        }
    }
}
