package io.kadence.test

import io.kadence.Kadence
import io.kadence.client.WorkflowHandle
import io.kadence.dsl.workflow
import io.kadence.failure.ActivityFailure
import io.kadence.failure.ApplicationFailure
import io.kadence.failure.CanceledFailure
import io.kadence.failure.TimeoutFailure
import io.kadence.testing.TestKadence
import io.kadence.workflow.WorkflowDefinition
import io.kadence.workflow.WorkflowScope
import kotlin.test.fail
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.toList

// Helpers shared by the activity tests (ActivityTest, ActivityRetryTest, ActivityTimeoutTest, ActivityCancellationTest).

/** Polls [condition] every 10 ms until it holds, failing the test after [timeout] of real time. */
internal suspend fun eventuallyTrue(what: String, timeout: Duration = 10.seconds, condition: suspend () -> Boolean) {
    eventually(what, timeout) { condition().takeIf { it } }
}

/**
 * Writes [history] as the recorded history [resource] (a `/histories/…` test resource) when the
 * environment variable `KADENCE_RECORD_HISTORIES` names a directory; `RecordedHistoriesTest` replays
 * every recorded history against the current code.
 */
internal fun recordHistory(resource: String, history: List<io.kadence.history.HistoryEvent>) {
    val dir = System.getenv("KADENCE_RECORD_HISTORIES") ?: return
    java.io.File(dir, resource.removePrefix("/histories/")).writeText(io.kadence.history.HistoryCodec.exportHistory(history))
}

/** Event kinds of the run's history, without the `WorkflowTaskCompleted` boundaries. */
internal suspend fun WorkflowHandle<*>.eventKinds(): List<String> =
    history().toList().map { it.attributes::class.simpleName!! }.filter { it != "WorkflowTaskCompleted" }

/** The virtual clock of a test instance, in epoch millis. */
internal fun Kadence.virtualNow(): Long = TestKadence.now(this).toEpochMilli()

/**
 * A failure and its causes as one line, e.g.
 * `ActivityFailure[charge#3] <- ApplicationFailure[Boom: boom 3]`: workflows return it so tests can assert the whole chain.
 */
internal fun failureChain(t: Throwable?): String = generateSequence(t) { it.cause }.joinToString(" <- ") {
    when (it) {
        is ActivityFailure -> "ActivityFailure[${it.activityType}#${it.attempt}]"
        is ApplicationFailure -> "ApplicationFailure[${it.type}: ${it.message}" +
            (if (it.nonRetryable) ", nonRetryable" else "") + (it.details?.let { d -> ", details=$d" } ?: "") + "]"
        is TimeoutFailure -> "TimeoutFailure[${it.timeoutType}]"
        is CanceledFailure -> "CanceledFailure[${it.message}]"
        else -> "${it.javaClass.simpleName}[${it.message}]"
    }
}

/** A workflow whose result is what [body] returns, or the failure chain of the [ActivityFailure] it threw. */
internal fun catchingWorkflow(name: String, body: suspend WorkflowScope.(String) -> String): WorkflowDefinition<String, String> =
    workflow(name) { input ->
        try {
            body(input)
        } catch (e: ActivityFailure) {
            failureChain(e)
        }
    }

/** Starts a worker of [queue] that runs [wf] and the activity implementation [impl] of [T]. */
internal inline fun <reified T : Any> Kadence.serve(queue: String, wf: WorkflowDefinition<*, *>, impl: T) {
    worker(queue, TestStores.workerOptions()) {
        register(wf)
        activities<T>(impl)
    }.start()
}
