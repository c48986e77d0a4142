package io.kadence.testing

import io.kadence.converter.DataConverter
import io.kadence.failure.InvalidArgumentException
import io.kadence.failure.NonDeterminismException
import io.kadence.history.HistoryCodec
import io.kadence.history.HistoryEvent
import io.kadence.history.WorkflowStarted
import io.kadence.internal.engine.WorkflowExecutor
import io.kadence.workflow.WorkflowDefinition

/**
 * Re-executes workflow code against a recorded history, with no database and no worker, and
 * fails when the code no longer takes the recorded steps. Use it in unit tests to catch a change
 * that would break runs already in flight before it ships:
 *
 * ```
 * @Test fun `order workflow still replays its recorded histories`() {
 *     val json = javaClass.getResource("/histories/order-1.json")!!.readText()
 *     WorkflowReplayer.replay(OrderWorkflow, json)
 * }
 * ```
 *
 * Export a history with `HistoryCodec.exportHistory(handle.history().toList())`.
 *
 * The workflow runs on the calling thread, as a worker would run it on a cache miss: commands are
 * matched against the recorded events, activities and timers are not executed (their recorded
 * outcomes are fed back), and the workflow logger stays silent. A history may end with the run
 * still open. `random`, `uuid()` and `info.runId` come from the run id recorded in the history's
 * `WorkflowStarted` (histories recorded before it was recorded there replay as [DEFAULT_RUN_ID]
 * unless a `runId` is given).
 */
public object WorkflowReplayer {
    /** The run id used when none is given. */
    public const val DEFAULT_RUN_ID: String = "replayed-run"

    /**
     * Replays [history] (a complete history from event 1) against [definition].
     *
     * @throws NonDeterminismException when the code asks for a step other than the recorded one
     *   (the message names the event, both steps and the source line).
     * @throws InvalidArgumentException when the history is empty, does not start with
     *   `WorkflowStarted`, or belongs to another workflow type.
     * Any other exception the workflow code throws while replaying (a bug, escaping the loop)
     * propagates as it would fail a workflow task.
     */
    @JvmStatic
    @JvmOverloads
    public fun replay(
        definition: WorkflowDefinition<*, *>,
        history: List<HistoryEvent>,
        runId: String? = null,
        dataConverter: DataConverter = DataConverter.default,
    ) {
        val first = history.firstOrNull() ?: throw InvalidArgumentException("cannot replay an empty history")
        val started = first.attributes as? WorkflowStarted
            ?: throw InvalidArgumentException("a history starts with WorkflowStarted at event 1, this one with ${first.attributes.describe()} at event ${first.eventId}")
        if (started.workflowType != definition.name) {
            throw InvalidArgumentException("history is of workflow type '${started.workflowType}', not '${definition.name}'")
        }
        @Suppress("UNCHECKED_CAST")
        WorkflowExecutor(definition as WorkflowDefinition<Any?, Any?>, dataConverter, runId ?: started.runId ?: DEFAULT_RUN_ID, seedRunId = runId).replay(history)
    }

    /** Replays a history exported as JSON by `HistoryCodec.exportHistory`; see [replay]. */
    @JvmStatic
    @JvmOverloads
    public fun replay(
        definition: WorkflowDefinition<*, *>,
        json: String,
        runId: String? = null,
        dataConverter: DataConverter = DataConverter.default,
    ): Unit = replay(definition, HistoryCodec.importHistory(json), runId, dataConverter)
}
