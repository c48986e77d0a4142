package io.kadence.java

import io.kadence.client.Backfill
import io.kadence.client.ScheduleDescription
import io.kadence.java.internal.JavaWorkflows
import io.kadence.java.internal.async
import io.kadence.java.internal.blocking
import io.kadence.schedule.OverlapPolicy
import io.kadence.schedule.ScheduleSpec
import java.time.Instant
import java.util.concurrent.CompletableFuture
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

/** Schedules from Java: blocking calls on the same engine, each with an `…Async` twin returning a CompletableFuture. */
public class ScheduleClient internal constructor(private val schedules: io.kadence.client.ScheduleClient) {
    /**
     * Creates schedule [id] that starts the Java workflow [workflow] with [input] on [spec]. A duplicate
     * id throws `ScheduleAlreadyExistsException`.
     */
    public fun <I> create(id: String, spec: ScheduleSpec, workflow: Class<out JavaWorkflow<I, *>>, input: I, options: ScheduleOptions): ScheduleHandle =
        blocking { createSuspending(id, spec, workflow, input, options) }

    /** The CompletableFuture twin of create. */
    public fun <I> createAsync(
        id: String, spec: ScheduleSpec, workflow: Class<out JavaWorkflow<I, *>>, input: I, options: ScheduleOptions,
    ): CompletableFuture<ScheduleHandle> = async { createSuspending(id, spec, workflow, input, options) }

    private suspend fun <I> createSuspending(
        id: String, spec: ScheduleSpec, workflow: Class<out JavaWorkflow<I, *>>, input: I, options: ScheduleOptions,
    ): ScheduleHandle {
        @Suppress("UNCHECKED_CAST")
        val definition = JavaWorkflows.definition(workflow as Class<JavaWorkflow<I, Any?>>)
        return ScheduleHandle(schedules.create(id, spec, definition, input, options.apply))
    }

    /** The schedule [id] (not checked until used). */
    public fun handle(id: String): ScheduleHandle = ScheduleHandle(schedules.handle(id))

    /** Every schedule of the namespace. */
    public fun list(): List<ScheduleDescription> = blocking { schedules.list() }

    /** The CompletableFuture twin of list. */
    public fun listAsync(): CompletableFuture<List<ScheduleDescription>> = async { schedules.list() }
}

/** One schedule, from Java. Each call has an `…Async` twin returning a CompletableFuture. */
public class ScheduleHandle internal constructor(private val handle: io.kadence.client.ScheduleHandle) {
    /** The schedule id. */
    public fun id(): String = handle.id

    /** Its spec, state, next [nextActions] times and recent actions; `ScheduleNotFoundException` if it does not exist. */
    public fun describe(nextActions: Int): ScheduleDescription = blocking { handle.describe(nextActions) }
    /** The CompletableFuture twin of describe. */
    public fun describeAsync(nextActions: Int): CompletableFuture<ScheduleDescription> = async { handle.describe(nextActions) }

    /** Pauses it (idempotent): no scheduled actions while paused; trigger and backfill still work. */
    public fun pause(note: String?): Unit = blocking { handle.pause(note) }
    /** The CompletableFuture twin of pause. */
    public fun pauseAsync(note: String?): CompletableFuture<Void?> = async { handle.pause(note); null }

    /** Unpauses it (idempotent); paused time is not caught up. */
    public fun unpause(note: String?): Unit = blocking { handle.unpause(note) }
    /** The CompletableFuture twin of unpause. */
    public fun unpauseAsync(note: String?): CompletableFuture<Void?> = async { handle.unpause(note); null }

    /** Takes an action now (even while paused); [overlap] null = the schedule's policy. */
    public fun trigger(overlap: OverlapPolicy?): Unit = blocking { handle.trigger(overlap) }
    /** The CompletableFuture twin of trigger. */
    public fun triggerAsync(overlap: OverlapPolicy?): CompletableFuture<Void?> = async { handle.trigger(overlap); null }

    /** Takes the spec's actions in [from, to] (inclusive) with [overlap]; returns how many. */
    public fun backfill(from: Instant, to: Instant, overlap: OverlapPolicy): Int = blocking { handle.backfill(Backfill(from, to, overlap)) }

    /**
     * Takes the spec's actions in each of [ranges] (`new Backfill(from, to, OverlapPolicy.BUFFER_ALL)`, both
     * ends inclusive), each range with its own overlap policy; returns how many actions in all.
     */
    public fun backfill(vararg ranges: Backfill): Int = blocking { handle.backfill(*ranges) }
    /** The CompletableFuture twin of backfill. */
    public fun backfillAsync(vararg ranges: Backfill): CompletableFuture<Int> = async { handle.backfill(*ranges) }

    /**
     * Changes the schedule: its [spec] (from now on), its [overlap] policy and its [catchupWindow]; each
     * null keeps what the schedule has. `ScheduleNotFoundException` if it does not exist.
     */
    public fun update(spec: ScheduleSpec?, overlap: OverlapPolicy?, catchupWindow: JDuration?): Unit =
        blocking { handle.update(spec, overlap, catchupWindow?.toKotlinDuration()) }
    /** The CompletableFuture twin of update. */
    public fun updateAsync(spec: ScheduleSpec?, overlap: OverlapPolicy?, catchupWindow: JDuration?): CompletableFuture<Void?> =
        async { handle.update(spec, overlap, catchupWindow?.toKotlinDuration()); null }

    /** Deletes it; runs it started go on. */
    public fun delete(): Unit = blocking { handle.delete() }
    /** The CompletableFuture twin of delete. */
    public fun deleteAsync(): CompletableFuture<Void?> = async { handle.delete(); null }
}
