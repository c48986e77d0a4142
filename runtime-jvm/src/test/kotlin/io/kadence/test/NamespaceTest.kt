package io.kadence.test

import io.kadence.client.WorkflowStatus
import io.kadence.client.signal
import io.kadence.failure.WorkflowNotFoundException
import io.kadence.internal.store.StoreConfig
import io.kadence.schedule.ScheduleSpec
import io.kadence.testing.TestKadence
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.UUID
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** Two namespaces on one database: nothing is seen, signalled, started or listed across them. */
class NamespaceTest {
    @Test
    fun `namespaces on one database do not see, signal, start or list each other's work`() = runBlocking {
        val url = if (TestStores.isPostgres) TestStores.newPgSchema() else StoreConfig.h2Memory("ns-" + UUID.randomUUID()).jdbcUrl
        val user = if (TestStores.isPostgres) TestStores.pgUser else "sa"
        TestKadence.create(url, user, "") { namespace = "sales" }.also { HistoryCheckExtension.opened(url, user, it) }.use { sales ->
            TestKadence.create(url, user, "") { namespace = "billing" }.also { HistoryCheckExtension.opened(url, user, it) }.use { billing ->
                // Same workflow id and task queue in both namespaces.
                val inSales = sales.client.start(WaitsForGo, Unit) { id = "order-1"; taskQueue = "shared" }
                assertFailsWith<WorkflowNotFoundException> { billing.client.handle(WaitsForGo, "order-1").describe() }
                assertFailsWith<WorkflowNotFoundException> { billing.client.handle(WaitsForGo, "order-1", inSales.runId).signal("go", "from billing") }
                val inBilling = billing.client.start(WaitsForGo, Unit) { id = "order-1"; taskQueue = "shared" }
                assertEquals(listOf(inSales.runId), sales.client.list().map { it.runId })
                assertEquals(listOf(inBilling.runId), billing.client.list().map { it.runId })

                // A worker of one namespace runs only that namespace's tasks: the same id and queue in
                // sales holds a run that would finish at its first task, and sales has no worker yet.
                val quickInSales = sales.client.start(Immediate, "sales") { id = "quick"; taskQueue = "shared" }
                billing.worker("shared", TestStores.workerOptions()) { register(WaitsForGo); register(Immediate) }.start()
                val quickInBilling = billing.client.start(Immediate, "billing") { id = "quick"; taskQueue = "shared" }
                assertEquals("billing", quickInBilling.result(30.seconds))
                inBilling.signal("go", "billing")
                assertEquals("billing", inBilling.result(30.seconds))
                // Billing's worker has polled "shared" past both sales runs' tasks and ran neither.
                assertEquals(listOf("WorkflowStarted"), quickInSales.history().toList().map { it.attributes::class.simpleName })
                assertEquals(listOf("WorkflowStarted"), inSales.history().toList().map { it.attributes::class.simpleName })
                assertEquals(WorkflowStatus.RUNNING, quickInSales.describe().status)
                sales.worker("shared", TestStores.workerOptions()) { register(WaitsForGo); register(Immediate) }.start()
                assertEquals("sales", quickInSales.result(30.seconds))
                inSales.signal("go", "sales")
                assertEquals("sales", inSales.result(30.seconds))

                // Schedules and session hosts are per namespace too.
                sales.client.schedules.create("nightly", ScheduleSpec.every(1.hours), WaitsForGo, Unit) { taskQueue = "shared"; paused = true }
                assertEquals(emptyList(), billing.client.schedules.list())
                billing.client.schedules.create("nightly", ScheduleSpec.every(1.hours), WaitsForGo, Unit) { taskQueue = "shared"; paused = true }
                assertEquals(listOf("nightly"), sales.client.schedules.list().map { it.id })
                val log = HostLog()
                sales.sessionHost("files", "host-a", log)
                eventuallyTrue("sales to list its session host") { sales.client.sessionHosts().map { it.hostId } == listOf("host-a") }
                assertEquals(emptyList(), billing.client.sessionHosts())
                assertEquals(emptyList(), billing.client.sessionHosts("files"))
                billing.sessionHost("files", "host-b", log)
                eventuallyTrue("billing to list its session host") { billing.client.sessionHosts("files").map { it.hostId } == listOf("host-b") }
                assertEquals(listOf("files" to "host-a"), sales.client.sessionHosts().map { it.taskQueue to it.hostId })
            }
        }
    }

    @Test
    fun `a namespace's own limits apply to its runs only, and are kept with it`() = runBlocking {
        val url = if (TestStores.isPostgres) TestStores.newPgSchema() else StoreConfig.h2Memory("ns-limits-" + UUID.randomUUID()).jdbcUrl
        val user = if (TestStores.isPostgres) TestStores.pgUser else "sa"
        TestKadence.create(url, user, "") { namespace = "strict"; limits = io.kadence.NamespaceLimits(maxPendingActivities = 3) }.also { HistoryCheckExtension.opened(url, user, it) }.use { strict ->
            TestKadence.create(url, user, "") { namespace = "relaxed" }.also { HistoryCheckExtension.opened(url, user, it) }.use { relaxed ->
                strict.worker("limits", TestStores.workerOptions()) { register(TooManyActivities) }.start()
                relaxed.worker("limits", TestStores.workerOptions()) { register(TooManyActivities) }.start()
                val s = strict.client.start(TooManyActivities, Unit) { id = "greedy"; taskQueue = "limits" }
                val r = relaxed.client.start(TooManyActivities, Unit) { id = "greedy"; taskQueue = "limits" }
                val failure = eventually("the strict run's task to fail") { s.describe().lastWorkflowTaskFailure }
                kotlin.test.assertTrue("already has 3 pending activities open" in failure, failure)
                eventuallyTrue("the relaxed run to schedule all five") { r.describe().pendingActivities.size == 5 }
                assertEquals(null, r.describe().lastWorkflowTaskFailure)
            }
        }
        // A later process of the namespace, given no limits, gets the stored ones.
        io.kadence.internal.store.JdbcHistoryStore(StoreConfig(url, user, "", 2)).use { store ->
            assertEquals(io.kadence.NamespaceLimits(maxPendingActivities = 3), store.ensureNamespace("strict", null, null, 0).limits)
        }
    }
}
