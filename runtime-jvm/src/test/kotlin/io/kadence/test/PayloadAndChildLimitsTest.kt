package io.kadence.test

import ch.qos.logback.classic.Level
import io.kadence.KadenceLimits
import io.kadence.activity.ActivityOptions
import io.kadence.client.WorkflowStatus
import io.kadence.converter.Payloads
import io.kadence.dsl.workflow
import io.kadence.failure.ActivityFailure
import io.kadence.failure.ApplicationFailure
import io.kadence.failure.PayloadTooLargeException
import io.kadence.internal.runtime.WorkflowTaskRunner
import io.kadence.workflow.ChildWorkflowOptions
import io.kadence.workflow.activity
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** A string whose JSON encoding is just over the 2 MiB payload limit. */
private val OVERSIZED: String = "x".repeat(Payloads.MAX_PAYLOAD_BYTES)

interface BulkData {
    /** Returns [size] characters. */
    fun produce(size: Int): String

    /** Returns the length of what it was given. */
    fun consume(data: String): Int
}

class BulkDataImpl : BulkData {
    override fun produce(size: Int): String = "y".repeat(size)
    override fun consume(data: String): Int = data.length
}

private val bulkOptions = ActivityOptions(startToClose = 10.seconds) { retry { maximumAttempts = 1 } }

/** Passes an oversized argument to an activity and reports what the call threw. */
val OversizedArgument = workflow<Unit, String>("OversizedArgument") {
    try {
        activity(BulkData::consume, OVERSIZED, bulkOptions).toString()
    } catch (e: PayloadTooLargeException) {
        "refused: ${e.message}"
    }
}

/** Asks an activity for an oversized result and reports how the activity failed. */
val OversizedActivityResult = workflow<Unit, String>("OversizedActivityResult") {
    try {
        activity(BulkData::produce, Payloads.MAX_PAYLOAD_BYTES, bulkOptions)
        "accepted"
    } catch (e: ActivityFailure) {
        val cause = e.cause as ApplicationFailure
        "${cause.type}: ${cause.message}"
    }
}

/** Returns an oversized result. */
val OversizedResult = workflow<Unit, String>("OversizedResult") { OVERSIZED }

/** Starts three waiting children, one more than the lowered limit. */
val TooManyChildren = workflow<Unit, List<String>>("TooManyChildren") {
    (1..3).map { startChild(WaitingChild, Unit, ChildWorkflowOptions(workflowId = "kid-$it")) }.map { it.started() }
}

/** Sleeps an hour, ten times: 3 events per task. */
val ChattyHistory = workflow<Unit, Unit>("ChattyHistory") { repeat(10) { sleep(1.hours) } }

class PayloadAndChildLimitsTest {
    @Test
    fun `an activity argument over 2 MiB is refused in the workflow at the call, and nothing is scheduled`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("bulk", TestStores.workerOptions()) { register(OversizedArgument); activities<BulkData>(BulkDataImpl()) }.start()
            val h = kadence.client.start(OversizedArgument, Unit) { id = "big-arg"; taskQueue = "bulk" }
            val size = Payloads.MAX_PAYLOAD_BYTES + 4 // the argument list's JSON: ["…"]
            assertEquals(
                "refused: input of activity 'consume' in workflow 'big-arg' is $size bytes, over the limit of " +
                    "${Payloads.MAX_PAYLOAD_BYTES} bytes; store large data elsewhere and pass a reference",
                h.result(30.seconds),
            )
            assertEquals(listOf("WorkflowStarted", "WorkflowCompleted"), h.eventKinds())
        }
    }

    @Test
    fun `an activity result over 2 MiB fails the attempt with the limit named, and the workflow sees it as the activity's failure`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("bulk", TestStores.workerOptions()) { register(OversizedActivityResult); activities<BulkData>(BulkDataImpl()) }.start()
            val h = kadence.client.start(OversizedActivityResult, Unit) { id = "big-result"; taskQueue = "bulk" }
            val size = Payloads.MAX_PAYLOAD_BYTES + 2 // the JSON string's quotes
            assertEquals(
                "io.kadence.failure.PayloadTooLargeException: result of activity 'produce' (seq 1) of workflow 'big-result' is $size bytes, over the limit of " +
                    "${Payloads.MAX_PAYLOAD_BYTES} bytes; store large data elsewhere and pass a reference",
                h.result(30.seconds),
            )
            assertEquals(listOf("WorkflowStarted", "ActivityScheduled", "ActivityFailed", "WorkflowCompleted"), h.eventKinds())
        }
    }

    @Test
    fun `a workflow result over 2 MiB fails the workflow task, records nothing, and leaves the run open`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("bulk", TestStores.workerOptions()) { register(OversizedResult) }.start()
            val h = kadence.client.start(OversizedResult, Unit) { id = "huge"; taskQueue = "bulk" }
            val failure = eventually("the workflow task to fail") { h.describe().lastWorkflowTaskFailure }
            assertTrue(
                failure.startsWith(
                    "PayloadTooLargeException: result of workflow 'huge' is ${Payloads.MAX_PAYLOAD_BYTES + 2} bytes, over the limit of " +
                        "${Payloads.MAX_PAYLOAD_BYTES} bytes; store large data elsewhere and pass a reference",
                ),
                failure,
            )
            assertEquals(WorkflowStatus.RUNNING, h.describe().status)
            assertEquals(listOf("WorkflowStarted"), h.eventKinds())
            h.terminate("test over")
        }
    }

    @Test
    fun `a task that would pass the pending-children limit fails with a message naming it, and no child starts`() = runBlocking {
        val saved = KadenceLimits.maxPendingChildren
        KadenceLimits.maxPendingChildren = 2
        try {
            TestStores.open().use { kadence ->
                kadence.worker("kids", TestStores.workerOptions()) { register(TooManyChildren); register(WaitingChild) }.start()
                val h = kadence.client.start(TooManyChildren, Unit) { id = "big-family"; taskQueue = "kids" }
                val failure = eventually("the workflow task to fail") { h.describe().lastWorkflowTaskFailure }
                assertTrue(
                    failure.startsWith(
                        "LimitExceededException: workflow 'big-family' (run ${h.runId}) already has 2 pending child workflows open, " +
                            "the limit (KadenceLimits); wait for some to finish before starting more, or split the work across child workflows",
                    ),
                    failure,
                )
                assertEquals(WorkflowStatus.RUNNING, h.describe().status)
                assertEquals(listOf("WorkflowStarted"), h.eventKinds())
                assertEquals(1, kadence.client.count())
                h.terminate("test over")
            }
        } finally {
            KadenceLimits.maxPendingChildren = saved
        }
    }

    @Test
    fun `a run whose history passes the warning size logs one warning that suggests continue-as-new`() = runBlocking {
        val captured = LogCapture.of(WorkflowTaskRunner::class.java)
        val saved = KadenceLimits.historyWarningEvents
        KadenceLimits.historyWarningEvents = 10
        try {
            TestStores.open().use { kadence ->
                kadence.worker("chatty", TestStores.workerOptions()) { register(ChattyHistory) }.start()
                val h = kadence.client.start(ChattyHistory, Unit) { id = "chatty"; taskQueue = "chatty" }
                h.result(30.seconds)
                val warnings = captured.list.filter { it.level == Level.WARN }.map { it.formattedMessage }
                assertEquals(
                    listOf("history of workflow 'chatty' (run ${h.runId}) has passed 10 events (the limit is ${KadenceLimits.maxHistoryEvents}): " +
                        "use continue-as-new to start a fresh history"),
                    warnings,
                )
            }
        } finally {
            KadenceLimits.historyWarningEvents = saved
            captured.detach()
        }
    }
}
