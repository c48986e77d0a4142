package io.kadence.internal.spi

import io.kadence.internal.InternalKadenceApi
import io.kadence.schedule.OverlapPolicy
import io.kadence.schedule.SchedulePolicies
import io.kadence.schedule.ScheduleSpec
import io.kadence.schedule.ScheduleState
import io.kadence.schedule.ScheduleWorkflowAction

/**
 * Schedules on the store. Implementors must take each action in the transaction that advances the
 * schedule past its nominal time, under the schedule's row lock, so that any number of schedulers
 * (and crashes between them) give exactly one action per nominal time.
 */
@InternalKadenceApi
public interface ScheduleStore {
    public fun create(namespace: String, id: String, spec: ScheduleSpec, action: ScheduleWorkflowAction, policies: SchedulePolicies, paused: Boolean, note: String?, now: Long)
    public fun get(namespace: String, id: String): ScheduleRecord?
    public fun list(namespace: String): List<ScheduleRecord>
    public fun update(namespace: String, id: String, spec: ScheduleSpec?, action: ScheduleWorkflowAction?, policies: SchedulePolicies?, now: Long)
    public fun setPaused(namespace: String, id: String, paused: Boolean, note: String?, now: Long)
    public fun trigger(namespace: String, id: String, overlap: OverlapPolicy?, now: Long)
    public fun backfill(namespace: String, id: String, ranges: List<BackfillRange>, now: Long): Int
    public fun delete(namespace: String, id: String)

    /** Takes the actions that are due at [now]; returns how many schedules it looked at. */
    public fun process(now: Long, max: Int): Int

    /** When some schedule next needs looking at, or null. */
    public fun nextCheck(): Long?
}

/** A backfill range: nominal times in [fromMillis, toMillis] (inclusive), run with [overlap]. */
@InternalKadenceApi
public data class BackfillRange(val fromMillis: Long, val toMillis: Long, val overlap: OverlapPolicy)

@InternalKadenceApi
public data class ScheduleRecord(
    val namespace: String,
    val id: String,
    val spec: ScheduleSpec,
    val action: ScheduleWorkflowAction,
    val policies: SchedulePolicies,
    val paused: Boolean,
    val note: String?,
    val cursorMillis: Long,
    val state: ScheduleState,
    val createdAt: Long,
    val updatedAt: Long,
)
