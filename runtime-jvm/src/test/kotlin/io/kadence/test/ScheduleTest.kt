package io.kadence.test

import io.kadence.client.Backfill
import io.kadence.client.WorkflowStatus
import io.kadence.dsl.workflow
import io.kadence.failure.ScheduleAlreadyExistsException
import io.kadence.failure.ScheduleNotFoundException
import io.kadence.schedule.OverlapPolicy
import io.kadence.schedule.ScheduleHeaders
import io.kadence.schedule.ScheduleSpec
import io.kadence.testing.TestKadence
import io.kadence.client.signal
import io.kadence.history.WorkflowStarted
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.time.Instant
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** Returns its tag and the nominal time its schedule started it for. */
val Stamp = workflow<String, String>("Stamp") { tag -> "$tag@" + info.headers.getValue(ScheduleHeaders.NOMINAL_TIME).trim('"') }

/** Sleeps [seconds] (ends canceled when canceled). */
val Hold = workflow<Int, String>("Hold") { seconds -> sleep(seconds.seconds); "held" }

/** Schedules on the virtual clock (which starts at 2026-01-01T00:00Z). */
class ScheduleTest {
    private fun t(s: String) = Instant.parse(s)

    /** The runs a schedule started, by nominal time (from the workflow id), with their status. */
    private suspend fun io.kadence.Kadence.runsOf(scheduleId: String, type: String): List<Pair<String, WorkflowStatus>> =
        client.list(workflowType = type, limit = 10_000).filter { it.workflowId.startsWith("$scheduleId-") }
            .map { it.workflowId.removePrefix("$scheduleId-").substring(11, 16) to it.status }.sortedBy { it.first }

    /** Hours:minutes labels of the overlap test's nominal times (00:01 to 00:05). */
    private fun m(vararg minutes: Int) = minutes.map { "00:0$it" }

    @Test
    fun `a daily cron schedule acts once per day for a year, and its runs carry the schedule and nominal time`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            kadence.worker("sched", TestStores.workerOptions()) { register(Stamp) }.start()
            val spec = ScheduleSpec.cron("0 10 * * *").between(null, t("2026-12-31T23:59:59Z"))
            val schedule = kadence.client.schedules.create("daily", spec, Stamp, "report") { taskQueue = "sched" }
            assertEquals(
                listOf(t("2026-01-01T10:00:00Z"), t("2026-01-02T10:00:00Z"), t("2026-01-03T10:00:00Z")),
                schedule.describe(nextActions = 3).nextActionTimes,
            )
            kadence.releaseClock()
            eventuallyTrue("a year of actions", 120.seconds) { schedule.describe().actionsTaken == 365L }
            assertEquals("report@2026-12-31T10:00:00Z", kadence.client.handle(Stamp, "daily-2026-12-31T10:00:00Z").result(30.seconds))
            val d = schedule.describe()
            assertEquals((22..31).map { t("2026-12-${it}T10:00:00Z") }, d.recentActions.map { it.nominalTime })
            assertEquals(d.recentActions.map { "daily-${it.nominalTime}" }, d.recentActions.map { it.workflowId })
            assertEquals(emptyList(), d.nextActionTimes)
            // Runs closed more than the default namespace's 7-day retention ago have been purged meanwhile.
            eventuallyTrue("retention to catch up") { kadence.client.count(workflowType = "Stamp") <= 9 }
        }
    }

    /**
     * Every minute from 00:01 to 00:05; each run holds for 150 seconds, so actions overlap. (Actions
     * waiting for a run to close are looked at every second, so the runs are kept short.)
     */
    private fun overlapRun(policy: OverlapPolicy): Pair<List<Pair<String, WorkflowStatus>>, Long> = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("sched", TestStores.workerOptions()) { register(Hold) }.start()
            val spec = ScheduleSpec.every(1.minutes).between(t("2026-01-01T00:01:00Z"), t("2026-01-01T00:05:00Z"))
            val schedule = kadence.client.schedules.create("overlap", spec, Hold, 150) { taskQueue = "sched"; overlap = policy }
            eventuallyTrue("the schedule to finish", 60.seconds) {
                val d = schedule.describe()
                d.nextActionTimes.isEmpty() && d.waitingActions == 0 && kadence.client.count(WorkflowStatus.RUNNING) == 0
            }
            kadence.runsOf("overlap", "Hold") to schedule.describe().overlapSkipped
        }
    }

    @Test
    fun `overlap SKIP drops actions while the previous run is open`() {
        assertEquals(m(1, 4).map { it to WorkflowStatus.COMPLETED } to 3L, overlapRun(OverlapPolicy.SKIP))
    }

    @Test
    fun `overlap BUFFER_ONE keeps one action waiting and drops the rest`() {
        assertEquals(
            m(1, 2, 4).map { it to WorkflowStatus.COMPLETED } to 2L,
            overlapRun(OverlapPolicy.BUFFER_ONE),
        )
    }

    @Test
    fun `overlap BUFFER_ALL runs every action, one after another`() {
        assertEquals(m(1, 2, 3, 4, 5).map { it to WorkflowStatus.COMPLETED } to 0L, overlapRun(OverlapPolicy.BUFFER_ALL))
    }

    @Test
    fun `overlap CANCEL_OTHER cancels the open run and starts the action when it has closed`() {
        assertEquals(
            m(1, 2, 3, 4).map { it to WorkflowStatus.CANCELED } + ("00:05" to WorkflowStatus.COMPLETED) to 0L,
            overlapRun(OverlapPolicy.CANCEL_OTHER),
        )
    }

    @Test
    fun `overlap TERMINATE_OTHER terminates the open run and starts the action at once`() {
        assertEquals(
            m(1, 2, 3, 4).map { it to WorkflowStatus.TERMINATED } + ("00:05" to WorkflowStatus.COMPLETED) to 0L,
            overlapRun(OverlapPolicy.TERMINATE_OTHER),
        )
    }

    @Test
    fun `overlap ALLOW_ALL starts every action alongside the open runs`() {
        assertEquals(m(1, 2, 3, 4, 5).map { it to WorkflowStatus.COMPLETED } to 0L, overlapRun(OverlapPolicy.ALLOW_ALL))
    }

    @Test
    fun `after downtime, actions inside the catch-up window run and older ones are counted as missed`() = runBlocking {
        TestStores.open().use { kadence ->
            // No worker yet: nothing runs the scheduler, as if every process were down.
            val schedule = kadence.client.schedules.create("catchup", ScheduleSpec.every(1.hours), Stamp, "late") {
                taskQueue = "sched"; overlap = OverlapPolicy.ALLOW_ALL; catchupWindow = 90.minutes
            }
            TestKadence.advance(kadence, 10.hours + 30.minutes)
            kadence.holdClock()
            kadence.worker("sched", TestStores.workerOptions()) { register(Stamp) }.start()
            eventuallyTrue("the catch-up") { schedule.describe().actionsTaken == 2L }
            val d = schedule.describe()
            assertEquals(8, d.missedCatchupWindow)
            assertEquals(listOf("09:00", "10:00"), kadence.runsOf("catchup", "Stamp").map { it.first })
            assertEquals(t("2026-01-01T11:00:00Z"), d.nextActionTimes.first())
        }
    }

    @Test
    fun `pause and unpause are idempotent with a note, a trigger works while paused, and paused time is not caught up`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            kadence.worker("sched", TestStores.workerOptions()) { register(Stamp) }.start()
            val schedule = kadence.client.schedules.create("pausable", ScheduleSpec.every(1.hours), Stamp, "p") { taskQueue = "sched" }
            schedule.pause("maintenance")
            schedule.pause("maintenance")
            assertEquals(true to "maintenance", schedule.describe().let { it.paused to it.note })
            TestKadence.advance(kadence, 3.hours)
            schedule.trigger()
            eventuallyTrue("the trigger's run") { schedule.describe().actionsTaken == 1L }
            // Closed before time moves on: under the default overlap policy (SKIP), an action that
            // comes due while it is still open would be skipped.
            eventuallyTrue("the trigger's run to complete") { kadence.runsOf("pausable", "Stamp") == listOf("03:00" to WorkflowStatus.COMPLETED) }
            assertEquals("trigger", schedule.describe().recentActions.single().source)
            schedule.unpause("done")
            schedule.unpause("done")
            assertEquals(false to "done", schedule.describe().let { it.paused to it.note })
            TestKadence.advance(kadence, 1.hours)
            eventuallyTrue("the next scheduled action") { schedule.describe().actionsTaken == 2L }
            // Only 04:00 ran after the unpause: 01:00 to 03:00 fell in the paused time.
            assertEquals(listOf("03:00", "04:00"), kadence.runsOf("pausable", "Stamp").map { it.first })
            assertEquals(listOf("trigger", "scheduled"), schedule.describe().recentActions.map { it.source })
        }
    }

    @Test
    fun `backfill takes the spec's times in each inclusive range, and ids, duplicates and deletion are checked`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            kadence.worker("sched", TestStores.workerOptions()) { register(Stamp) }.start()
            val spec = ScheduleSpec.cron("0 10 * * *")
            val schedule = kadence.client.schedules.create("backfilled", spec, Stamp, "b") { taskQueue = "sched"; paused = true }
            val taken = schedule.backfill(
                Backfill(t("2025-12-01T10:00:00Z"), t("2025-12-03T10:00:00Z")),
                Backfill(t("2025-12-10T00:00:00Z"), t("2025-12-10T23:59:59Z"), OverlapPolicy.ALLOW_ALL),
            )
            assertEquals(4, taken)
            eventuallyTrue("the backfill") { schedule.describe().actionsTaken == 4L }
            assertEquals(
                listOf("2025-12-01T10:00:00Z", "2025-12-02T10:00:00Z", "2025-12-03T10:00:00Z", "2025-12-10T10:00:00Z"),
                kadence.client.list(workflowType = "Stamp").map { it.workflowId.removePrefix("backfilled-") }.sorted(),
            )
            assertEquals("b@2025-12-02T10:00:00Z", kadence.client.handle(Stamp, "backfilled-2025-12-02T10:00:00Z").result(30.seconds))
            assertTrue(schedule.describe().recentActions.all { it.source == "backfill" })

            assertFailsWith<ScheduleAlreadyExistsException> { kadence.client.schedules.create("backfilled", spec, Stamp, "again") }
            assertEquals(listOf("backfilled"), kadence.client.schedules.list().map { it.id })
            schedule.delete()
            assertFailsWith<ScheduleNotFoundException> { schedule.describe() }
            // Its runs go on without it.
            eventuallyTrue("the backfilled runs to complete") { kadence.client.count(WorkflowStatus.COMPLETED, "Stamp") == 4 }
        }
    }

    @Test
    fun `a trigger honours the overlap policy given with it, and update changes the spec from now on`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            kadence.worker("sched", TestStores.workerOptions()) { register(Hold) }.start()
            val schedule = kadence.client.schedules.create("manual", ScheduleSpec.cron("0 0 1 1 *"), Hold, 3600) { taskQueue = "sched" }
            schedule.trigger()
            eventuallyTrue("the first run") { kadence.client.count(WorkflowStatus.RUNNING) == 1 }
            schedule.trigger(OverlapPolicy.SKIP)
            eventuallyTrue("the skip") { schedule.describe().overlapSkipped == 1L }
            schedule.trigger(OverlapPolicy.ALLOW_ALL)
            eventuallyTrue("a second run alongside") { kadence.client.count(WorkflowStatus.RUNNING) == 2 }
            assertEquals(listOf("trigger", "trigger", "trigger"), schedule.describe().recentActions.map { it.source })
            assertEquals(1, schedule.describe().recentActions.count { it.workflowId == null })

            assertEquals(t("2027-01-01T00:00:00Z"), schedule.describe(1).nextActionTimes.single())
            schedule.update(spec = ScheduleSpec.cron("30 6 * * *"), overlap = OverlapPolicy.BUFFER_ALL)
            val d = schedule.describe(2)
            assertEquals(listOf(t("2026-01-01T06:30:00Z"), t("2026-01-02T06:30:00Z")), d.nextActionTimes)
            assertEquals(OverlapPolicy.BUFFER_ALL, d.overlap)
            assertEquals(listOf("30 6 * * *"), d.spec.cron)
        }
    }

    @Test
    fun `backfill ranges each apply their own overlap policy while a run stays open`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("sched", TestStores.workerOptions()) { register(WaitsForGo) }.start()
            val schedule = kadence.client.schedules.create("filled", ScheduleSpec.every(1.hours), WaitsForGo, Unit) { taskQueue = "sched"; paused = true }
            // 00:00, 01:00, 02:00 with SKIP, then 00:00 and 01:00 of the next day with BUFFER_ALL.
            val taken = schedule.backfill(
                Backfill(t("2025-12-01T00:00:00Z"), t("2025-12-01T02:00:00Z"), OverlapPolicy.SKIP),
                Backfill(t("2025-12-02T00:00:00Z"), t("2025-12-02T01:00:00Z"), OverlapPolicy.BUFFER_ALL),
            )
            assertEquals(5, taken)
            suspend fun runs() = kadence.client.list(workflowType = "WaitsForGo").map { it.workflowId.removePrefix("filled-") to it.status }.sortedBy { it.first }
            suspend fun release(nominal: String) = kadence.client.handle(WaitsForGo, "filled-$nominal").signal("go", nominal)

            // The first action starts; the SKIP range's other two find it open and are skipped; the BUFFER_ALL range waits.
            eventuallyTrue("the first action and the skips") { schedule.describe().let { it.actionsTaken == 1L && it.overlapSkipped == 2L && it.waitingActions == 2 } }
            assertEquals(listOf("2025-12-01T00:00:00Z" to WorkflowStatus.RUNNING), runs())
            release("2025-12-01T00:00:00Z")
            eventuallyTrue("the first buffered action") { schedule.describe().let { it.actionsTaken == 2L && it.waitingActions == 1 } }
            assertEquals(listOf("2025-12-01T00:00:00Z" to WorkflowStatus.COMPLETED, "2025-12-02T00:00:00Z" to WorkflowStatus.RUNNING), runs())
            release("2025-12-02T00:00:00Z")
            eventuallyTrue("the second buffered action") { schedule.describe().let { it.actionsTaken == 3L && it.waitingActions == 0 } }
            assertEquals(
                listOf("2025-12-01T00:00:00Z" to WorkflowStatus.COMPLETED, "2025-12-02T00:00:00Z" to WorkflowStatus.COMPLETED, "2025-12-02T01:00:00Z" to WorkflowStatus.RUNNING),
                runs(),
            )
            release("2025-12-02T01:00:00Z")
            assertEquals("2025-12-02T01:00:00Z", kadence.client.handle(WaitsForGo, "filled-2025-12-02T01:00:00Z").result(30.seconds))

            val d = schedule.describe()
            assertEquals(3L, d.actionsTaken)
            assertEquals(2L, d.overlapSkipped)
            assertEquals(
                listOf(
                    "2025-12-01T00:00:00Z" to "filled-2025-12-01T00:00:00Z", "2025-12-01T01:00:00Z" to null, "2025-12-01T02:00:00Z" to null,
                    "2025-12-02T00:00:00Z" to "filled-2025-12-02T00:00:00Z", "2025-12-02T01:00:00Z" to "filled-2025-12-02T01:00:00Z",
                ),
                d.recentActions.map { it.nominalTime.toString() to it.workflowId },
            )
            assertTrue(d.recentActions.all { it.source == "backfill" })
            assertEquals(3, kadence.client.count(WorkflowStatus.COMPLETED, "WaitsForGo"))
        }
    }

    @Test
    fun `jitter delays each action by its own fixed amount within the bound, once per nominal time, and runs carry the schedule id and nominal time`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("sched", TestStores.workerOptions()) { register(Stamp) }.start()
            val spec = ScheduleSpec.every(1.hours).between(t("2026-01-01T01:00:00Z"), t("2026-01-01T06:00:00Z")).withJitter(20.minutes)
            val schedule = kadence.client.schedules.create("jittered", spec, Stamp, "j") { taskQueue = "sched" }
            val nominal = (1..6).map { t("2026-01-01T0$it:00:00Z") }
            eventuallyTrue("six actions", 60.seconds) {
                schedule.describe().actionsTaken == 6L && kadence.client.count(WorkflowStatus.COMPLETED, "Stamp") == 6
            }
            val delays = nominal.map { spec.jitterFor("jittered", it) }
            assertTrue(delays.all { it in 0..20.minutes.inWholeMilliseconds }, "delays $delays")
            assertTrue(delays.toSet().size > 1, "the delay differs between nominal times: $delays")
            assertEquals(delays, nominal.map { spec.jitterFor("jittered", it) })

            // Each run started exactly its nominal time's delay after it, once.
            val runs = kadence.client.list(workflowType = "Stamp").sortedBy { it.workflowId }
            assertEquals(nominal.map { "jittered-$it" }, runs.map { it.workflowId })
            assertEquals(nominal.zip(delays).map { (n, d) -> n.plusMillis(d) }, runs.map { it.startTime })
            val d = schedule.describe()
            assertEquals(nominal, d.recentActions.map { it.nominalTime })
            assertEquals(nominal.zip(delays).map { (n, dl) -> n.plusMillis(dl) }, d.recentActions.map { it.takenAt })
            assertEquals(emptyList(), d.nextActionTimes)
            assertEquals(0L, d.overlapSkipped)

            // The headers say which schedule started the run and for which nominal time (not when it started).
            for ((n, run) in nominal.zip(runs)) {
                val started = kadence.client.handle(Stamp, run.workflowId).history().toList().first().attributes as WorkflowStarted
                assertEquals(mapOf(ScheduleHeaders.SCHEDULE_ID to "\"jittered\"", ScheduleHeaders.NOMINAL_TIME to "\"$n\""), started.headers)
                assertEquals("j@$n", kadence.client.handle(Stamp, run.workflowId).result(30.seconds))
            }
        }
    }
}
