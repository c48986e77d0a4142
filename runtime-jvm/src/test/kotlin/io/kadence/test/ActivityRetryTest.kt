package io.kadence.test

import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.failure.ActivityFailure
import io.kadence.failure.ApplicationFailure
import io.kadence.history.ActivityCompleted
import io.kadence.history.ActivityFailed
import io.kadence.history.EventAttributes
import io.kadence.workflow.activities
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.seconds

interface Billing {
    suspend fun charge(order: String): String
}

/** A [Billing] whose every attempt does what [behavior] says, recording attempt numbers and virtual start times. */
class ScriptedBilling(private val clock: () -> Long, private val behavior: (attempt: Int, order: String) -> String) : Billing {
    val attempts = CopyOnWriteArrayList<Int>()
    val startTimes = CopyOnWriteArrayList<Long>()

    override suspend fun charge(order: String): String {
        val attempt = ActivityContext.currentInCoroutine().info.attempt
        attempts += attempt
        startTimes += clock()
        return behavior(attempt, order)
    }

    /** Virtual time between consecutive attempts. */
    fun intervals(): List<Long> = startTimes.zipWithNext { a, b -> b - a }
}

class ActivityRetryTest {
    private class Outcome(val result: String, val billing: ScriptedBilling, val kinds: List<String>, val events: List<EventAttributes>)

    /** Runs a workflow that charges "order-1" with [options] and returns the result or the failure chain it saw. */
    private fun charge(options: ActivityOptions, behavior: (attempt: Int, order: String) -> String): Outcome = runBlocking {
        TestStores.open().use { kadence ->
            val billing = ScriptedBilling({ kadence.virtualNow() }, behavior)
            val wf = catchingWorkflow("Charge") { order -> activities<Billing>(options).charge(order) }
            kadence.serve<Billing>("billing", wf, billing)
            val handle = kadence.client.start(wf, "order-1") { id = "charge-1"; taskQueue = "billing" }
            val result = handle.result(30.seconds)
            Outcome(result, billing, handle.eventKinds(), handle.history().toList().map { it.attributes })
        }
    }

    @Test
    fun `an activity that fails twice then succeeds returns its result and only the final outcome is recorded`() {
        val o = charge(ActivityOptions(startToClose = 10.seconds) { retry { maximumAttempts = 5 } }) { attempt, order ->
            if (attempt < 3) throw ApplicationFailure.newFailure("card service unavailable (attempt $attempt)", "Unavailable")
            "charged $order on attempt $attempt"
        }
        assertEquals("charged order-1 on attempt 3", o.result)
        assertEquals(listOf(1, 2, 3), o.billing.attempts)
        assertEquals(listOf("WorkflowStarted", "ActivityScheduled", "ActivityCompleted", "WorkflowCompleted"), o.kinds)
        assertEquals(3, o.events.filterIsInstance<ActivityCompleted>().single().attempt)
    }

    @Test
    fun `retries wait the initial interval times the coefficient, capped by the maximum interval`() {
        val options = ActivityOptions(startToClose = 10.seconds) {
            retry { initialInterval = 1.seconds; backoffCoefficient = 3.0; maximumInterval = 5.seconds; maximumAttempts = 6 }
        }
        val o = charge(options) { attempt, _ ->
            if (attempt < 5) throw ApplicationFailure.newFailure("try again", "Unavailable")
            "ok"
        }
        assertEquals("ok", o.result)
        assertEquals(listOf(1, 2, 3, 4, 5), o.billing.attempts)
        // 1 s, 1 s × 3, then 9 s capped at 5 s, and 27 s capped at 5 s.
        assertEquals(listOf(1_000L, 3_000L, 5_000L, 5_000L), o.billing.intervals())
    }

    @Test
    fun `exhausted attempts give the workflow an ActivityFailure caused by the original ApplicationFailure`() {
        val o = charge(ActivityOptions(startToClose = 10.seconds) { retry { maximumAttempts = 3 } }) { attempt, _ ->
            throw ApplicationFailure.newFailure("card declined on attempt $attempt", "CardDeclined")
        }
        assertEquals("ActivityFailure[charge#3] <- ApplicationFailure[CardDeclined: card declined on attempt 3]", o.result)
        assertEquals(listOf(1, 2, 3), o.billing.attempts)
        assertEquals(listOf(1_000L, 2_000L), o.billing.intervals())
        assertEquals(listOf("WorkflowStarted", "ActivityScheduled", "ActivityFailed", "WorkflowCompleted"), o.kinds)
        val failed = o.events.filterIsInstance<ActivityFailed>().single()
        assertEquals(3, failed.attempt)
        assertEquals("CardDeclined", failed.failure.type)
    }

    @Test
    fun `a failure type listed in nonRetryableErrorTypes is not retried`() {
        val options = ActivityOptions(startToClose = 10.seconds) { retry { nonRetryableErrorTypes = listOf("InvalidCard") } }
        val o = charge(options) { _, order -> throw ApplicationFailure.newFailure("card of $order is invalid", "InvalidCard") }
        assertEquals("ActivityFailure[charge#1] <- ApplicationFailure[InvalidCard: card of order-1 is invalid]", o.result)
        assertEquals(listOf(1), o.billing.attempts)
        assertEquals(listOf("WorkflowStarted", "ActivityScheduled", "ActivityFailed", "WorkflowCompleted"), o.kinds)
    }

    @Test
    fun `a plain exception is typed by its class name, so nonRetryableErrorTypes can name the class`() {
        val options = ActivityOptions(startToClose = 10.seconds) {
            retry { nonRetryableErrorTypes = listOf(IllegalArgumentException::class.java.name) }
        }
        val o = charge(options) { _, _ -> throw IllegalArgumentException("amount must be positive") }
        assertEquals("ActivityFailure[charge#1] <- ApplicationFailure[java.lang.IllegalArgumentException: amount must be positive]", o.result)
        assertEquals(listOf(1), o.billing.attempts)
    }

    @Test
    fun `newNonRetryableFailure stops retries whatever the policy says`() {
        val o = charge(ActivityOptions(startToClose = 10.seconds) { retry { maximumAttempts = 10 } }) { _, _ ->
            throw ApplicationFailure.newNonRetryableFailure("account closed", "AccountClosed")
        }
        assertEquals("ActivityFailure[charge#1] <- ApplicationFailure[AccountClosed: account closed, nonRetryable]", o.result)
        assertEquals(listOf(1), o.billing.attempts)
    }

    @Test
    fun `a failure's own nextRetryDelay overrides the backoff of that retry only`() {
        val options = ActivityOptions(startToClose = 10.seconds) { retry { initialInterval = 1.seconds; backoffCoefficient = 2.0 } }
        val o = charge(options) { attempt, _ ->
            when (attempt) {
                1 -> throw ApplicationFailure("rate limited", "RateLimited", nextRetryDelay = 42.seconds)
                2 -> throw ApplicationFailure.newFailure("still busy", "Busy")
                else -> "ok after $attempt"
            }
        }
        assertEquals("ok after 3", o.result)
        // The first retry waits the failure's 42 s; the second follows the policy: 1 s × 2^1.
        assertEquals(listOf(42_000L, 2_000L), o.billing.intervals())
    }
}
