package io.kadence.internal.runtime

import io.kadence.failure.IllegalWorkflowStateException
import io.kadence.failure.StaleTaskException
import io.kadence.internal.engine.WorkflowExecutor
import io.kadence.history.EventAttributes
import io.kadence.history.HistoryEvent
import io.kadence.history.TimerFired
import io.kadence.history.WorkflowStarted
import io.kadence.internal.spi.ActivityTaskLease
import io.kadence.internal.spi.DueTimer
import io.kadence.internal.spi.TimerFiring
import io.kadence.internal.spi.StartResult
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.internal.spi.TaskCompletion
import io.kadence.internal.spi.WorkflowTaskLease
import io.kadence.internal.store.newRunRecord
import io.kadence.workflow.WorkflowDefinition
import kotlinx.coroutines.CompletableDeferred
import org.slf4j.LoggerFactory
import java.util.concurrent.ConcurrentHashMap

/**
 * Runs workflow tasks: finds the run in the cache or replays it, runs the task over its new
 * inputs, and commits the result in one transaction. A task that fails (non-determinism, an
 * unregistered type, a bug, blocked workflow code) is recorded on the run and retried with
 * back-off; the workflow itself stays open.
 */
internal class WorkflowTaskRunner(
    private val engine: Engine,
    private val workerId: String,
    private val taskQueue: String,
    private val definitions: Map<String, WorkflowDefinition<Any?, Any?>>,
    private val cache: WorkflowCache,
    private val deadlockMillis: Long,
    /** Runs workflow types with no definition here (see `Worker.registerDynamicWorkflow`). */
    private val dynamic: (suspend io.kadence.workflow.WorkflowScope.(String, io.kadence.converter.EncodedValues) -> Any?)? = null,
    /** Runs the local activities tasks ask for. */
    private val locals: LocalActivityRunner = LocalActivityRunner(engine, workerId, null),
    /** How long a workflow task lease lasts; a task running local activities extends it. */
    private val leaseMillis: Long = 10_000,
) {
    private val dynamicDefinitions = ConcurrentHashMap<String, WorkflowDefinition<Any?, Any?>>()

    /** The definition for [type]: registered, or the dynamic handler bound to that type name. */
    fun definitionOf(type: String): WorkflowDefinition<Any?, Any?>? = definitions[type] ?: dynamic?.let { handler ->
        dynamicDefinitions.computeIfAbsent(type) {
            WorkflowDefinition(type, io.kadence.converter.EncodedValues::class.java, Any::class.java) { input ->
                handler(type, input as io.kadence.converter.EncodedValues)
            }
        }
    }

    private val log = LoggerFactory.getLogger(WorkflowTaskRunner::class.java)
    private val running = ConcurrentHashMap<Thread, Long>()
    private val blocked = ConcurrentHashMap.newKeySet<Thread>()

    /** The task each watched thread runs (normal tasks; the fused path has no lease to fail). */
    private val runningTasks = ConcurrentHashMap<Thread, WorkflowTaskLease>()

    /**
     * Runs whose workflow code ignored the watchdog's interrupt and never came back (a CPU loop that
     * never yields), with the thread it holds. Their tasks are refused here until that thread ends, so
     * one poison run costs this worker one thread, not all of them.
     */
    private val stuck = ConcurrentHashMap<String, Thread>()

    /**
     * Runs workflow task [lease]. With [first], the lease is the one a start being committed will store
     * ([FirstTaskAttempt]): the outcome goes to that start if it still waits, else the task goes on
     * with the lease the start stored.
     */
    fun handle(lease: WorkflowTaskLease, first: FirstTaskAttempt? = null) {
        val run = lease.run
        /** The stored lease the task runs under: not known yet for a first task run ahead of its start. */
        var held: WorkflowTaskLease? = if (first == null) lease else null
        lease.readyAt?.let(engine::workflowTaskStarted)
        val definition = definitionOf(run.workflowType)
        if (definition == null) {
            fail(lease, "workflow type '${run.workflowType}' is not registered on worker $workerId (task queue '$taskQueue'); " +
                "registered: ${definitions.keys.sorted()}. The task is retried until a worker that has it polls this queue")
            return
        }
        stuck[run.runId]?.takeIf { it.isAlive }?.let { holder ->
            fail(lease, "an earlier workflow task of workflow '${run.workflowId}' (run ${run.runId}) is still running on thread " +
                "'${holder.name}': its code never yields and ignores interruption. This worker does not run the run again while " +
                "that thread is held; fix the workflow code (a loop must suspend) and restart the worker")
            return
        }
        var executor: WorkflowExecutor? = null
        val thread = Thread.currentThread()
        try {
            executor = cache.take(run.runId)?.let { cached ->
                if (cached.nextEventId == run.nextEventId) cached else null.also { cached.destroy() }
            }
            val history = if (executor == null) lease.history ?: engine.store.readHistory(run.runId) else null
            // Only workflow code is watched: an interrupt during store I/O could break the connection (or H2's file channel).
            runningTasks[thread] = lease
            running[thread] = System.nanoTime()
            executor = executor ?: WorkflowExecutor(definition, engine.converter, run.runId).also { it.replay(history!!) }
            val time = engine.clock.now()
            val events = executor.runTask(lease.inbox.map { it.attributes }, time, workerId)
            checkNotBlocked(thread, run.runId, run.workflowId)
            val locals = executor.takeLocalActivities()
            if (first != null) {
                if (locals.isEmpty() && first.offer(FirstTaskAttempt.Computed(events, executor, executor.rejectedUpdates.toMap()))) {
                    executor = null // the start's caller has it now
                    return
                }
                first.decline()
                stopWatching(thread) // waiting for the start's commit is not workflow code
                held = first.awaitStored() ?: return executor.destroy()
            }
            val stored = held!!
            runLocalActivities(executor, events, thread, run.workflowId, time, stored, locals)
            // Cached before the commit: the run's next task may be handed to this worker eagerly as the
            // commit returns, and must find it. Taken out again when the commit does not happen.
            cache.put(executor)
            val completion = try {
                engine.store.completeWorkflowTask(stored, events, stored.inbox.lastOrNull()?.seq ?: 0, engine.clock.now(), executor.rejectedUpdates.toMap())
            } catch (e: Throwable) {
                cache.discard(run.runId)
                throw e
            }
            if (completion != TaskCompletion.COMMITTED) {
                // Signals arrived while the task was closing the run: the executor ran ahead of history, so it is dropped.
                cache.discard(run.runId)
                log.debug("workflow task of '{}' (run {}) handed back: newer inputs arrived", run.workflowId, run.runId)
                return
            }
            logCommitted(run.workflowId, run.runId, events)
        } catch (e: StaleTaskException) {
            log.debug("dropped stale workflow task: {}", e.message)
        } catch (e: Throwable) {
            if (e is Error && e !is StackOverflowError && e !is OutOfMemoryError && e !is AssertionError) throw e
            val blockedError = if (stopWatching(thread)) blockedFailure(run.runId, run.workflowId) else null
            val failure = blockedError ?: e
            log.warn("workflow task of '{}' (run {}) failed: {}", run.workflowId, run.runId, failure.toString())
            // An executor that failed mid-task is not kept (it may be in the cache already if the commit failed).
            cache.discard(run.runId)
            executor?.destroy()
            if (first != null && held == null) {
                first.decline()
                held = first.awaitStored()
            }
            held?.let { fail(it, describe(failure)) }
        } finally {
            stopWatching(thread)
            runningTasks.remove(thread)
            stuck.remove(run.runId, thread)
            Thread.interrupted() // clear an interrupt from the watchdog
        }
    }

    /** The worker is closing: every cached run is destroyed. */
    fun destroyCached() = cache.clear()

    /** Stops watching [thread]; no interrupt reaches it afterwards. Returns true if the watchdog had flagged it. */
    @Synchronized
    private fun stopWatching(thread: Thread): Boolean {
        running.remove(thread)
        return blocked.remove(thread)
    }

    /**
     * The fused path (see [io.kadence.internal.spi.HistoryStore.completeActivityWithTask]): when the
     * activity's run is in this worker's cache and [poller] has a free slot, runs the workflow task
     * that consumes [outcome] now, on the calling thread, and commits it with the outcome in one
     * transaction. Returns false, having committed nothing, when that does not apply; the caller then
     * records the outcome the normal way.
     */
    fun completeActivityWithTask(lease: ActivityTaskLease, outcome: EventAttributes, poller: TaskPoller<*>): Boolean {
        val executor = cache.take(lease.runId) ?: return false
        if (!poller.tryReserve()) {
            cache.put(executor)
            return false
        }
        try {
            val now = engine.clock.now()
            val events = runAhead(executor, outcome, lease.workflowId, now) ?: return false
            cache.put(executor)
            val fused = try {
                engine.store.completeActivityWithTask(lease, outcome, events, now, executor.rejectedUpdates.toMap())
            } catch (e: Throwable) {
                cache.discard(lease.runId)
                throw e
            }
            // Not fused: the outcome was recorded as an input, and the executor ran ahead of history.
            if (!fused) cache.discard(lease.runId) else logCommitted(lease.workflowId, lease.runId, events)
            return true
        } finally {
            poller.release()
        }
    }

    /**
     * Fires [timer] with the workflow task that consumes it (see
     * [io.kadence.internal.spi.HistoryStore.fireTimerWithTask]) when its run is in this worker's
     * cache and [poller] has a free slot: the task runs in that slot, and the returned deferred
     * completes once it has committed (or given up). Null, having done nothing, when that does not
     * apply; the caller then fires the timer the ordinary way. A task that fails in memory or whose
     * commit fails leaves the timer due, and the timer service fires it the ordinary way next.
     */
    fun fireTimerAhead(timer: DueTimer, poller: TaskPoller<*>): CompletableDeferred<Unit>? {
        val executor = cache.take(timer.runId) ?: return null
        if (!poller.tryReserve()) {
            cache.put(executor)
            return null
        }
        val done = CompletableDeferred<Unit>()
        val launched = poller.launchReserved {
            try {
                fireAhead(executor, timer)
            } finally {
                done.complete(Unit)
            }
        }
        if (!launched) {
            cache.put(executor)
            return null
        }
        return done
    }

    private fun fireAhead(executor: WorkflowExecutor, timer: DueTimer) {
        // Due at its fire time, like the task an ordinarily fired timer makes: admission control sees its lag.
        engine.workflowTaskStarted(timer.fireAt)
        val workflowId = executor.workflowId
        val now = engine.clock.now()
        val events = runAhead(executor, TimerFired(timer.seq), workflowId, now) ?: return
        cache.put(executor)
        val firing = try {
            engine.store.fireTimerWithTask(timer, events, now, executor.rejectedUpdates.toMap())
        } catch (e: Throwable) {
            cache.discard(timer.runId)
            log.debug("timer {} of '{}' (run {}) with its task run ahead did not commit; it fires the ordinary way: {}",
                timer.seq, workflowId, timer.runId, e.toString())
            return
        }
        // Not fused: the executor ran ahead of history (or the run moved on without it).
        if (firing != TimerFiring.FUSED) {
            cache.discard(timer.runId)
            return
        }
        log.debug("fired timer {} of '{}' (run {}) with its workflow task run ahead", timer.seq, workflowId, timer.runId)
        logCommitted(workflowId, timer.runId, events)
    }

    /**
     * Runs [executor]'s next workflow task over [input] on this thread, ahead of history, with the
     * local activities it asks for. Null, with the executor destroyed, when the task fails in memory:
     * a normal task then replays the run and records the failure if it recurs.
     */
    private fun runAhead(executor: WorkflowExecutor, input: EventAttributes, workflowId: String, now: Long): MutableList<HistoryEvent>? {
        val thread = Thread.currentThread()
        return try {
            running[thread] = System.nanoTime()
            executor.runTask(listOf(input), now, workerId).also {
                checkNotBlocked(thread, executor.runId, workflowId)
                runLocalActivities(executor, it, thread, workflowId, now, null)
            }
        } catch (e: Throwable) {
            if (e is Error && e !is StackOverflowError && e !is OutOfMemoryError && e !is AssertionError) throw e
            executor.destroy()
            log.debug("workflow task of run {} run ahead failed in memory; falling back: {}", executor.runId, e.toString())
            null
        } finally {
            stopWatching(thread)
            Thread.interrupted()
        }
    }

    /**
     * Starts the run [request] asks for with its first workflow task run ahead, when this worker runs
     * its type and [poller] has a free slot: the task runs on one of this worker's threads from the
     * run's `WorkflowStarted` alone while the caller waits (a quarter of the deadlock timeout at most:
     * workflow code that holds its thread longer is already suspect), and its outcome commits with the
     * start in one transaction (one commit fewer per run). A task that is not done in time, runs local
     * activities or fails is stored with the start leased to this worker, which goes on with it as
     * with any task (see [FirstTaskAttempt]).
     * Returns null, having done nothing, when this does not apply (a start delay, a type not
     * registered here, a full or stopped worker); the caller then starts the run the normal way.
     */
    fun startWithFirstTask(request: StartWorkflowRequest, poller: TaskPoller<*>): StartResult? {
        val started = request.started as? WorkflowStarted ?: return null
        if (started.firstTaskDelayMillis != null || definitionOf(request.workflowType) == null) return null
        if (!poller.tryReserve()) return null
        // Its history size is not needed: the store checks limits against the run it stores.
        val run = newRunRecord(request.namespace, request.runId, request.workflowId, started, request.now, historyBytes = 0)
        // Token 1 and this worker: the lease the start stores if it goes alone.
        val attempt = FirstTaskAttempt(WorkflowTaskLease(run, 1, workerId, emptyList(), listOf(HistoryEvent(1, request.now, started))), leaseMillis)
        if (!poller.launchReserved { handle(attempt.lease, attempt) }) return null
        val computed = attempt.awaitComputed((deadlockMillis / 4).coerceAtLeast(1))
        if (computed == null) {
            engine.firstTasks[request.runId] = attempt
            try {
                return engine.store.startWorkflow(request)
            } finally {
                engine.firstTasks.remove(request.runId)
                attempt.startEnded()
            }
        }
        // Cached before the commit: the activity the task schedules may be handed to this process's
        // worker as the commit returns, and its completion looks for the run here.
        cache.put(computed.executor)
        val result = try {
            engine.store.startWorkflowWithTask(request, computed.events, computed.rejectedUpdates)
        } catch (e: Throwable) {
            cache.discard(request.runId)
            throw e
        }
        // The start found a run it had already started (or one open under USE_EXISTING): this task never happened.
        if (!result.created) cache.discard(request.runId) else logCommitted(request.workflowId, request.runId, computed.events)
        return result
    }

    /**
     * Runs the local activities the task asked for (and those their outcomes lead to), appending to
     * [events] each recorded outcome and the commands the code issued after it. The task's lease is
     * extended meanwhile, so a long local activity does not hand the task to another worker.
     */
    private fun runLocalActivities(
        executor: WorkflowExecutor, events: MutableList<io.kadence.history.HistoryEvent>, thread: Thread,
        workflowId: String, time: Long, lease: WorkflowTaskLease?,
        /** The first batch, when the caller took it already. */
        first: List<io.kadence.internal.engine.LocalActivityRequest> = executor.takeLocalActivities(),
    ) {
        var batch = first
        // The run's own workflow task timeout, when its start set one, is its tasks' lease.
        val taskLease = lease?.run?.taskTimeoutMillis ?: leaseMillis
        while (batch.isNotEmpty()) {
            val outcomes = locals.run(batch, (taskLease / 3).coerceAtLeast(1)) {
                lease?.let { engine.store.extendWorkflowTaskLease(it, taskLease) }
            }
            for (outcome in outcomes) {
                running[thread] = System.nanoTime()
                events += executor.resolveLocalActivity(outcome, time)
                checkNotBlocked(thread, executor.runId, workflowId)
            }
            batch = executor.takeLocalActivities()
        }
    }

    private fun logCommitted(workflowId: String, runId: String, events: List<io.kadence.history.HistoryEvent>) {
        val warnAt = io.kadence.KadenceLimits.historyWarningEvents.toLong()
        if (events.isNotEmpty() && events.first().eventId <= warnAt && events.last().eventId >= warnAt) {
            log.warn("history of workflow '{}' (run {}) has passed {} events (the limit is {}): use continue-as-new to start a fresh history",
                workflowId, runId, warnAt, io.kadence.KadenceLimits.maxHistoryEvents)
        }
        if (log.isDebugEnabled) {
            log.debug("committed workflow task of '{}' (run {}): events {}", workflowId, runId,
                events.joinToString { "${it.eventId} ${it.attributes::class.simpleName}" })
        }
    }

    private fun checkNotBlocked(thread: Thread, runId: String, workflowId: String) {
        if (stopWatching(thread)) {
            Thread.interrupted()
            throw blockedFailure(runId, workflowId)
        }
    }

    private fun blockedFailure(runId: String, workflowId: String) = IllegalWorkflowStateException(
        "workflow '$workflowId' (run $runId) blocked its workflow thread for more than ${deadlockMillis}ms: " +
            "do not call Thread.sleep, runBlocking, locks or blocking I/O in workflow code; use sleep()/delay() and activities",
    )

    /** Called periodically by the worker: interrupts workflow code that holds its thread too long. */
    @Synchronized
    fun checkDeadlocks() {
        val now = System.nanoTime()
        for ((thread, started) in running) {
            val heldMillis = (now - started) / 1_000_000
            if (heldMillis > deadlockMillis && blocked.add(thread)) thread.interrupt()
            // Interrupted long ago and still there: code that never yields. Its task is failed now, from here.
            val lease = runningTasks[thread]
            if (heldMillis > 3 * deadlockMillis && lease != null && stuck.putIfAbsent(lease.run.runId, thread) == null) {
                log.error("workflow '{}' (run {}) has held thread '{}' for {} ms and ignores interruption; the thread is given up",
                    lease.run.workflowId, lease.run.runId, thread.name, heldMillis)
                fail(lease, "workflow '${lease.run.workflowId}' (run ${lease.run.runId}) has not yielded for ${heldMillis}ms and ignores " +
                    "interruption (a loop that never suspends?): its thread '${thread.name}' is given up. Fix the workflow code and restart the worker")
            }
        }
    }

    private fun describe(e: Throwable): String = buildString {
        append(e.javaClass.simpleName).append(": ").append(e.message)
        e.stackTrace.take(12).forEach { append("\n\tat ").append(it) }
    }

    private fun fail(lease: WorkflowTaskLease, message: String) {
        val attempt = lease.run.taskFailureCount
        val backoff = (1000L shl attempt.coerceAtMost(6)).coerceAtMost(60_000)
        try {
            engine.store.failWorkflowTask(lease, message, engine.clock.now() + backoff)
        } catch (e: Exception) {
            log.warn("could not record workflow task failure of run {}: {}", lease.run.runId, e.message)
        }
    }
}
