package io.kadence.internal.store

import io.kadence.failure.InvalidArgumentException
import io.kadence.failure.ScheduleAlreadyExistsException
import io.kadence.failure.ScheduleNotFoundException
import io.kadence.history.FailureInfo
import io.kadence.history.WorkflowCancelRequested
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTerminated
import io.kadence.internal.ids.OrderedIds
import io.kadence.internal.spi.BackfillRange
import io.kadence.internal.spi.RunStatus
import io.kadence.internal.spi.ScheduleRecord
import io.kadence.internal.spi.ScheduleStore
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.schedule.OverlapPolicy
import io.kadence.schedule.PendingScheduleAction
import io.kadence.schedule.ScheduleActionRecord
import io.kadence.schedule.ScheduleHeaders
import io.kadence.schedule.SchedulePolicies
import io.kadence.schedule.ScheduleSpec
import io.kadence.schedule.ScheduleState
import io.kadence.schedule.ScheduleWorkflowAction
import kotlinx.serialization.encodeToString
import kotlinx.serialization.json.Json
import org.jetbrains.exposed.v1.core.ResultRow
import org.jetbrains.exposed.v1.core.SortOrder
import org.jetbrains.exposed.v1.core.and
import org.jetbrains.exposed.v1.core.eq
import org.jetbrains.exposed.v1.core.isNotNull
import org.jetbrains.exposed.v1.core.lessEq
import org.jetbrains.exposed.v1.core.min
import org.jetbrains.exposed.v1.core.vendors.ForUpdateOption
import org.jetbrains.exposed.v1.jdbc.deleteWhere
import org.jetbrains.exposed.v1.jdbc.insert
import org.jetbrains.exposed.v1.jdbc.select
import org.jetbrains.exposed.v1.jdbc.selectAll
import org.jetbrains.exposed.v1.jdbc.update
import java.time.Instant

/**
 * Schedules on the relational store, and the scheduler that acts on them. Every action is taken in
 * the transaction that moves the schedule's cursor past its nominal time, under the schedule's row
 * lock, and starts a workflow whose id is the schedule id and the nominal time (with that as its
 * request id): two schedulers, or one that crashed after its commit and runs again, cannot start an
 * action twice.
 */
internal class JdbcScheduleStore(private val store: JdbcHistoryStore) : ScheduleStore {
    private val json = Json { encodeDefaults = true; ignoreUnknownKeys = true }

    override fun create(
        namespace: String, id: String, spec: ScheduleSpec, action: ScheduleWorkflowAction, policies: SchedulePolicies,
        paused: Boolean, note: String?, now: Long,
    ) {
        if (id.isBlank() || id.length > 200) throw InvalidArgumentException("a schedule id must be 1 to 200 characters, was '${id.take(50)}'")
        store.write {
            val exists = Schedules.select(Schedules.scheduleId).where { key(namespace, id) }.any()
            if (exists) throw ScheduleAlreadyExistsException(id)
            Schedules.insert {
                it[Schedules.namespace] = namespace
                it[scheduleId] = id
                it[Schedules.spec] = json.encodeToString(ScheduleSpec.serializer(), spec)
                it[Schedules.action] = json.encodeToString(ScheduleWorkflowAction.serializer(), action)
                it[Schedules.policies] = json.encodeToString(SchedulePolicies.serializer(), policies)
                it[Schedules.paused] = paused
                it[Schedules.note] = note?.take(2000)
                it[cursor] = now
                it[nextCheck] = nextCheckFor(id, spec, paused, now, ScheduleState())
                it[state] = json.encodeToString(ScheduleState.serializer(), ScheduleState())
                it[createdAt] = now
                it[updatedAt] = now
            }
        }
        store.listener.timerScheduled(now)
    }

    override fun get(namespace: String, id: String): ScheduleRecord? = store.read {
        Schedules.selectAll().where { key(namespace, id) }.firstOrNull()?.let(::record)
    }

    override fun list(namespace: String): List<ScheduleRecord> = store.read {
        Schedules.selectAll().where { Schedules.namespace eq namespace }.orderBy(Schedules.scheduleId).map(::record)
    }

    override fun update(namespace: String, id: String, spec: ScheduleSpec?, action: ScheduleWorkflowAction?, policies: SchedulePolicies?, now: Long) {
        mutate(namespace, id, now) { r ->
            // The new spec applies from now: times between the old cursor and now are not caught up under it.
            r.copy(
                spec = spec ?: r.spec, action = action ?: r.action, policies = policies ?: r.policies,
                cursorMillis = if (spec != null) maxOf(r.cursorMillis, now) else r.cursorMillis,
            )
        }
    }

    override fun setPaused(namespace: String, id: String, paused: Boolean, note: String?, now: Long) {
        mutate(namespace, id, now) { r ->
            if (r.paused == paused && note == null) r
            // Unpausing does not catch up the time the schedule was paused.
            else r.copy(paused = paused, note = note ?: r.note, cursorMillis = if (!paused && r.paused) maxOf(r.cursorMillis, now) else r.cursorMillis)
        }
    }

    override fun trigger(namespace: String, id: String, overlap: OverlapPolicy?, now: Long) {
        mutate(namespace, id, now) { r ->
            r.copy(state = r.state.copy(buffer = r.state.buffer + PendingScheduleAction(now, overlap ?: r.policies.overlap, "trigger")))
        }
    }

    override fun backfill(namespace: String, id: String, ranges: List<BackfillRange>, now: Long): Int {
        var added = 0
        mutate(namespace, id, now) { r ->
            val items = ranges.flatMap { range ->
                if (range.toMillis < range.fromMillis) throw InvalidArgumentException("backfill range ends before it starts: $range")
                r.spec.timesBetween(Instant.ofEpochMilli(range.fromMillis), Instant.ofEpochMilli(range.toMillis))
                    .map { PendingScheduleAction(it.toEpochMilli(), range.overlap, "backfill") }
            }
            added = items.size
            r.copy(state = r.state.copy(buffer = r.state.buffer + items))
        }
        return added
    }

    override fun delete(namespace: String, id: String) {
        store.write {
            if (Schedules.deleteWhere { key(namespace, id) } != 1) throw ScheduleNotFoundException(id)
        }
    }

    /** Changes a schedule under its row lock, then lets the scheduler look at it at once. */
    private fun mutate(namespace: String, id: String, now: Long, change: (ScheduleRecord) -> ScheduleRecord) {
        store.write {
            val row = Schedules.selectAll().where { key(namespace, id) }.forUpdate().firstOrNull() ?: throw ScheduleNotFoundException(id)
            save(change(record(row)), now, nextCheck = now)
        }
        store.listener.timerScheduled(now)
    }

    // ---------------------------------------------------------------- the scheduler

    override fun process(now: Long, max: Int): Int {
        val due = store.read {
            Schedules.select(Schedules.namespace, Schedules.scheduleId)
                .where { Schedules.nextCheck.isNotNull() and (Schedules.nextCheck lessEq now) }
                .orderBy(Schedules.nextCheck to SortOrder.ASC).limit(max)
                .map { it[Schedules.namespace] to it[Schedules.scheduleId] }
        }
        for ((ns, id) in due) store.write { hints -> processOne(ns, id, now, hints) }
        return due.size
    }

    override fun nextCheck(): Long? = store.read {
        Schedules.select(Schedules.nextCheck.min()).firstOrNull()?.get(Schedules.nextCheck.min())
    }

    private fun processOne(namespace: String, id: String, now: Long, hints: JdbcHistoryStore.Hints) {
        // Another scheduler holding it is working on it: skip rather than wait.
        val row = Schedules.selectAll().where { key(namespace, id) }
            .forUpdate(ForUpdateOption.PostgreSQL.ForUpdate(ForUpdateOption.PostgreSQL.MODE.SKIP_LOCKED)).firstOrNull() ?: return
        var r = record(row)
        if ((row[Schedules.nextCheck] ?: Long.MAX_VALUE) > now) return
        var state = r.state
        var cursor = r.cursorMillis
        // The nominal times that came due since the cursor (each once its jitter has passed).
        var t = r.spec.nextAfter(Instant.ofEpochMilli(cursor))
        var steps = 0
        while (t != null && t.toEpochMilli() + r.spec.jitterFor(id, t) <= now && steps++ < 1_000) {
            cursor = t.toEpochMilli()
            state = when {
                r.paused -> state
                now - t.toEpochMilli() > r.policies.catchupWindowMillis -> state.copy(missedCatchupWindow = state.missedCatchupWindow + 1)
                else -> state.copy(buffer = state.buffer + PendingScheduleAction(t.toEpochMilli(), r.policies.overlap, "scheduled"))
            }
            t = r.spec.nextAfter(t)
        }
        state = drain(r, state, now, hints)
        r = r.copy(cursorMillis = cursor, state = state)
        save(r, now, nextCheckFor(id, r.spec, r.paused, cursor, state, now))
    }

    /** Takes the waiting actions in order, as their overlap policies allow. */
    private fun drain(r: ScheduleRecord, initial: ScheduleState, now: Long, hints: JdbcHistoryStore.Hints): ScheduleState {
        var state = initial
        while (state.buffer.isNotEmpty()) {
            val item = state.buffer.first()
            val open = state.lastWorkflowId?.let { openRun(r.namespace, it) }
            if (open == null || item.overlap == OverlapPolicy.ALLOW_ALL) {
                state = start(r, item, state, now, hints)
                continue
            }
            when (item.overlap) {
                OverlapPolicy.SKIP -> state = skip(state, item, now)
                OverlapPolicy.TERMINATE_OTHER -> {
                    val why = "terminated by schedule '${r.id}': the action of ${Instant.ofEpochMilli(item.nominalTimeMillis)} replaces it (overlap policy TERMINATE_OTHER)"
                    store.closeByEngine(open, WorkflowTerminated(why), RunStatus.TERMINATED, FailureInfo(why, "Terminated", FailureInfo.KIND_TERMINATED), now, hints)
                    state = start(r, item, state, now, hints)
                }
                OverlapPolicy.CANCEL_OTHER -> {
                    val workflowId = open[WorkflowExecutions.workflowId]
                    if (state.cancelRequestedFor != workflowId) {
                        store.addInput(open, WorkflowCancelRequested("canceled by schedule '${r.id}' for its next action (overlap policy CANCEL_OTHER)"), now, hints)
                        state = state.copy(cancelRequestedFor = workflowId)
                    }
                    return state
                }
                OverlapPolicy.BUFFER_ONE -> {
                    // One waits; later BUFFER_ONE actions are dropped.
                    val extra = state.buffer.drop(1).filter { it.overlap == OverlapPolicy.BUFFER_ONE }
                    for (e in extra) state = skip(state, e, now)
                    return state
                }
                OverlapPolicy.BUFFER_ALL -> return state
                OverlapPolicy.ALLOW_ALL -> error("unreachable")
            }
        }
        return state
    }

    private fun skip(state: ScheduleState, item: PendingScheduleAction, now: Long): ScheduleState = state.copy(
        buffer = state.buffer - item,
        overlapSkipped = state.overlapSkipped + 1,
        recent = (state.recent + ScheduleActionRecord(item.nominalTimeMillis, now, item.source, null, null)).takeLast(RECENT),
    )

    /** Starts the action's workflow in this transaction: id and request id are the schedule id and nominal time. */
    private fun start(r: ScheduleRecord, item: PendingScheduleAction, state: ScheduleState, now: Long, hints: JdbcHistoryStore.Hints): ScheduleState {
        val nominal = Instant.ofEpochMilli(item.nominalTimeMillis)
        // A nominal time of the spec starts one workflow, whoever takes it (a second scheduler, a backfill
        // over a time that already ran, a retry); each trigger is an action of its own.
        val workflowId = if (item.source == "trigger") "${r.id}-$nominal-trigger-${state.actions + 1}" else "${r.id}-$nominal"
        val runId = OrderedIds.next()
        val a = r.action
        val started = WorkflowStarted(
            workflowType = a.workflowType, workflowId = workflowId, taskQueue = a.taskQueue, input = a.input, namespace = r.namespace,
            executionTimeoutMillis = a.executionTimeoutMillis, runTimeoutMillis = a.runTimeoutMillis,
            headers = mapOf(ScheduleHeaders.SCHEDULE_ID to Json.encodeToString(r.id), ScheduleHeaders.NOMINAL_TIME to Json.encodeToString(nominal.toString())),
            runId = runId,
        )
        val result = store.startRun(
            StartWorkflowRequest(r.namespace, workflowId, a.workflowType, a.taskQueue, runId, workflowId, started, now,
                idReusePolicy = "ALLOW_DUPLICATE", idConflictPolicy = "USE_EXISTING"),
            hints,
        )
        return state.copy(
            buffer = state.buffer - item,
            lastWorkflowId = workflowId,
            cancelRequestedFor = null,
            actions = state.actions + 1,
            recent = (state.recent + ScheduleActionRecord(item.nominalTimeMillis, now, item.source, workflowId, result.runId)).takeLast(RECENT),
        )
    }

    /** The open run of [workflowId], locked, or null when it has closed. */
    private fun openRun(namespace: String, workflowId: String): ResultRow? =
        store.resolveRunId(namespace, workflowId, null)?.let(store::lockOpenRun)

    /**
     * When to look at the schedule again: at its next action time (plus jitter), or within a second
     * while actions wait for a run to close.
     */
    private fun nextCheckFor(id: String, spec: ScheduleSpec, paused: Boolean, cursor: Long, state: ScheduleState, now: Long = cursor): Long? {
        // A paused schedule takes no scheduled actions (unpausing moves its cursor to then); triggers and backfills still run.
        val next = if (paused) null else spec.nextAfter(Instant.ofEpochMilli(cursor))?.let { it.toEpochMilli() + spec.jitterFor(id, it) }
        val waiting = if (state.buffer.isNotEmpty()) now + WAIT_POLL_MILLIS else null
        return listOfNotNull(next, waiting).minOrNull()
    }

    private fun save(r: ScheduleRecord, now: Long, nextCheck: Long?) {
        Schedules.update({ key(r.namespace, r.id) }) {
            it[spec] = json.encodeToString(ScheduleSpec.serializer(), r.spec)
            it[action] = json.encodeToString(ScheduleWorkflowAction.serializer(), r.action)
            it[policies] = json.encodeToString(SchedulePolicies.serializer(), r.policies)
            it[paused] = r.paused
            it[note] = r.note?.take(2000)
            it[cursor] = r.cursorMillis
            it[Schedules.nextCheck] = nextCheck
            it[state] = json.encodeToString(ScheduleState.serializer(), r.state)
            it[updatedAt] = now
        }
    }

    private fun record(row: ResultRow) = ScheduleRecord(
        namespace = row[Schedules.namespace],
        id = row[Schedules.scheduleId],
        spec = json.decodeFromString(ScheduleSpec.serializer(), row[Schedules.spec]),
        action = json.decodeFromString(ScheduleWorkflowAction.serializer(), row[Schedules.action]),
        policies = json.decodeFromString(SchedulePolicies.serializer(), row[Schedules.policies]),
        paused = row[Schedules.paused],
        note = row[Schedules.note],
        cursorMillis = row[Schedules.cursor],
        state = json.decodeFromString(ScheduleState.serializer(), row[Schedules.state]),
        createdAt = row[Schedules.createdAt],
        updatedAt = row[Schedules.updatedAt],
    )

    private fun key(namespace: String, id: String) = (Schedules.namespace eq namespace) and (Schedules.scheduleId eq id)

    private companion object {
        const val RECENT = 10
        const val WAIT_POLL_MILLIS = 1_000L
    }
}
