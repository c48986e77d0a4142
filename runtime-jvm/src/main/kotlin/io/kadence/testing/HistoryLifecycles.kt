package io.kadence.testing

import io.kadence.history.ActivityCancelRequested
import io.kadence.history.ActivityCanceled
import io.kadence.history.ActivityCompleted
import io.kadence.history.ActivityFailed
import io.kadence.history.ActivityScheduled
import io.kadence.history.ChildWorkflowCancelRequested
import io.kadence.history.ChildWorkflowClosed
import io.kadence.history.ChildWorkflowScheduled
import io.kadence.history.ChildWorkflowStartFailed
import io.kadence.history.ChildWorkflowStarted
import io.kadence.history.HistoryEvent
import io.kadence.history.LocalActivityRecorded
import io.kadence.history.MarkerRecorded
import io.kadence.history.SessionCompleted
import io.kadence.history.SessionCreated
import io.kadence.history.SessionCreationTimedOut
import io.kadence.history.SessionFailed
import io.kadence.history.SessionRequestRejected
import io.kadence.history.SessionRequested
import io.kadence.history.TimerCanceled
import io.kadence.history.TimerFired
import io.kadence.history.TimerStarted
import io.kadence.history.WorkflowUpdateAccepted
import io.kadence.history.WorkflowUpdateCompleted

/**
 * The "one close per scheduled thing" rules of [HistoryChecker], fed one event at a time.
 *
 * Every command that starts something takes a sequence number of its own (one counter per run
 * for activities, timers, children, sessions, local activities and markers). Then, per kind:
 * - activity: closed (completed, failed, canceled) at most once; a cancel request names a scheduled one;
 * - timer: fired or canceled at most once, fired no earlier than due;
 * - child workflow: one start outcome (started or start failed); closed at most once, only after it started;
 * - session: one answer from the store (created, creation timed out, request rejected); failed at most
 *   once and never after a refusal; completed by the workflow at most once and never after the store
 *   ended it. The workflow may complete a session before the store's answer or failure reaches it, so
 *   those may follow `SessionCompleted`;
 * - local activity and marker: recorded once per sequence number;
 * - update: accepted at most once per update id; completed at most once, only after it was accepted.
 */
internal class HistoryLifecycles(private val problems: MutableList<String>) {
    private class Thing(val kind: String, val eventId: Long) {
        var closedBy: Long? = null
        var fireAt: Long = Long.MIN_VALUE
        /** Child: ChildWorkflowStarted/StartFailed. Session: SessionCreated/CreationTimedOut/RequestRejected. */
        var answeredBy: Long? = null
        var answeredOk: Boolean = false
        /** Session: SessionFailed. */
        var failedBy: Long? = null
    }

    private class Update(val acceptedAt: Long) {
        var completedBy: Long? = null
    }

    private val bySeq = HashMap<Long, Thing>()
    private val updates = HashMap<String, Update>()

    fun apply(e: HistoryEvent, at: String) {
        when (val a = e.attributes) {
            is ActivityScheduled -> start(a.seq, ACTIVITY, e, at)
            is ActivityCompleted -> close(a.seq, ACTIVITY, e, at)
            is ActivityFailed -> close(a.seq, ACTIVITY, e, at)
            is ActivityCanceled -> close(a.seq, ACTIVITY, e, at)
            is ActivityCancelRequested -> existing(a.seq, ACTIVITY, at, "asks to cancel")
            is TimerStarted -> start(a.seq, TIMER, e, at)?.fireAt = a.fireAtMillis
            is TimerCanceled -> close(a.seq, TIMER, e, at)
            is TimerFired -> close(a.seq, TIMER, e, at)?.let { t ->
                if (e.timestampMillis < t.fireAt) problems += "$at: fired at ${e.timestampMillis}, before its due time ${t.fireAt}"
            }
            is ChildWorkflowScheduled -> start(a.seq, CHILD, e, at)
            is ChildWorkflowStarted -> answer(a.seq, CHILD, e, at, ok = true)
            is ChildWorkflowStartFailed -> answer(a.seq, CHILD, e, at, ok = false)
            is ChildWorkflowClosed -> existing(a.seq, CHILD, at, "closes")?.let { c ->
                if (!c.answeredOk) {
                    problems += "$at: child workflow seq ${a.seq} closed, but it never started (no ChildWorkflowStarted before it)"
                } else {
                    close(a.seq, CHILD, e, at)
                }
            }
            is ChildWorkflowCancelRequested -> existing(a.seq, CHILD, at, "asks to cancel")
            is SessionRequested -> start(a.seq, SESSION, e, at)
            is SessionCreated -> answer(a.seq, SESSION, e, at, ok = true)
            is SessionCreationTimedOut -> answer(a.seq, SESSION, e, at, ok = false)
            is SessionRequestRejected -> answer(a.seq, SESSION, e, at, ok = false)
            is SessionFailed -> sessionFailed(a.seq, e, at)
            is SessionCompleted -> sessionCompleted(a.seq, e, at)
            is LocalActivityRecorded -> start(a.seq, LOCAL_ACTIVITY, e, at)
            is MarkerRecorded -> start(a.seq, MARKER, e, at)
            is WorkflowUpdateAccepted -> {
                val earlier = updates[a.updateId]
                if (earlier != null) problems += "$at: update '${a.updateId}' was already accepted at event ${earlier.acceptedAt}"
                else updates[a.updateId] = Update(e.eventId)
            }
            is WorkflowUpdateCompleted -> {
                val u = updates[a.updateId]
                when {
                    u == null -> problems += "$at: completes update '${a.updateId}', which was never accepted before it"
                    u.completedBy != null -> problems += "$at: update '${a.updateId}' was already completed at event ${u.completedBy}"
                    else -> u.completedBy = e.eventId
                }
            }
            else -> {}
        }
    }

    private fun start(seq: Long, kind: String, e: HistoryEvent, at: String): Thing? {
        bySeq[seq]?.let {
            problems += if (it.kind == kind) "$at: $kind seq $seq was already ${verbOf(kind)} at event ${it.eventId}"
                else "$at: seq $seq already belongs to the ${it.kind} of event ${it.eventId}; each sequence number names one command"
            return null
        }
        return Thing(kind, e.eventId).also { bySeq[seq] = it }
    }

    /** The [kind] scheduled under [seq], or null (reported) when there is none before this event. */
    private fun existing(seq: Long, kind: String, at: String, does: String): Thing? {
        val t = bySeq[seq]?.takeIf { it.kind == kind }
        if (t == null) problems += "$at: $does $kind seq $seq, which was never ${verbOf(kind)} before it"
        return t
    }

    private fun close(seq: Long, kind: String, e: HistoryEvent, at: String): Thing? {
        val t = existing(seq, kind, at, "closes") ?: return null
        t.closedBy?.let {
            problems += "$at: $kind seq $seq was already closed at event $it"
            return null
        }
        t.closedBy = e.eventId
        return t
    }

    private fun answer(seq: Long, kind: String, e: HistoryEvent, at: String, ok: Boolean) {
        val t = existing(seq, kind, at, "answers") ?: return
        t.answeredBy?.let {
            problems += "$at: $kind seq $seq was already answered at event $it"
            return
        }
        t.answeredBy = e.eventId
        t.answeredOk = ok
        // A refusal ends it: nothing else is to come from the store.
        if (!ok) t.closedBy = t.closedBy ?: e.eventId
    }

    private fun sessionFailed(seq: Long, e: HistoryEvent, at: String) {
        val s = existing(seq, SESSION, at, "fails") ?: return
        when {
            s.failedBy != null -> problems += "$at: session seq $seq already failed at event ${s.failedBy}"
            s.answeredBy != null && !s.answeredOk -> problems += "$at: session seq $seq fails, but it was refused at event ${s.answeredBy}"
            else -> s.failedBy = e.eventId
        }
    }

    private fun sessionCompleted(seq: Long, e: HistoryEvent, at: String) {
        val s = existing(seq, SESSION, at, "completes") ?: return
        val endedByStore = s.failedBy ?: s.answeredBy?.takeIf { !s.answeredOk }
        when {
            s.closedBy != null && s.closedBy != endedByStore -> problems += "$at: session seq $seq was already completed at event ${s.closedBy}"
            endedByStore != null -> problems += "$at: session seq $seq completed by the workflow after the store ended it at event $endedByStore"
            else -> s.closedBy = e.eventId
        }
    }

    private companion object {
        const val ACTIVITY = "activity"
        const val TIMER = "timer"
        const val CHILD = "child workflow"
        const val SESSION = "session"
        const val LOCAL_ACTIVITY = "local activity"
        const val MARKER = "marker"

        fun verbOf(kind: String) = when (kind) {
            SESSION -> "requested"
            LOCAL_ACTIVITY, MARKER -> "recorded"
            else -> "scheduled"
        }
    }
}
