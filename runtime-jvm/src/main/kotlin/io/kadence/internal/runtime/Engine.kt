package io.kadence.internal.runtime

import io.kadence.converter.DataConverter
import io.kadence.internal.spi.HistoryStore
import io.kadence.internal.spi.ActivityTaskLease
import io.kadence.internal.spi.EagerDispatch
import io.kadence.internal.spi.EagerSlot
import io.kadence.internal.spi.StartResult
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.internal.spi.StoreListener
import io.kadence.internal.spi.WorkflowTaskLease
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList

/**
 * What the client, the workers and the background services of one Kadence instance share: the
 * store, the clock, the converter, and the routing of the store's wake-up hints.
 */
internal class Engine(
    val store: HistoryStore,
    val clock: EngineClock,
    val converter: DataConverter,
    val namespace: String,
    val identity: String,
    /** The host id of this process's session hosts, unless a worker sets its own. */
    val hostId: String = HostIdentity.machineName(),
    /** Receives closed runs and their histories before retention deletes them. */
    private val retentionExport: ((io.kadence.internal.spi.RunRecord, List<io.kadence.history.HistoryEvent>) -> Unit)? = null,
) : StoreListener, EagerDispatch, AutoCloseable {
    /** Engine time at which the current (or last) retention pass started. */
    private var lastPurge = Long.MIN_VALUE

    /** Where the current retention pass goes on; null between passes. */
    private var purgeCursor: io.kadence.internal.spi.PurgeCursor? = null

    /** How many expired runs one retention batch looks at (tests make it small). */
    @Volatile var purgeBatchSize: Int = PURGE_BATCH

    /**
     * Deletes closed runs past the namespace's retention, one batch per call: a pass starts at most
     * once a minute of engine time and goes on with the next batch at each call until it has been
     * through every expired run. The timer service calls this between firing timers, so a large
     * backlog of expired runs never holds timers back for more than one batch. Runs whose export
     * fails are passed over until the next pass. Returns the runs deleted.
     */
    fun purgeIfDue(now: Long): Int {
        if (purgeCursor == null) {
            if (lastPurge != Long.MIN_VALUE && now - lastPurge < PURGE_INTERVAL_MILLIS) return 0
            lastPurge = now
        }
        val batch = store.purgeClosedRuns(namespace, lastPurge, purgeBatchSize, purgeCursor, retentionExport)
        purgeCursor = batch.next
        // A batch that deleted nothing but has more to look at still counts as work, so the pass goes on.
        return batch.purged + if (batch.next != null) 1 else 0
    }

    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val pollers = CopyOnWriteArrayList<TaskPoller<*>>()
    private val closeWaiters = ConcurrentHashMap<String, CompletableDeferred<Unit>>()
    val timerWake = WakeSignal()
    val timerService = TimerService(this)
    val sessionHosts = SessionHosts(this)

    init {
        store.listener = this
        store.eagerDispatch = this
        // On a virtual clock host heartbeats are virtual too, so a dead host can be found without waiting.
        if (clock.isVirtual) store.sessions.hostClock = clock::now
    }

    /**
     * Client calls read the clock and commit under the read side; the test kit's clock jumps only
     * under the write side, so a start never records a time the clock has already left behind.
     */
    private val timeGate = java.util.concurrent.locks.ReentrantReadWriteLock()

    /** Runs a client call that reads [clock] and writes with that time. */
    fun <T> atClientTime(block: (now: Long) -> T): T {
        if (!clock.isVirtual) return block(clock.now())
        val lock = timeGate.readLock()
        lock.lock()
        try {
            return block(clock.now())
        } finally {
            lock.unlock()
        }
    }

    /** Runs [block] (which may move the virtual clock) only if no client call is in progress; false otherwise. */
    fun tryMovingTime(block: () -> Unit): Boolean {
        val lock = timeGate.writeLock()
        if (!lock.tryLock()) return false
        try {
            block()
        } finally {
            lock.unlock()
        }
        return true
    }

    /** Workflow definitions registered by this instance's workers, by type name (for queries). */
    val definitions = ConcurrentHashMap<String, io.kadence.workflow.WorkflowDefinition<Any?, Any?>>()

    /** Workers' dynamic workflow handlers, bound to a type name on demand (for queries). */
    val dynamicDefinitions = CopyOnWriteArrayList<(String) -> io.kadence.workflow.WorkflowDefinition<Any?, Any?>?>()

    /** The definition of workflow type [type] known to this instance: registered, or a worker's dynamic handler. */
    fun definitionOf(type: String): io.kadence.workflow.WorkflowDefinition<Any?, Any?>? =
        definitions[type] ?: dynamicDefinitions.firstNotNullOfOrNull { it(type) }

    /** Workflow workers of this instance, for the fused activity-completion and timer paths. */
    private val workflowRunners = CopyOnWriteArrayList<Pair<WorkflowTaskRunner, TaskPoller<*>>>()

    fun registerWorkflowRunner(runner: WorkflowTaskRunner, poller: TaskPoller<*>) { workflowRunners += runner to poller }
    fun unregisterWorkflowRunner(runner: WorkflowTaskRunner) { workflowRunners.removeIf { it.first === runner } }

    /**
     * Records an activity's final [outcome] together with the workflow task that consumes it, when a
     * local worker holds the run in memory; false (nothing recorded) otherwise.
     */
    fun finishActivityWithTask(lease: ActivityTaskLease, outcome: io.kadence.history.EventAttributes): Boolean =
        workflowRunners.any { (runner, poller) -> poller.namespace == lease.namespace && runner.completeActivityWithTask(lease, outcome, poller) }

    /**
     * Fires [due] timers. A run with one timer due, held in a local worker's cache with a free slot,
     * has its timer fired together with the workflow task that consumes it, run ahead by that worker
     * ([WorkflowTaskRunner.fireTimerAhead]: one commit, no task row); the rest fire the ordinary way,
     * in the timer service's own transactions. A timer handed over stays with its worker while it is
     * in flight, for [TIMER_AHEAD_WAIT_MILLIS] at most (workflow code that holds its thread): then the
     * next pass fires it the ordinary way, and the task run ahead finds it gone. Returns how many
     * timers were fired or handed over.
     */
    fun fireTimers(due: List<io.kadence.internal.spi.DueTimer>, now: Long): Int {
        if (due.isEmpty()) return 0
        val nowNanos = System.nanoTime()
        var handed = 0
        val rest = ArrayList<io.kadence.internal.spi.DueTimer>()
        for (timers in due.groupBy { it.runId }.values) {
            // A run's several due timers go together into one ordinary transaction and one task.
            val timer = timers.singleOrNull()?.takeUnless { it.isRunTimeout }
            if (timer == null) {
                rest += timers
                continue
            }
            val since = timersAhead[timer]
            if (since != null) {
                // Still with its worker, unless held past the wait: then it fires the ordinary way.
                if (nowNanos - since >= TIMER_AHEAD_WAIT_MILLIS * 1_000_000) rest += timer
                continue
            }
            val job = workflowRunners.firstNotNullOfOrNull { (runner, poller) -> runner.fireTimerAhead(timer, poller) }
            if (job == null) {
                rest += timer
                continue
            }
            timersAhead[timer] = nowNanos
            // Its commit (or giving up) wakes the timer service, which may be waiting on it.
            job.invokeOnCompletion { timersAhead.remove(timer, nowNanos); timerWake.signal() }
            handed++
        }
        return store.fireTimers(rest, now) + handed
    }

    /** Timers handed to a worker with their task run ahead and not yet done, with when they were handed over ([System.nanoTime]). */
    private val timersAhead = ConcurrentHashMap<io.kadence.internal.spi.DueTimer, Long>()

    /** True while timers handed to a worker are in flight: due in the store, yet taken care of. */
    fun hasTimersAhead(): Boolean = timersAhead.isNotEmpty()

    /**
     * Starts [request]'s run with its first workflow task run ahead by a local worker of its task queue
     * (see [WorkflowTaskRunner.startWithFirstTask]); null, with nothing recorded, when no local worker
     * takes it.
     */
    fun startWithFirstTask(request: StartWorkflowRequest): StartResult? =
        workflowRunners.firstNotNullOfOrNull { (runner, poller) ->
            if (poller.namespace != request.namespace || poller.taskQueue != request.taskQueue) null
            else runner.startWithFirstTask(request, poller)
        }

    fun register(poller: TaskPoller<*>) { pollers += poller }
    fun unregister(poller: TaskPoller<*>) { pollers -= poller }

    /** True when no worker of this instance is polling or running a task (for the virtual clock). */
    fun workersIdle(): Boolean = pollers.all { it.isIdle }

    /** The task queues of [kind] that a worker of this instance polls. */
    fun polledQueues(kind: TaskPoller.Kind): Set<String> = pollers.filter { it.kind == kind }.mapTo(HashSet()) { it.taskQueue }

    fun wakeAllPollers() = pollers.forEach { it.wake() }

    /** Set by the timer service while due timers are left over after a full batch. */
    @Volatile var timersBehind: Boolean = false
        set(value) {
            val was = field
            field = value
            if (was && !value) caughtUp()
        }

    /**
     * Work that is already due waits for this instance: timers left over after a full batch, or
     * workflow tasks waiting in the store for a poller of this instance (it was told of them and has no
     * free slot, or its last poll filled every slot it had), or workflow tasks starting late ([StartPace]).
     */
    fun isBehind(): Boolean = timersBehind || isLagging() || pollers.any { it.kind == TaskPoller.Kind.WORKFLOW && it.isBehind }

    private val startPace = StartPace(LAG_TARGET_MILLIS, LAG_WINDOW_MILLIS, LAG_STALE_MILLIS, ADMISSION_MAX_WAIT_MILLIS)

    /**
     * A workflow task of this instance that became due at [readyAt] (a fired timer: at its fire time)
     * starts now. Slots alone do not show overload: every slot can hold a task that waits for CPU
     * while clients keep starting runs. So a standing queue of due work ([StartPace]) is a signal of its
     * own, and new starts wait while it lasts ([awaitAdmission]).
     */
    fun workflowTaskStarted(readyAt: Long) {
        if (clock.isVirtual) return
        val now = clock.now()
        if (startPace.taskStarted(now - readyAt, now)) caughtUp()
    }

    private fun isLagging(): Boolean = startPace.isLagging(clock.now())

    /** Completed (and replaced) each time a source of [isBehind] catches up: wakes the starts that wait. */
    private val caughtUpSignal = java.util.concurrent.atomic.AtomicReference(CompletableDeferred<Unit>())

    /** A poller or the timer service has caught up with its due work. */
    fun caughtUp() {
        caughtUpSignal.getAndSet(CompletableDeferred()).complete(Unit)
    }

    /**
     * Admission control for new work from clients (starts): while due work waits ([isBehind]), a
     * start waits for it to be caught up with, and then it takes its turn in the start pace
     * ([StartPace]), each for up to [ADMISSION_MAX_WAIT_MILLIS]. Under overload this keeps timers and
     * ready tasks on time instead of letting new starts take the machine (the starts slow to what the
     * workers finish); without load it costs a few volatile reads and one uncontended lock. Not
     * applied under the virtual clock, whose tests rely on exact interleavings.
     */
    suspend fun awaitAdmission() {
        if (clock.isVirtual) return
        if (isBehind()) awaitCaughtUp()
        val turn = startPace.admit(clock.now())
        if (turn > 0) kotlinx.coroutines.delay(turn)
    }

    private suspend fun awaitCaughtUp() {
        kotlinx.coroutines.withTimeoutOrNull(ADMISSION_MAX_WAIT_MILLIS) {
            while (true) {
                // Taken before the check: a catch-up after the check completes this very signal.
                val signal = caughtUpSignal.get()
                if (!isBehind()) break
                // Lag ends by time passing (no late task for a while), which completes no signal.
                kotlinx.coroutines.withTimeoutOrNull(LAG_STALE_MILLIS) { signal.await() }
            }
        }
    }

    /** A deferred completed when [runId] closes (hint only: callers re-check the store). */
    fun closeSignal(runId: String): CompletableDeferred<Unit> = closeWaiters.computeIfAbsent(runId) { CompletableDeferred() }
    fun forgetCloseSignal(runId: String, d: CompletableDeferred<Unit>) { closeWaiters.remove(runId, d) }

    override fun workflowTaskReady(namespace: String, taskQueue: String) {
        pollers.forEach { if (it.kind == TaskPoller.Kind.WORKFLOW && it.taskQueue == taskQueue && it.namespace == namespace) it.wake() }
    }

    override fun activityTaskReady(namespace: String, taskQueue: String) {
        pollers.forEach { if (it.kind == TaskPoller.Kind.ACTIVITY && it.taskQueue == taskQueue && it.namespace == namespace) it.wake() }
    }

    override fun reserveWorkflowTask(namespace: String, taskQueue: String, runId: String): EagerSlot<WorkflowTaskLease>? =
        firstTasks[runId]?.slot ?: reserve(TaskPoller.Kind.WORKFLOW, namespace, taskQueue)

    /**
     * Runs being started alone while a local worker holds their first task (see [FirstTaskAttempt]): the
     * start stores that task leased to it, through the attempt's slot.
     */
    val firstTasks = ConcurrentHashMap<String, FirstTaskAttempt>()

    override fun reserveActivityTask(namespace: String, taskQueue: String): EagerSlot<ActivityTaskLease>? =
        reserve(TaskPoller.Kind.ACTIVITY, namespace, taskQueue)

    @Suppress("UNCHECKED_CAST")
    private fun <T> reserve(kind: TaskPoller.Kind, namespace: String, taskQueue: String): EagerSlot<T>? {
        for (p in pollers) {
            if (p.kind != kind || p.taskQueue != taskQueue || p.namespace != namespace || !p.tryReserve()) continue
            val poller = p as TaskPoller<T>
            return object : EagerSlot<T> {
                override val owner: String get() = poller.owner
                override val leaseMillis: Long get() = poller.leaseMillis
                override fun deliver(task: T) = poller.deliver(task)
                override fun release() = poller.release()
            }
        }
        return null
    }

    override fun timerScheduled(fireAt: Long) = timerWake.signal()

    override fun sessionCapacityFreed(namespace: String, taskQueue: String) = sessionHosts.requestPlacement()

    override fun runClosed(runId: String) {
        closeWaiters.remove(runId)?.complete(Unit)
    }

    override fun close() {
        timerService.stop()
        scope.cancel()
        store.close()
    }
}

private const val PURGE_INTERVAL_MILLIS = 60_000L
private const val PURGE_BATCH = 100
private const val ADMISSION_MAX_WAIT_MILLIS = 1_000L

/** A workflow task that starts later than this after it was due shows that this instance is behind. */
private const val LAG_TARGET_MILLIS = 30L

/** The window over which the smallest workflow task lag is taken. */
private const val LAG_WINDOW_MILLIS = 100L

/** With no workflow task starting for this long, a lag seen before no longer holds starts back. */
private const val LAG_STALE_MILLIS = 200L

/**
 * How long a timer handed to a worker with its task run ahead is left to it: a quarter of the
 * default deadlock timeout, as a start waits for its first task.
 */
private const val TIMER_AHEAD_WAIT_MILLIS = 250L

