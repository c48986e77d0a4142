package io.kadence.test

import io.kadence.history.ActivityCompleted
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
}
