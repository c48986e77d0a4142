package io.kadence.test

import io.kadence.history.ActivityCompleted
import io.kadence.history.ChildWorkflowClosed
import io.kadence.history.ChildWorkflowScheduled
import io.kadence.history.ChildWorkflowStartFailed
import io.kadence.history.ChildWorkflowStarted
import io.kadence.history.EventAttributes
import io.kadence.history.FailureInfo
import io.kadence.history.HistoryCodec
import io.kadence.history.LocalActivityRecorded
import io.kadence.history.MarkerRecorded
import io.kadence.history.SessionCompleted
import io.kadence.history.SessionCreated
import io.kadence.history.SessionCreationTimedOut
import io.kadence.history.SessionFailed
import io.kadence.history.SessionRequested
import io.kadence.history.WorkflowUpdateAccepted
import io.kadence.history.WorkflowUpdateCompleted
import io.kadence.history.ActivityScheduled
import io.kadence.history.ActivityTaskOptions
import io.kadence.history.HistoryEvent
import io.kadence.history.TimerFired
import io.kadence.history.TimerStarted
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowSignaled
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.testing.HistoryChecker
import io.kadence.testing.HistoryViolationException
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

/** The checker that the suite runs after every test: each invariant caught on a history broken for it. */
class HistoryCheckerTest {
    private val options = ActivityTaskOptions(startToCloseMillis = 1_000)

    /** A valid history: start, a task scheduling activity 1 and timer 2, both closing, the run completing. */
    private fun valid(): List<HistoryEvent> = listOf(
        WorkflowStarted("T", "wf", "q", null, runId = "r"),
        WorkflowTaskCompleted(),
        ActivityScheduled(1, "act", "q", null, options),
        TimerStarted(2, 5_000, 6_000),
        ActivityCompleted(1, "1", 1),
        WorkflowTaskCompleted(),
        TimerFired(2),
        WorkflowTaskCompleted(),
        WorkflowCompleted("1"),
    ).mapIndexed { i, a -> HistoryEvent(i + 1L, if (i >= 6) 6_000L + (i - 6) else 1_000L + i, a) }

    @Test
    fun `a valid history has no violations`() {
        assertEquals(emptyList(), HistoryChecker.violations(valid()))
    }

    @Test
    fun `each broken invariant is named with its event`() {
        val h = valid()
        fun broken(edit: (MutableList<HistoryEvent>) -> Unit) = HistoryChecker.violations(h.toMutableList().also(edit))
        assertEquals("event 4 (TimerStarted 5000ms (seq 2)): expected event id 3; ids must run from 1 without gaps", broken { it.removeAt(2) }.first())
        assertEquals(listOf("event 7 (TimerFired (seq 2)): fired at 5999, before its due time 6000"),
            broken { it[6] = it[6].copy(timestampMillis = 5_999) })
        assertEquals(true, broken { it.add(5, HistoryEvent(6, 1_005, ActivityCompleted(1, "1", 1))) }
            .contains("event 6 (ActivityCompleted (seq 1)): activity seq 1 was already closed at event 5"))
        assertEquals(true, broken { it.add(HistoryEvent(10, 7_000, WorkflowSignaled("late", null))) }
            .contains("event 10 (WorkflowSignaled 'late'): follows the event 9 that closed the run"))
        assertEquals(true, broken { it[1] = HistoryEvent(2, 1_001, WorkflowSignaled("s", null)) }
            .contains("event 3 (ActivityScheduled 'act' (seq 1)): a command outside a workflow task (no WorkflowTaskCompleted before it)"))
        assertEquals(true, broken { it[4] = HistoryEvent(5, 1_004, ActivityCompleted(7, "1", 1)) }
            .contains("event 5 (ActivityCompleted (seq 7)): closes activity seq 7, which was never scheduled before it"))
        assertEquals(listOf("event 1 is WorkflowTaskCompleted, not WorkflowStarted"),
            HistoryChecker.violations(listOf(HistoryEvent(1, 1, WorkflowTaskCompleted()))))
    }

    @Test
    fun `check throws with every violation and the run id`() {
        val e = assertFailsWith<HistoryViolationException> { HistoryChecker.check(valid().dropLast(1) + HistoryEvent(9, 1, WorkflowCompleted("1"))) }
        assertEquals("r", e.runId)
        assertEquals(listOf("event 9 (WorkflowCompleted): its time 1 is before the previous event's 6001"), e.violations)
    }

    /** A history of [attributes] after a `WorkflowStarted`, with ids from 1 and times one millisecond apart. */
    private fun history(vararg attributes: EventAttributes): List<HistoryEvent> =
        (listOf(WorkflowStarted("T", "wf", "q", null, runId = "r")) + attributes).mapIndexed { i, a -> HistoryEvent(i + 1L, 1_000L + i, a) }

    private val task = WorkflowTaskCompleted()
    private val boom = FailureInfo("boom", "Boom")
    private fun child(seq: Long) = ChildWorkflowScheduled(seq, "Child", "child-$seq", "q", null)
    private fun sessionRequest(seq: Long) = SessionRequested(seq, "q", emptyMap(), 60_000, 60_000, 20_000)
    private fun created(seq: Long) = SessionCreated(seq, "s-$seq", "host-a", "q", "q@host-a", emptyMap(), "token")

    @Test
    fun `child workflows start once and close once, only after they started`() {
        assertEquals(emptyList(), HistoryChecker.violations(history(task, child(1), ChildWorkflowStarted(1, "c"), ChildWorkflowClosed(1, "c", "COMPLETED"))))
        assertEquals(listOf("event 6 (ChildWorkflowClosed (seq 1) COMPLETED): child workflow seq 1 was already closed at event 5"),
            HistoryChecker.violations(history(task, child(1), ChildWorkflowStarted(1, "c"), ChildWorkflowClosed(1, "c", "COMPLETED"),
                ChildWorkflowClosed(1, "c", "COMPLETED"))))
        assertEquals(listOf("event 5 (ChildWorkflowClosed (seq 1) FAILED): child workflow seq 1 closed, but it never started (no ChildWorkflowStarted before it)"),
            HistoryChecker.violations(history(task, child(1), ChildWorkflowStartFailed(1, boom), ChildWorkflowClosed(1, "c", "FAILED"))))
        assertEquals(listOf("event 5 (ChildWorkflowStarted (seq 1) run c2): child workflow seq 1 was already answered at event 4"),
            HistoryChecker.violations(history(task, child(1), ChildWorkflowStarted(1, "c"), ChildWorkflowStarted(1, "c2"))))
        assertEquals(listOf("event 2 (ChildWorkflowStarted (seq 4) run c): answers child workflow seq 4, which was never scheduled before it"),
            HistoryChecker.violations(history(ChildWorkflowStarted(4, "c"))))
    }

    @Test
    fun `sessions are answered once, fail once, and are completed once and not after the store ended them`() {
        // The workflow may withdraw a request (or leave its block) before the store's answer or failure reaches it.
        assertEquals(emptyList(), HistoryChecker.violations(history(task, sessionRequest(1), SessionCompleted(1), created(1), SessionFailed(1, "s-1", "host-a", "dead"))))
        assertEquals(listOf("event 5 (SessionCreated (seq 1) s-1 on host 'host-a'): session seq 1 was already answered at event 4"),
            HistoryChecker.violations(history(task, sessionRequest(1), created(1), created(1))))
        assertEquals(listOf("event 7 (SessionCompleted (seq 1)): session seq 1 completed by the workflow after the store ended it at event 5"),
            HistoryChecker.violations(history(task, sessionRequest(1), created(1), SessionFailed(1, "s-1", "host-a", "dead"), task, SessionCompleted(1))))
        assertEquals(listOf("event 7 (SessionCompleted (seq 1)): session seq 1 was already completed at event 6"),
            HistoryChecker.violations(history(task, sessionRequest(1), created(1), task, SessionCompleted(1), SessionCompleted(1))))
        assertEquals(listOf("event 5 (SessionFailed (seq 1) s-1 on host 'host-a': dead): session seq 1 fails, but it was refused at event 4"),
            HistoryChecker.violations(history(task, sessionRequest(1), SessionCreationTimedOut(1, mapOf("gpu" to 1), "no room"), SessionFailed(1, "s-1", "host-a", "dead"))))
        assertEquals(listOf("event 6 (SessionFailed (seq 1) s-1 on host 'host-a': again): session seq 1 already failed at event 5"),
            HistoryChecker.violations(history(task, sessionRequest(1), created(1), SessionFailed(1, "s-1", "host-a", "dead"), SessionFailed(1, "s-1", "host-a", "again"))))
        assertEquals(listOf("event 3 (SessionCompleted (seq 2)): completes session seq 2, which was never requested before it"),
            HistoryChecker.violations(history(task, SessionCompleted(2))))
    }

    @Test
    fun `an update is accepted once and completed at most once after it was accepted`() {
        assertEquals(emptyList(), HistoryChecker.violations(history(WorkflowUpdateAccepted("u", "add", "1"), task, WorkflowUpdateCompleted("u", "1"))))
        assertEquals(listOf("event 5 (WorkflowUpdateCompleted (u)): update 'u' was already completed at event 4"),
            HistoryChecker.violations(history(WorkflowUpdateAccepted("u", "add", "1"), task, WorkflowUpdateCompleted("u", "1"), WorkflowUpdateCompleted("u", "2"))))
        assertEquals(listOf("event 3 (WorkflowUpdateAccepted 'add' (u)): update 'u' was already accepted at event 2"),
            HistoryChecker.violations(history(WorkflowUpdateAccepted("u", "add", "1"), WorkflowUpdateAccepted("u", "add", "1"))))
        assertEquals(listOf("event 3 (WorkflowUpdateCompleted (v)): completes update 'v', which was never accepted before it"),
            HistoryChecker.violations(history(task, WorkflowUpdateCompleted("v", "1"))))
    }

    @Test
    fun `local activities and markers are recorded once per sequence number, and a number names one command`() {
        assertEquals(emptyList(), HistoryChecker.violations(history(task, LocalActivityRecorded(1, "lookup", "1"), MarkerRecorded(2, "SideEffect", "", "2"))))
        assertEquals(listOf("event 4 (LocalActivityRecorded 'lookup' (seq 1)): local activity seq 1 was already recorded at event 3"),
            HistoryChecker.violations(history(task, LocalActivityRecorded(1, "lookup", "1"), LocalActivityRecorded(1, "lookup", "1"))))
        assertEquals(listOf("event 4 (MarkerRecorded SideEffect '' (seq 1)): seq 1 already belongs to the local activity of event 3; each sequence number names one command"),
            HistoryChecker.violations(history(task, LocalActivityRecorded(1, "lookup", "1"), MarkerRecorded(1, "SideEffect", "", "2"))))
        assertEquals(listOf("event 4 (TimerStarted 5000ms (seq 1)): seq 1 already belongs to the activity of event 3; each sequence number names one command"),
            HistoryChecker.violations(history(task, ActivityScheduled(1, "act", "q", null, options), TimerStarted(1, 5_000, 6_000))))
    }

    @Test
    fun `every recorded history of the test resources passes the checker`() {
        val dir = java.io.File(javaClass.getResource("/histories")!!.toURI())
        val files = dir.listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }
        assertEquals(15, files.size, "recorded histories in test resources")
        for (f in files) assertEquals(emptyList(), HistoryChecker.violations(HistoryCodec.importHistory(f.readText())), f.name)
    }
}
