package io.kadence.test

import io.kadence.client.WorkflowStatus
import io.kadence.dsl.workflow
import io.kadence.failure.ApplicationFailure
import io.kadence.failure.WorkflowFailedException
import io.kadence.history.WorkflowFailed
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

val DeclinesPayment = workflow<Unit, String>("DeclinesPayment") {
    sleep(1.minutes)
    throw ApplicationFailure.newNonRetryableFailure("card 4242 was declined", "PaymentDeclined")
}

/** While set, [BuggyInventory] throws a plain exception, as a bug in workflow code would. */
val inventoryBroken = AtomicBoolean(true)

val BuggyInventory = workflow<Unit, String>("BuggyInventory") {
    sleep(1.minutes)
    check(!inventoryBroken.get()) { "inventory count is negative" }
    "restocked"
}

class WorkflowFailureTest {
    @Test
    fun `a workflow that throws ApplicationFailure fails, and the client sees its type and message`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("fail", TestStores.workerOptions()) { register(DeclinesPayment) }.start()
            val h = kadence.client.start(DeclinesPayment, Unit) { id = "pay-1"; taskQueue = "fail" }
            val e = assertFailsWith<WorkflowFailedException> { h.result(30.seconds) }
            assertEquals("pay-1", e.workflowId)
            assertEquals("FAILED", e.status)
            val cause = assertIs<ApplicationFailure>(e.cause)
            assertEquals("PaymentDeclined", cause.type)
            assertEquals("card 4242 was declined", cause.message)
            assert(cause.nonRetryable)
            assertEquals(WorkflowStatus.FAILED, h.describe().status)
            val last = h.history().toList().last().attributes
            assertEquals("PaymentDeclined", assertIs<WorkflowFailed>(last).failure.type)
        }
    }

    @Test
    fun `a plain exception fails the workflow task, which is retried with back-off until the code is fixed`() = runBlocking {
        inventoryBroken.set(true)
        TestStores.open().use { kadence ->
            kadence.worker("fail", TestStores.workerOptions()) { register(BuggyInventory) }.start()
            val h = kadence.client.start(BuggyInventory, Unit) { id = "inv-1"; taskQueue = "fail" }
            // Like Temporal's Java SDK: not a workflow failure, a task failure that is retried.
            val d = eventually("the task to fail twice") { h.describe().takeIf { it.workflowTaskFailures >= 2 } }
            assertEquals(WorkflowStatus.RUNNING, d.status)
            assert(d.lastWorkflowTaskFailure!!.startsWith("IllegalStateException: inventory count is negative")) { "$d" }
            assert(h.history().toList().none { it.attributes is WorkflowFailed })

            inventoryBroken.set(false)
            assertEquals("restocked", h.result(30.seconds))
            val done = h.describe()
            assertEquals(WorkflowStatus.COMPLETED, done.status)
            assertEquals(null, done.lastWorkflowTaskFailure)
            assertEquals(0, done.workflowTaskFailures)
        }
    }
}
