package io.kadence.testing

import io.kadence.converter.DataConverter
import io.kadence.failure.KadenceException
import io.kadence.history.CommandAttributes
import io.kadence.history.EventAttributes
import io.kadence.history.HistoryEvent
import io.kadence.history.closesRun
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.history.WorkflowTerminated
import io.kadence.history.WorkflowTimedOut
import io.kadence.history.WorkflowUpdateAccepted
import io.kadence.workflow.WorkflowDefinition

/** A history that breaks one or more of the invariants [HistoryChecker] checks; [violations] lists them. */
public class HistoryViolationException(public val runId: String?, public val violations: List<String>) :
    KadenceException("history of run ${runId ?: "?"} breaks ${violations.size} invariant(s):\n  " + violations.joinToString("\n  "))

/**
 * Checks the invariants every history Kadence writes must hold, so that tests (and operators
 * investigating a run) can tell a corrupted or impossible history from a merely unusual one:
 *
 * - it starts with `WorkflowStarted`; event ids run 1, 2, 3… without gaps; times never go back;
 * - commands appear only inside a workflow task (after its `WorkflowTaskCompleted`, before the next input);
 * - each sequence number names one command (activity, timer, child workflow, session, local
 *   activity, marker); each scheduled thing is closed at most once and only after it was scheduled:
 *   an activity completed, failed or canceled; a timer fired (at or after its due time) or canceled;
 *   a child workflow started or refused once, and closed once after it started; a session answered
 *   once by the store, failed at most once, completed by the workflow at most once and not after the
 *   store ended it; an update accepted at most once per id and completed at most once after that;
 * - at most one event closes the run, and nothing follows it;
 * - replaying the history against the workflow's code (when given) yields the same commands.
 *
 * Event types it does not know are allowed anywhere, so a history from a newer version is not
 * reported for what it adds.
 */
public object HistoryChecker {
    /** Every invariant [history] breaks, as readable lines; empty when it holds them all. */
    @JvmStatic
    public fun violations(history: List<HistoryEvent>): List<String> {
        val problems = ArrayList<String>()
        if (history.isEmpty()) return listOf("the history is empty")
        if (history.first().attributes !is WorkflowStarted) {
            problems += "event 1 is ${history.first().attributes.describe()}, not WorkflowStarted"
        }
        val lifecycles = HistoryLifecycles(problems)
        var inTask = false
        var closedAt: Long? = null
        var lastTime = Long.MIN_VALUE
        history.forEachIndexed { index, e ->
            val a = e.attributes
            val at = "event ${e.eventId} (${a.describe()})"
            if (e.eventId != index + 1L) problems += "$at: expected event id ${index + 1}; ids must run from 1 without gaps"
            if (e.timestampMillis < lastTime) problems += "$at: its time ${e.timestampMillis} is before the previous event's $lastTime"
            lastTime = maxOf(lastTime, e.timestampMillis)
            closedAt?.let { problems += "$at: follows the event $it that closed the run" }
            when {
                a is WorkflowTaskCompleted -> inTask = true
                a is WorkflowUpdateAccepted -> {}
                a is CommandAttributes && !inTask -> problems += "$at: a command outside a workflow task (no WorkflowTaskCompleted before it)"
                a !is CommandAttributes && !closesRun(a) -> inTask = false
            }
            if (closesRun(a)) closedAt = e.eventId
            lifecycles.apply(e, at)
        }
        return problems
    }

    /**
     * Throws [HistoryViolationException] when [history] breaks an invariant. With a [definition],
     * also replays the history against it (see [WorkflowReplayer]); a replay that takes other
     * steps than the recorded ones is reported the same way.
     */
    @JvmStatic
    @JvmOverloads
    public fun check(
        history: List<HistoryEvent>,
        definition: WorkflowDefinition<*, *>? = null,
        dataConverter: DataConverter = DataConverter.default,
    ) {
        val runId = (history.firstOrNull()?.attributes as? WorkflowStarted)?.runId
        val problems = violations(history).toMutableList()
        if (definition != null && problems.isEmpty()) {
            try {
                WorkflowReplayer.replay(definition, history, dataConverter = dataConverter)
            } catch (e: Exception) {
                problems += "replaying it against '${definition.name}' failed: $e"
            }
        }
        if (problems.isNotEmpty()) throw HistoryViolationException(runId, problems)
    }

    private fun closesRun(a: EventAttributes): Boolean =
        (a is CommandAttributes && a.closesRun()) || a is WorkflowTerminated || a is WorkflowTimedOut
}
