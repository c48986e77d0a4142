package io.kadence.client

import io.kadence.KadenceDsl
import io.kadence.converter.Payloads
import io.kadence.internal.runtime.Engine
import io.kadence.internal.spi.BackfillRange
import io.kadence.internal.spi.ScheduleRecord
import io.kadence.schedule.OverlapPolicy
import io.kadence.schedule.SchedulePolicies
import io.kadence.schedule.ScheduleSpec
import io.kadence.schedule.ScheduleWorkflowAction
import io.kadence.workflow.WorkflowDefinition
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.time.Instant
import kotlin.time.Duration
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.milliseconds

/** How a schedule's workflow is started and how the schedule acts. */
@KadenceDsl
public class ScheduleOptions {
    /** The task queue of the workflows it starts. */
    public var taskQueue: String = "default"

    /** What happens when an action comes due while the previous action's run is open (default SKIP). */
    public var overlap: OverlapPolicy = OverlapPolicy.SKIP

    /** After downtime, missed actions younger than this still run; older ones are counted as missed. */
    public var catchupWindow: Duration = 365.days

    /** Create it paused (with [note]). */
    public var paused: Boolean = false

    /** A note for operators (why it is paused). */
    public var note: String? = null

    /** Execution and run timeouts of the workflows it starts. */
    public var executionTimeout: Duration? = null
    public var runTimeout: Duration? = null
}

/** A backfill range: the nominal times of the spec in [start, end] (both inclusive), run with [overlap]. */
public data class Backfill(val start: Instant, val end: Instant, val overlap: OverlapPolicy = OverlapPolicy.ALLOW_ALL)

/** One action a schedule took or skipped. */
public data class ScheduleAction(
    val nominalTime: Instant,
    val takenAt: Instant,
    /** `scheduled`, `trigger` or `backfill`. */
    val source: String,
    /** The workflow it started, or null when the overlap policy skipped it. */
    val workflowId: String?,
    val runId: String?,
)

/** A schedule as `describe()` returns it. */
public data class ScheduleDescription(
    val id: String,
    val spec: ScheduleSpec,
    val workflowType: String,
    val taskQueue: String,
    val overlap: OverlapPolicy,
    @get:JvmSynthetic val catchupWindow: Duration,
    val paused: Boolean,
    val note: String?,
    /** The next nominal action times (as many as asked for; fewer when the spec ends). */
    val nextActionTimes: List<Instant>,
    /** The last ten actions, oldest first. */
    val recentActions: List<ScheduleAction>,
    /** Actions waiting for an open run to close (BUFFER_ONE / BUFFER_ALL / CANCEL_OTHER), and triggers and backfills not yet taken. */
    val waitingActions: Int,
    val actionsTaken: Long,
    val missedCatchupWindow: Long,
    val overlapSkipped: Long,
    val createdAt: Instant,
    val updatedAt: Instant,
) {
    /** [catchupWindow] as a `java.time.Duration`: Java's `getCatchupWindow()`. */
    @get:JvmName("getCatchupWindow") public val javaCatchupWindow: java.time.Duration get() = java.time.Duration.ofMillis(catchupWindow.inWholeMilliseconds)
}

/**
 * Schedules: workflows started on a spec, durably, on the engine's clock. Runs a schedule starts have
 * the workflow id `<schedule id>-<nominal time>` and carry the schedule id and nominal time in their
 * headers (`ScheduleHeaders`).
 *
 * ```
 * kadence.client.schedules.create("nightly-report", ScheduleSpec.cron("0 2 * * *", ZoneId.of("Europe/Paris")), Report, Unit) {
 *     taskQueue = "reports"; overlap = OverlapPolicy.BUFFER_ONE
 * }
 * ```
 */
public class ScheduleClient internal constructor(private val engine: Engine) {
    /**
     * Creates schedule [id] that starts [workflow] with [input] on [spec]. A duplicate id throws
     * [io.kadence.failure.ScheduleAlreadyExistsException].
     */
    public suspend fun <I> create(
        id: String, spec: ScheduleSpec, workflow: WorkflowDefinition<I, *>, input: I, options: ScheduleOptions.() -> Unit = {},
    ): ScheduleHandle {
        Validation.checkId("schedule id", id, max = MAX_SCHEDULE_ID_LENGTH)
        val o = ScheduleOptions().apply(options)
        Validation.checkId("task queue of schedule '$id'", o.taskQueue)
        val payload = Payloads.encode(engine.converter, input, workflow.inputType, "input of schedule '$id'")
        val action = ScheduleWorkflowAction(workflow.name, o.taskQueue, payload, o.executionTimeout?.inWholeMilliseconds, o.runTimeout?.inWholeMilliseconds)
        val policies = SchedulePolicies(o.overlap, o.catchupWindow.inWholeMilliseconds)
        withContext(Dispatchers.IO) {
            engine.atClientTime { now -> engine.store.schedules.create(engine.namespace, id, spec, action, policies, o.paused, o.note, now) }
        }
        return handle(id)
    }

    /** The schedule [id] (not checked until used). */
    public fun handle(id: String): ScheduleHandle = ScheduleHandle(engine, id.also { Validation.checkId("schedule id", it, max = MAX_SCHEDULE_ID_LENGTH) })

    /** Every schedule of this namespace. */
    public suspend fun list(): List<ScheduleDescription> = withContext(Dispatchers.IO) {
        engine.store.schedules.list(engine.namespace).map { describe(it, 0) }
    }
}

/** Operations on one schedule. */
public class ScheduleHandle internal constructor(private val engine: Engine, public val id: String) {
    private suspend fun <T> io(block: (now: Long) -> T): T = withContext(Dispatchers.IO) { engine.atClientTime(block) }

    /** The schedule's spec, state, next [nextActions] action times and recent actions. */
    public suspend fun describe(nextActions: Int = 5): ScheduleDescription = io { _ ->
        val r = engine.store.schedules.get(engine.namespace, id) ?: throw io.kadence.failure.ScheduleNotFoundException(id)
        describe(r, nextActions)
    }

    /** Pauses it (idempotent): no scheduled actions while paused; [trigger] and [backfill] still work. */
    public suspend fun pause(note: String? = null): Unit = io { now -> engine.store.schedules.setPaused(engine.namespace, id, true, note, now) }

    /** Unpauses it (idempotent); the time it was paused is not caught up. */
    public suspend fun unpause(note: String? = null): Unit = io { now -> engine.store.schedules.setPaused(engine.namespace, id, false, note, now) }

    /** Takes an action now (even while paused), with [overlap] or the schedule's policy. */
    public suspend fun trigger(overlap: OverlapPolicy? = null): Unit = io { now -> engine.store.schedules.trigger(engine.namespace, id, overlap, now) }

    /** Takes the actions of the spec's nominal times in each range (inclusive), each range with its own overlap policy; returns how many. */
    public suspend fun backfill(vararg ranges: Backfill): Int = io { now ->
        engine.store.schedules.backfill(engine.namespace, id, ranges.map { BackfillRange(it.start.toEpochMilli(), it.end.toEpochMilli(), it.overlap) }, now)
    }

    /** Changes the spec (from now on) and the policies. */
    public suspend fun update(spec: ScheduleSpec? = null, overlap: OverlapPolicy? = null, catchupWindow: Duration? = null): Unit = io { now ->
        val current = engine.store.schedules.get(engine.namespace, id) ?: throw io.kadence.failure.ScheduleNotFoundException(id)
        val policies = if (overlap == null && catchupWindow == null) null else SchedulePolicies(
            overlap ?: current.policies.overlap, catchupWindow?.inWholeMilliseconds ?: current.policies.catchupWindowMillis,
        )
        engine.store.schedules.update(engine.namespace, id, spec, null, policies, now)
    }

    /** Deletes it; runs it started go on. */
    public suspend fun delete(): Unit = io { _ -> engine.store.schedules.delete(engine.namespace, id) }
}

private fun describe(r: ScheduleRecord, nextActions: Int): ScheduleDescription {
    val next = ArrayList<Instant>()
    var t: Instant? = Instant.ofEpochMilli(r.cursorMillis)
    while (next.size < nextActions) {
        t = r.spec.nextAfter(t ?: break) ?: break
        next += t
    }
    return ScheduleDescription(
        id = r.id, spec = r.spec, workflowType = r.action.workflowType, taskQueue = r.action.taskQueue,
        overlap = r.policies.overlap, catchupWindow = r.policies.catchupWindowMillis.milliseconds,
        paused = r.paused, note = r.note, nextActionTimes = next,
        recentActions = r.state.recent.map {
            ScheduleAction(Instant.ofEpochMilli(it.nominalTimeMillis), Instant.ofEpochMilli(it.takenAtMillis), it.source, it.workflowId, it.runId)
        },
        waitingActions = r.state.buffer.size, actionsTaken = r.state.actions,
        missedCatchupWindow = r.state.missedCatchupWindow, overlapSkipped = r.state.overlapSkipped,
        createdAt = Instant.ofEpochMilli(r.createdAt), updatedAt = Instant.ofEpochMilli(r.updatedAt),
    )
}

/** The longest schedule id the store keeps (its own check says so too). */
private const val MAX_SCHEDULE_ID_LENGTH = 200
