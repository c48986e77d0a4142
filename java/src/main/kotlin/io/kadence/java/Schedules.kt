package io.kadence.java

import io.kadence.client.Backfill
import io.kadence.client.ScheduleDescription
import io.kadence.java.internal.JavaWorkflows
import io.kadence.schedule.OverlapPolicy
import io.kadence.schedule.ScheduleSpec
import java.time.Instant
import kotlin.time.toKotlinDuration
import java.time.Duration as JDuration

/** Options of a schedule created from Java: task queue, overlap policy, catch-up window, paused with a note. */
public class ScheduleOptions private constructor(@get:JvmSynthetic internal val apply: io.kadence.client.ScheduleOptions.() -> Unit) {
    /** A builder; start one with newBuilder(). */
    public class Builder internal constructor() {
        private val steps = ArrayList<io.kadence.client.ScheduleOptions.() -> Unit>()

        /** The task queue of the workflows it starts. */
        public fun taskQueue(q: String): Builder = apply { steps += { taskQueue = q } }

        /** What happens when an action comes due while the previous run is open (default SKIP). */
        public fun overlap(p: OverlapPolicy): Builder = apply { steps += { overlap = p } }

        /** Missed actions younger than this still run after downtime (default one year). */
        public fun catchupWindow(d: JDuration): Builder = apply { steps += { catchupWindow = d.toKotlinDuration() } }

        /** Creates it paused, with [note]. */
        public fun paused(note: String?): Builder = apply { steps += { paused = true; this.note = note } }

        /** Builds the options. */
        public fun build(): ScheduleOptions {
            val s = steps.toList()
            return ScheduleOptions { s.forEach { it() } }
        }
    }

    /** Factory methods. */
    public companion object {
        /** A builder. */
        @JvmStatic public fun newBuilder(): Builder = Builder()
    }
}

/** Schedules from Java: blocking calls on the same engine. */
public class ScheduleClient internal constructor(private val schedules: io.kadence.client.ScheduleClient) {
    /** Creates schedule [id] that starts the Java workflow [workflow] with [input] on [spec]. */
    public fun <I> create(id: String, spec: ScheduleSpec, workflow: Class<out JavaWorkflow<I, *>>, input: I, options: ScheduleOptions): ScheduleHandle = blocking {
        @Suppress("UNCHECKED_CAST")
        val definition = JavaWorkflows.definition(workflow as Class<JavaWorkflow<I, Any?>>)
        ScheduleHandle(schedules.create(id, spec, definition, input, options.apply))
    }

    /** The schedule [id]. */
    public fun handle(id: String): ScheduleHandle = ScheduleHandle(schedules.handle(id))

    /** Every schedule of the namespace. */
    public fun list(): List<ScheduleDescription> = blocking { schedules.list() }
}

/** One schedule, from Java. */
public class ScheduleHandle internal constructor(private val handle: io.kadence.client.ScheduleHandle) {
    /** The schedule id. */
    public fun id(): String = handle.id

    /** Its spec, state, next [nextActions] times and recent actions. */
    public fun describe(nextActions: Int): ScheduleDescription = blocking { handle.describe(nextActions) }

    /** Pauses it (idempotent). */
    public fun pause(note: String?): Unit = blocking { handle.pause(note) }

    /** Unpauses it (idempotent); paused time is not caught up. */
    public fun unpause(note: String?): Unit = blocking { handle.unpause(note) }

    /** Takes an action now (even while paused); [overlap] null = the schedule's policy. */
    public fun trigger(overlap: OverlapPolicy?): Unit = blocking { handle.trigger(overlap) }

    /** Takes the spec's actions in [from, to] (inclusive) with [overlap]; returns how many. */
    public fun backfill(from: Instant, to: Instant, overlap: OverlapPolicy): Int = blocking { handle.backfill(Backfill(from, to, overlap)) }

    /** Deletes it; runs it started go on. */
    public fun delete(): Unit = blocking { handle.delete() }
}
