package io.kadence.test

import io.kadence.client.WorkflowStatus
import io.kadence.dsl.workflow
import io.kadence.failure.TimeoutFailure
import io.kadence.failure.WorkflowFailedException
import io.kadence.history.WorkflowTimedOut
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

val Sleeper = workflow<Int, String>("Sleeper") { days ->
    sleep(days.days)
    "slept $days days"
}

class WorkflowTimeoutTest {
    @Test
    fun `a run that outlives its run timeout is closed as TIMED_OUT with no more workflow code`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("t", TestStores.workerOptions()) { register(Sleeper) }.start()
            val late = kadence.client.start(Sleeper, 2) { id = "late"; taskQueue = "t"; runTimeout = 1.days }
            val onTime = kadence.client.start(Sleeper, 1) { id = "on-time"; taskQueue = "t"; executionTimeout = 36.hours }
            val e = assertFailsWith<WorkflowFailedException> { late.result(30.seconds) }
            assertEquals("TIMED_OUT", e.status)
            val cause = assertIs<TimeoutFailure>(e.cause)
            assertEquals("WORKFLOW_RUN", cause.timeoutType)
            assertEquals("slept 1 days", onTime.result(30.seconds))
            val history = late.history().toList()
            assertIs<WorkflowTimedOut>(history.last().attributes)
            recordHistory("/histories/sleeper-timed-out.json", history)
            val d = late.describe()
            assertEquals(WorkflowStatus.TIMED_OUT, d.status)
            assertEquals(emptyList(), d.pendingTimers)
        }
    }
}
