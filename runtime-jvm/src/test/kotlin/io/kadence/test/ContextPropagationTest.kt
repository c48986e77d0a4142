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
import kotlinx.coroutines.flow.toList
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
}
