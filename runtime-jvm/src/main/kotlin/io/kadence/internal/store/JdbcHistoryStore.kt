package io.kadence.internal.store

import io.kadence.failure.InvalidArgumentException
import io.kadence.failure.StaleTaskException
import io.kadence.failure.WorkflowAlreadyStartedException
import io.kadence.failure.WorkflowClosedException
import io.kadence.failure.WorkflowNotFoundException
import io.kadence.history.ActivityCancelRequested
import io.kadence.history.ActivityCanceled
import io.kadence.history.ActivityCompleted
import io.kadence.history.ActivityFailed
import io.kadence.history.ActivityScheduled
import io.kadence.history.ChildWorkflowScheduled
import io.kadence.history.ChildWorkflowStarted
import io.kadence.history.ChildWorkflowStartFailed
import io.kadence.history.ChildWorkflowClosed
import io.kadence.history.ChildWorkflowCancelRequested
import io.kadence.history.EventAttributes
import io.kadence.history.closesRun
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.history.WorkflowReset
import io.kadence.history.SessionCompleted
import io.kadence.history.SessionCreated
import io.kadence.history.SessionCreationTimedOut
import io.kadence.history.SessionFailed
import io.kadence.history.SessionRequestRejected
import io.kadence.history.SessionRequested
import io.kadence.failure.Failures
import io.kadence.history.FailureInfo
import io.kadence.history.HistoryCodec
import io.kadence.history.HistoryEvent
import io.kadence.history.TimerCanceled
import io.kadence.history.TimerFired
import io.kadence.history.TimerStarted
import io.kadence.history.WorkflowCancelRequested
import io.kadence.history.WorkflowCanceled
import io.kadence.history.WorkflowContinuedAsNew
import io.kadence.history.WorkflowCompleted
import io.kadence.history.WorkflowFailed
import io.kadence.history.WorkflowSignaled
import io.kadence.history.UpdateRequested
import io.kadence.history.WorkflowUpdateAccepted
import io.kadence.history.WorkflowUpdateCompleted
import io.kadence.history.WorkflowStarted
import io.kadence.history.WorkflowTerminated
import io.kadence.history.WorkflowTimedOut
import io.kadence.internal.ids.OrderedIds
import io.kadence.internal.spi.ActivityTaskLease
import io.kadence.internal.spi.HistoryStore
import io.kadence.internal.spi.EagerDispatch
import io.kadence.internal.spi.EagerSlot
import io.kadence.internal.spi.DueTimer
import io.kadence.internal.spi.TimerFiring
import io.kadence.internal.spi.InboxItem
import io.kadence.internal.spi.PendingActivityRecord
import io.kadence.internal.spi.PendingTimerRecord
import io.kadence.internal.spi.RetryDecider
import io.kadence.internal.spi.RunRecord
import io.kadence.internal.spi.RunStatus
import io.kadence.internal.spi.StartResult
import io.kadence.internal.spi.StartWorkflowRequest
import io.kadence.internal.spi.StoreListener
import io.kadence.internal.spi.NamespaceSettings
import io.kadence.internal.spi.TaskCompletion
import io.kadence.internal.spi.UpdateOutcome
import io.kadence.internal.spi.WorkflowTaskLease
import com.zaxxer.hikari.HikariDataSource
import kotlinx.serialization.builtins.MapSerializer
import kotlinx.serialization.builtins.serializer
import kotlinx.serialization.json.Json
import kotlin.time.Duration.Companion.milliseconds
import org.jetbrains.exposed.v1.core.ResultRow
import org.jetbrains.exposed.v1.core.SortOrder
import org.jetbrains.exposed.v1.core.and
import org.jetbrains.exposed.v1.core.eq
import org.jetbrains.exposed.v1.core.greater
import org.jetbrains.exposed.v1.core.greaterEq
import org.jetbrains.exposed.v1.core.inList
import org.jetbrains.exposed.v1.core.isNotNull
import org.jetbrains.exposed.v1.core.isNull
import org.jetbrains.exposed.v1.core.less
import org.jetbrains.exposed.v1.core.notInList
import org.jetbrains.exposed.v1.core.lessEq
import org.jetbrains.exposed.v1.core.min
import org.jetbrains.exposed.v1.core.or
import org.jetbrains.exposed.v1.core.plus
import org.jetbrains.exposed.v1.core.vendors.ForUpdateOption
import org.jetbrains.exposed.v1.jdbc.Database
import org.jetbrains.exposed.v1.jdbc.JdbcTransaction
import org.jetbrains.exposed.v1.jdbc.deleteWhere
import org.jetbrains.exposed.v1.jdbc.insert
import org.jetbrains.exposed.v1.jdbc.select
import org.jetbrains.exposed.v1.jdbc.selectAll
import org.jetbrains.exposed.v1.jdbc.transactions.transaction
import org.jetbrains.exposed.v1.jdbc.transactions.TransactionManager
import org.jetbrains.exposed.v1.jdbc.update
import org.jetbrains.exposed.v1.core.DatabaseConfig

/**
 * The history store on a relational database through Exposed: H2 (file or memory) or PostgreSQL.
 *
 * Every state transition is one transaction. Transactions that touch a run lock its
 * `workflow_executions` row first (then tasks, timers, inbox), so concurrent transitions of one
 * run serialize and cannot deadlock. Wake-up hints go to [listener] after commit.
 */
internal class JdbcHistoryStore(private val config: StoreConfig) : HistoryStore {
    private val dataSource: HikariDataSource = config.dataSource()
    private val db: Database
    override var listener: StoreListener = StoreListener.NONE
    override var eagerDispatch: EagerDispatch = EagerDispatch.NONE
    override val sessions: JdbcSessionStore = JdbcSessionStore(this)
    override val schedules: JdbcScheduleStore = JdbcScheduleStore(this)

    init {
        if (config.jdbcUrl.startsWith("jdbc:h2:file:")) H2Recovery.finishCommittedLeftovers(dataSource)
        migrate(dataSource, config.isPostgres)
        val guarded = ConnectionGuard(dataSource, StoreConfig.ISOLATION, dropZeroQueryTimeout = !config.isPostgres)
        db = Database.connect(guarded, databaseConfig = DatabaseConfig {
            defaultMaxAttempts = 3
            defaultIsolationLevel = StoreConfig.ISOLATION
        })
    }

    private val log = org.slf4j.LoggerFactory.getLogger(JdbcHistoryStore::class.java)

    private val notifications: PgNotifications? = if (config.isPostgres) PgNotifications(config) { listener } else null

    override fun close() {
        timerFiring.shutdown()
        notifications?.close()
        dataSource.close()
    }

    /** A workflow task stored leased to a local worker: run id, lease token, slot, and when the task was due. */
    internal data class EagerWorkflowTask(val runId: String, val token: Long, val slot: EagerSlot<WorkflowTaskLease>, val readyAt: Long)

    /** Hints gathered inside a transaction, given to the listener only after it committed. */
    internal class Hints {
        val workflowQueues = LinkedHashSet<Pair<String, String>>()
        val activityQueues = LinkedHashSet<Pair<String, String>>()
        /** Task queues on which a session host has room again. */
        val freedQueues = LinkedHashSet<Pair<String, String>>()
        val closedRuns = ArrayList<String>()
        var earliestTimer: Long? = null
        fun timer(at: Long) { earliestTimer = earliestTimer?.coerceAtMost(at) ?: at }

        /** Workflow tasks stored leased to a local worker. */
        val eagerWorkflowTasks = ArrayList<EagerWorkflowTask>()
        val eagerWorkflowLeases = ArrayList<Pair<EagerSlot<WorkflowTaskLease>, WorkflowTaskLease>>()
        val eagerActivities = ArrayList<Pair<EagerSlot<ActivityTaskLease>, ActivityTaskLease>>()

        /** Runs created in this transaction, with their first event: their eager first task needs no reads. */
        val createdRuns = HashMap<String, Pair<RunRecord, HistoryEvent>>()

        /** The transaction did not commit: give the reserved slots back. */
        fun releaseEager() {
            eagerWorkflowTasks.forEach { it.slot.release() }
            eagerWorkflowLeases.forEach { it.first.release() }
            eagerActivities.forEach { it.first.release() }
            eagerWorkflowTasks.clear()
            eagerWorkflowLeases.clear()
            eagerActivities.clear()
        }

        fun deliverEager() {
            eagerWorkflowLeases.forEach { (slot, lease) -> slot.deliver(lease) }
            eagerActivities.forEach { (slot, lease) -> slot.deliver(lease) }
        }
    }

    internal fun <T> write(block: JdbcTransaction.(Hints) -> T): T {
        var hints = Hints()
        val result = try {
            transaction(db) {
                hints.releaseEager() // an earlier attempt of this transaction rolled back
                hints = Hints()
                block(hints).also {
                    leaseEagerWorkflowTasks(hints)
                    if (notifications != null) notifyOtherProcesses(listOf(hints))
                }
            }
        } catch (e: Throwable) {
            hints.releaseEager()
            throw e
        }
        afterCommit(hints)
        return result
    }

    /** What a committed transaction's [hints] set off: eager tasks delivered, then wake-ups. */
    private fun afterCommit(hints: Hints) {
        hints.deliverEager()
        val l = listener
        hints.workflowQueues.forEach { (ns, q) -> l.workflowTaskReady(ns, q) }
        hints.activityQueues.forEach { (ns, q) -> l.activityTaskReady(ns, q) }
        hints.earliestTimer?.let { l.timerScheduled(it) }
        hints.closedRuns.forEach { l.runClosed(it) }
        hints.freedQueues.forEach { (ns, q) -> l.sessionCapacityFreed(ns, q) }
    }

    /** A transition waiting for a shared commit, with the hints of its latest attempt. */
    private class Transition(val block: JdbcTransaction.(Hints) -> Any?) {
        var hints = Hints()
    }

    /**
     * Two batches at a time: one commits while the next gathers and runs its statements. A batch is at
     * most 64 transitions, which bounds how long one commit holds its row locks.
     */
    private val groupCommit = GroupCommit<Transition>(maxLeaders = 2, maxBatch = 64)

    /**
     * [write] for the hot transitions, committed together with those other threads submit at the same
     * moment (see [GroupCommit]). [key] names the row [block] locks first: the run id, or
     * `namespace/workflowId` for a start (its `current_runs` row). A batch takes its transitions in key
     * order, so two batches never wait on each other in a cycle over those rows; locks beyond them go
     * through [leaveOwnRun].
     */
    @Suppress("UNCHECKED_CAST")
    internal fun <T> writeGrouped(key: String, block: JdbcTransaction.(Hints) -> T): T {
        val op = GroupCommit.Op(key, Transition(block))
        return when (groupCommit.submit(op, { write(block) }, ::commitBatch)) {
            GroupCommit.Outcome.DONE -> {
                afterCommit(op.payload.hints)
                op.result as T
            }
            GroupCommit.Outcome.RAN -> op.error?.let { throw it } ?: op.result as T
            else -> write(block)
        }
    }

    /**
     * Runs [batch] in one transaction and returns the transitions that committed. A transition that
     * would lock rows beyond its own run ([leaveOwnRun]) is taken out and the rest is run again
     * together; any other failure rolls back the whole batch (none committed).
     */
    private fun commitBatch(batch: List<GroupCommit.Op<Transition>>): List<GroupCommit.Op<Transition>> {
        var ordered = batch.sortedBy { it.key }
        while (ordered.size >= 2) {
            var current: GroupCommit.Op<Transition>? = null
            try {
                transaction(db) {
                    // A failure is not retried as a whole: each transition then runs alone, with write's retries.
                    maxAttempts = 1
                    inBatch.set(true)
                    try {
                        for (op in ordered) {
                            current = op
                            val t = op.payload
                            t.hints.releaseEager()
                            t.hints = Hints()
                            op.result = t.block(this, t.hints)
                            leaseEagerWorkflowTasks(t.hints)
                        }
                    } finally {
                        inBatch.remove()
                    }
                    if (notifications != null) notifyOtherProcesses(ordered.map { it.payload.hints })
                }
                return ordered
            } catch (e: Throwable) {
                ordered.forEach { it.payload.hints.releaseEager() }
                if (e !is LeavesOwnRun) {
                    log.debug("group commit of {} transitions failed, each runs alone: {}", ordered.size, e.toString())
                    return emptyList()
                }
                ordered = ordered.filter { it !== current }
            }
        }
        return emptyList()
    }

    /** Set while [commitBatch] runs transitions on this thread. */
    private val inBatch = ThreadLocal<Boolean>()

    /** Thrown by a batched transition before it locks rows beyond its own run; the batch is rolled back and run again without it. */
    private class LeavesOwnRun : RuntimeException(null, null, false, false)

    /**
     * Called before a transition locks rows other than its own run's: a parent's or a child's run, a
     * session or a host. Those locks are not in the batch's run order, so two batches taking them can
     * wait on each other. PostgreSQL looks for such a cycle only after `deadlock_timeout` (a second by
     * default, and only a superuser may lower it): there such a transition runs alone instead (session
     * workloads ran at a tenth of their speed otherwise). H2 finds a cycle as soon as it forms; the
     * batch fails at once and runs alone, which costs less than never batching these transitions.
     */
    internal fun leaveOwnRun() {
        if (config.isPostgres && inBatch.get() == true) throw LeavesOwnRun()
    }

    /** Sends the hints to other processes; PostgreSQL delivers them only if the transaction commits. */
    private fun notifyOtherProcesses(all: List<Hints>) {
        val payloads = LinkedHashSet<String>()
        for (hints in all) {
            hints.workflowQueues.forEach { (ns, q) -> payloads += PgNotifications.workflowHint(ns, q) }
            hints.activityQueues.forEach { (ns, q) -> payloads += PgNotifications.activityHint(ns, q) }
            hints.earliestTimer?.let { payloads += PgNotifications.timerHint(it) }
            hints.closedRuns.forEach { payloads += PgNotifications.closedHint(it) }
            hints.freedQueues.forEach { (ns, q) -> payloads += PgNotifications.capacityHint(ns, q) }
        }
        if (payloads.isEmpty()) return
        jdbc.prepareStatement("SELECT pg_notify(?, ?)").use { stmt ->
            for (p in payloads) {
                stmt.setString(1, PgNotifications.CHANNEL)
                stmt.setString(2, p)
                stmt.executeQuery().close()
            }
        }
    }

    internal fun <T> read(block: JdbcTransaction.() -> T): T = transaction(db, readOnly = true) { block() }

    // ---------------------------------------------------------------- namespaces and retention

    private val limitsFormat = Json { ignoreUnknownKeys = true }

    override fun ensureNamespace(namespace: String, retentionMillis: Long?, limits: io.kadence.NamespaceLimits?, now: Long): NamespaceSettings = write {
        val current = Namespaces.selectAll().where { Namespaces.namespace eq namespace }.forUpdate().firstOrNull()
        val limitsJson = limits?.let { limitsFormat.encodeToString(io.kadence.NamespaceLimits.serializer(), it) }
        when {
            current == null -> Namespaces.insert {
                it[Namespaces.namespace] = namespace
                it[Namespaces.retentionMillis] = retentionMillis ?: Namespaces.DEFAULT_RETENTION_MILLIS
                it[Namespaces.limits] = limitsJson
                it[createdAt] = now
            }
            retentionMillis != null || limitsJson != null -> Namespaces.update({ Namespaces.namespace eq namespace }) {
                if (retentionMillis != null) it[Namespaces.retentionMillis] = retentionMillis
                if (limitsJson != null) it[Namespaces.limits] = limitsJson
            }
        }
        NamespaceSettings(
            retentionMillis ?: current?.get(Namespaces.retentionMillis) ?: Namespaces.DEFAULT_RETENTION_MILLIS,
            limits ?: current?.get(Namespaces.limits)?.let { limitsFormat.decodeFromString(io.kadence.NamespaceLimits.serializer(), it) },
        )
    }

    override fun retentionOf(namespace: String): Long? = read {
        Namespaces.select(Namespaces.retentionMillis).where { Namespaces.namespace eq namespace }.firstOrNull()?.get(Namespaces.retentionMillis)
    }

    override fun purgeClosedRuns(
        namespace: String,
        now: Long,
        max: Int,
        after: io.kadence.internal.spi.PurgeCursor?,
        export: ((RunRecord, List<HistoryEvent>) -> Unit)?,
    ): io.kadence.internal.spi.PurgeBatch {
        val retention = retentionOf(namespace) ?: return io.kadence.internal.spi.PurgeBatch(0, emptyList(), null)
        // Keyset order (close time, run id): a run kept because its export failed lies behind the
        // cursor, so it cannot fill every batch of the pass and stop the runs after it being purged.
        val expired = read {
            val closed = (WorkflowExecutions.namespace eq namespace) and (WorkflowExecutions.closeTime less (now - retention))
            val where = if (after == null) closed else closed and (
                (WorkflowExecutions.closeTime greater after.closeTime) or
                    ((WorkflowExecutions.closeTime eq after.closeTime) and (WorkflowExecutions.runId greater after.runId))
                )
            WorkflowExecutions.selectAll().where { where }
                .orderBy(WorkflowExecutions.closeTime to SortOrder.ASC, WorkflowExecutions.runId to SortOrder.ASC)
                .limit(max).map(::toRunRecord)
        }
        var purged = 0
        val failed = ArrayList<String>()
        for (run in expired) {
            if (export != null) {
                try {
                    export(run, readHistory(run.runId))
                } catch (e: Exception) {
                    purgeLog.warn(
                        "retention: exporting run ${run.runId} (workflow '${run.workflowId}', namespace '$namespace') failed: " +
                            "${e.javaClass.simpleName}: ${e.message}; the run is kept and exported again on a later pass", e,
                    )
                    failed += run.runId
                    continue
                }
            }
            // One run per transaction, and its rows by key: no long locks on a busy store.
            write {
                val still = runRow(run.runId, lock = true) ?: return@write
                if (still[WorkflowExecutions.status] == RunStatus.RUNNING.name) return@write
                HistoryEvents.deleteWhere { HistoryEvents.runId eq run.runId }
                WorkflowUpdates.deleteWhere { WorkflowUpdates.runId eq run.runId }
                SignalRequests.deleteWhere { SignalRequests.runId eq run.runId }
                Inbox.deleteWhere { Inbox.runId eq run.runId }
                CurrentRuns.deleteWhere { (CurrentRuns.namespace eq namespace) and (CurrentRuns.runId eq run.runId) }
                WorkflowExecutions.deleteWhere { WorkflowExecutions.runId eq run.runId }
                purged++
            }
        }
        val last = expired.lastOrNull()
        val next = if (expired.size < max || last == null) null else io.kadence.internal.spi.PurgeCursor(last.closeTime!!, last.runId)
        return io.kadence.internal.spi.PurgeBatch(purged, failed, next)
    }

    private val purgeLog = org.slf4j.LoggerFactory.getLogger("io.kadence.retention")

    // ---------------------------------------------------------------- runs

    override fun startWorkflow(request: StartWorkflowRequest): StartResult =
        writeGrouped(startKey(request)) { hints -> startRun(request, hints) }

    /** The group-commit key of a start: its `current_runs` row, the first row it locks. */
    private fun startKey(request: StartWorkflowRequest) = "${'$'}{request.namespace}/${'$'}{request.workflowId}"

    override fun startWorkflowWithTask(request: StartWorkflowRequest, events: List<HistoryEvent>, rejectedUpdates: Map<String, FailureInfo>): StartResult =
        writeGrouped(startKey(request)) { hints ->
            require(events.firstOrNull()?.eventId == 2L) { "the first task's events must start at event 2 of run ${'$'}{request.runId}" }
            require((request.started as WorkflowStarted).firstTaskDelayMillis == null) {
                "run ${'$'}{request.runId} starts after a delay: its first task cannot be committed with the start"
            }
            val result = startRun(request, hints, firstTask = false)
            if (!result.created) return@writeGrouped result
            // Taken out: a task this one leaves behind must be leased from the run as the task leaves it.
            val (run, _) = hints.createdRuns.remove(request.runId)!!
            commitTaskAhead(run, events, request.now, rejectedUpdates, hints)
            result
        }

    /**
     * Appends a workflow task that a local worker computed ahead, with no task row ([events], at
     * [run]'s next event id), and applies it; or, when they would take the history past a limit,
     * terminates the run instead after [beforeTerminating].
     */
    private fun commitTaskAhead(
        run: RunRecord, events: List<HistoryEvent>, now: Long, rejectedUpdates: Map<String, FailureInfo>, hints: Hints,
        beforeTerminating: () -> Unit = {},
    ) {
        val encoded = EncodedEvents(events)
        historyOverLimit(run.namespace, events, encoded, run.historyBytes)?.let { over ->
            beforeTerminating()
            terminateForHistoryLimit(lockOpenRun(run.runId)!!, over, now, hints)
            return
        }
        val close = closeOf(events)
        advanceRun(run.runId, run.nextEventId, encoded, close, now)
        applyTask(run, 0, encoded, close, now, rejectedUpdates, hints)
    }

    override fun signal(namespace: String, workflowId: String, runId: String?, name: String, input: String?, now: Long, requestId: String?) = write { hints ->
        val run = openRunOrThrow(namespace, workflowId, runId)
        if (requestId != null) {
            // The run row is locked: a retry of a signal that was already recorded stops here.
            val seen = SignalRequests.select(SignalRequests.requestId)
                .where { (SignalRequests.runId eq run[WorkflowExecutions.runId]) and (SignalRequests.requestId eq requestId) }.any()
            if (seen) return@write
        }
        val waiting = Inbox.select(Inbox.seq).where { Inbox.runId eq run[WorkflowExecutions.runId] }.count()
        val limit = io.kadence.KadenceLimits.of(namespace).maxPendingSignals
        if (waiting >= limit) {
            throw io.kadence.failure.LimitExceededException(
                "pending signals", limit,
                "workflow '$workflowId' (run ${run[WorkflowExecutions.runId]}) has $waiting inputs waiting for its next task, the limit " +
                    "(KadenceLimits.maxPendingSignals); signal '$name' was not recorded. Retry once its worker has caught up",
            )
        }
        addInput(run, WorkflowSignaled(name, input), now, hints)
        if (requestId != null) {
            SignalRequests.insert {
                it[SignalRequests.runId] = run[WorkflowExecutions.runId]
                it[SignalRequests.requestId] = requestId
            }
        }
    }

    override fun signalWithStart(request: StartWorkflowRequest, name: String, input: String?): StartResult = write { hints ->
        val open = resolveRunId(request.namespace, request.workflowId, null)?.let(::lockOpenRun)
        val result = if (open != null) StartResult(open[WorkflowExecutions.runId], created = false) else startRun(request, hints)
        addInput(lockOpenRun(result.runId)!!, WorkflowSignaled(name, input), request.now, hints)
        result
    }

    /** Starts a run for [request] (or finds the one it already started); [firstTask]: store the run's first workflow task. */
    internal fun startRun(request: StartWorkflowRequest, hints: Hints, firstTask: Boolean = true): StartResult {
        val current = HotSql.lockCurrentRun(jdbc, request.namespace, request.workflowId)
        if (current != null) {
            val run = runRow(current)
            // A retried start (same request id) gets the run it started, whatever the policies say.
            if (run != null && request.requestId != null && run[WorkflowExecutions.requestId] == request.requestId) {
                return StartResult(current, created = false)
            }
            if (run != null && run[WorkflowExecutions.status] == RunStatus.RUNNING.name) {
                when (request.idConflictPolicy) {
                    "USE_EXISTING" -> return StartResult(current, created = false)
                    "TERMINATE_EXISTING" -> closeByEngine(
                        lockOpenRun(current)!!, WorkflowTerminated("terminated by a new start of workflow '${request.workflowId}' (id-conflict policy TERMINATE_EXISTING)"),
                        RunStatus.TERMINATED,
                        FailureInfo("terminated by a new start (id-conflict policy TERMINATE_EXISTING)", "Terminated", FailureInfo.KIND_TERMINATED),
                        request.now, hints,
                    )
                    else -> throw WorkflowAlreadyStartedException(request.workflowId, current, run[WorkflowExecutions.workflowType])
                }
            } else if (run != null) {
                refuseReuse(request, run)
            }
            CurrentRuns.update({ (CurrentRuns.namespace eq request.namespace) and (CurrentRuns.workflowId eq request.workflowId) }) {
                it[runId] = request.runId
            }
        } else {
            HotSql.insertCurrentRun(jdbc, request.namespace, request.workflowId, request.runId)
        }
        createRun(request.namespace, request.workflowId, request.runId, request.started as WorkflowStarted, request.requestId, request.now, hints, firstTask)
        return StartResult(request.runId, created = true)
    }

    /**
     * What is over a history limit if [events] (encoded as [encoded]) are appended to a run now at
     * [bytesBefore] bytes, or null: the event count ([io.kadence.KadenceLimits.maxHistoryEvents]) or
     * the size ([io.kadence.KadenceLimits.maxHistoryBytes]).
     */
    private fun historyOverLimit(namespace: String, events: List<HistoryEvent>, encoded: EncodedEvents, bytesBefore: Long): String? {
        val lastId = events.last().eventId
        val limits = io.kadence.KadenceLimits.of(namespace)
        val maxEvents = limits.maxHistoryEvents
        if (lastId > maxEvents) return "$lastId events, over the limit of $maxEvents events"
        val bytes = bytesBefore + encoded.bytes
        val maxBytes = limits.maxHistoryBytes
        if (bytes > maxBytes) return "$bytes bytes, over the limit of $maxBytes bytes"
        return null
    }

    /**
     * The task would grow the run's history past a limit ([overLimit] says which): its events are
     * not appended; the run is terminated (as Temporal does), its history intact.
     */
    private fun terminateForHistoryLimit(run: ResultRow, overLimit: String, now: Long, hints: Hints) {
        val reason = "history limit: the next workflow task would bring the history of workflow '${run[WorkflowExecutions.workflowId]}' " +
            "to $overLimit; use continue-as-new to start a fresh history before that (and keep large payloads out of it)"
        closeByEngine(run, WorkflowTerminated(reason), RunStatus.TERMINATED, FailureInfo(reason, "HistoryLimitExceeded", FailureInfo.KIND_TERMINATED), now, hints)
    }

    override fun resetRun(namespace: String, workflowId: String, runId: String?, eventId: Long, reason: String, now: Long): String = write { hints ->
        val baseRunId = resolveRunId(namespace, workflowId, runId) ?: throw WorkflowNotFoundException(workflowId, runId)
        val history = HistoryEvents.selectAll().where { HistoryEvents.runId eq baseRunId }.orderBy(HistoryEvents.eventId)
            .map { HistoryEvent(it[HistoryEvents.eventId], it[HistoryEvents.eventTime], HistoryCodec.decodeAttributes(it[HistoryEvents.body], "event ${it[HistoryEvents.eventId]} of run ${it[HistoryEvents.runId]}")) }
        if (history.getOrNull((eventId - 1).toInt())?.attributes !is WorkflowTaskCompleted) {
            val boundaries = history.filter { it.attributes is WorkflowTaskCompleted }.map { it.eventId }
            throw io.kadence.failure.InvalidArgumentException(
                "cannot reset workflow '$workflowId' (run $baseRunId) to event $eventId: a reset point must be a WorkflowTaskCompleted " +
                    "event of the run; its are $boundaries",
            )
        }
        // The workflow's open run (this one or a later one) gives way to the reset run.
        val current = resolveRunId(namespace, workflowId, null)
        current?.let(::lockOpenRun)?.let { open ->
            val why = "reset to event $eventId of run $baseRunId: $reason"
            closeByEngine(open, WorkflowTerminated(why), RunStatus.TERMINATED, FailureInfo(why, "Terminated", FailureInfo.KIND_TERMINATED), now, hints)
        }
        // The new run starts where the task at the boundary left the run: the boundary and the commands it produced.
        var end = eventId.toInt()
        while (end < history.size && history[end].attributes is io.kadence.history.CommandAttributes) end++
        val prefix = history.take(end)
        if ((prefix.last().attributes as? io.kadence.history.CommandAttributes)?.closesRun() == true) {
            throw io.kadence.failure.InvalidArgumentException(
                "cannot reset workflow '$workflowId' (run $baseRunId) to event $eventId: that task closed the run; reset to an earlier boundary",
            )
        }
        val started = prefix.first().attributes as WorkflowStarted
        val newRunId = OrderedIds.next()
        CurrentRuns.update({ (CurrentRuns.namespace eq namespace) and (CurrentRuns.workflowId eq workflowId) }) { it[CurrentRuns.runId] = newRunId }
        val encodedPrefix = EncodedEvents(prefix)
        insertRunRow(namespace, workflowId, newRunId, started, null, prefix.size + 1L, encodedPrefix.bytes, now)
        appendEvents(newRunId, encodedPrefix)
        // What the prefix left pending is pending again in the new run.
        val newRun = toRunRecord(runRow(newRunId)!!)
        val closedActivities = prefix.mapNotNull {
            when (val a = it.attributes) { is ActivityCompleted -> a.seq; is ActivityFailed -> a.seq; is ActivityCanceled -> a.seq; else -> null }
        }.toSet()
        val closedTimers = prefix.mapNotNull { when (val a = it.attributes) { is TimerFired -> a.seq; is TimerCanceled -> a.seq; else -> null } }.toSet()
        for (e in prefix) {
            when (val a = e.attributes) {
                // A session's activities do not carry over: their session does not (see below).
                is ActivityScheduled -> if (a.seq !in closedActivities && a.sessionId == null) scheduleActivity(newRun, a, now, hints)
                is TimerStarted -> if (a.seq !in closedTimers) {
                    Timers.insert { it[Timers.runId] = newRunId; it[seq] = a.seq; it[fireAt] = a.fireAtMillis }
                    hints.timer(a.fireAtMillis)
                }
                else -> {}
            }
        }
        insertInbox(newRunId, WorkflowReset(baseRunId, eventId, reason), now)
        // Sessions the prefix left open or waiting belonged to the terminated run, which released them: they fail here.
        openSessionsOf(prefix).forEach { (seq, created) ->
            val why = "the workflow was reset to event $eventId of run $baseRunId; sessions do not carry over to the new run"
            insertInbox(newRunId, SessionFailed(seq, created?.sessionId ?: "", created?.hostId ?: "", why), now)
        }
        history.drop(prefix.size).forEach { e -> (e.attributes as? WorkflowSignaled)?.let { insertInbox(newRunId, it, now) } }
        insertWorkflowTask(newRunId, namespace, started.taskQueue, now, now, 0, hints)
        insertRunDeadline(newRunId, started, now, hints)
        newRunId
    }

    /** The sessions [history] requested and did not see end, by request seq, with their `SessionCreated` if they got one. */
    private fun openSessionsOf(history: List<HistoryEvent>): Map<Long, SessionCreated?> {
        val open = LinkedHashMap<Long, SessionCreated?>()
        for (e in history) {
            when (val a = e.attributes) {
                is SessionRequested -> open[a.seq] = null
                is SessionCreated -> if (a.seq in open) open[a.seq] = a
                is SessionCompleted -> open.remove(a.seq)
                is SessionFailed -> open.remove(a.seq)
                is SessionCreationTimedOut -> open.remove(a.seq)
                is SessionRequestRejected -> open.remove(a.seq)
                else -> {}
            }
        }
        return open
    }

    /** The `WorkflowStarted` event of run [runId]. */
    private fun startedEventOf(runId: String): WorkflowStarted {
        val body = HistoryEvents.select(HistoryEvents.body)
            .where { (HistoryEvents.runId eq runId) and (HistoryEvents.eventId eq 1L) }.single()[HistoryEvents.body]
        return HistoryCodec.decodeAttributes(body) as WorkflowStarted
    }

    /**
     * After [old] failed (with [failure]) or timed out: starts its next attempt, in the same
     * transaction, if the workflow's retry policy and execution deadline allow. The next run's first
     * task is due after the back-off; [old]'s result column names it, so clients can follow.
     */
    private fun retryRun(old: RunRecord, failure: FailureInfo?, now: Long, hints: Hints): String? {
        val previous = startedEventOf(old.runId)
        val policy = previous.retryPolicy ?: return null
        val expiresAt = previous.executionExpiresAtMillis ?: previous.executionTimeoutMillis?.let { old.startTime + it }
        val at = RetryDecider.nextAttemptAt(policy, previous.attempt, failure, now, expiresAt) ?: return null
        val newRunId = OrderedIds.next()
        val started = previous.copy(
            attempt = previous.attempt + 1, runId = newRunId, continuedFromRunId = old.runId,
            executionExpiresAtMillis = expiresAt, firstTaskDelayMillis = (at - now).takeIf { it > 0 },
        )
        CurrentRuns.update({ (CurrentRuns.namespace eq old.namespace) and (CurrentRuns.workflowId eq old.workflowId) }) {
            it[runId] = newRunId
        }
        createRun(old.namespace, old.workflowId, newRunId, started, null, now, hints)
        WorkflowExecutions.update({ WorkflowExecutions.runId eq old.runId }) { it[result] = newRunId }
        return newRunId
    }

    // ---------------------------------------------------------------- child workflows

    /** Inserts an input into [runId]'s inbox without ensuring a task (the caller does). */
    internal fun insertInbox(runId: String, input: EventAttributes, now: Long) {
        HotSql.insertInbox(jdbc, runId, HistoryCodec.encodeAttributes(input), now)
    }

    /**
     * Starts the child [a] of [parent] in the parent's transaction and tells the parent how that
     * went (an input for its next task): started, or refused because the id is taken.
     */
    private fun startChildRun(parent: RunRecord, a: ChildWorkflowScheduled, now: Long, hints: Hints) {
        leaveOwnRun()
        val childRunId = OrderedIds.next()
        val started = WorkflowStarted(
            a.workflowType, a.workflowId, a.taskQueue, a.input, parent.namespace, a.executionTimeoutMillis, a.runTimeoutMillis,
            headers = a.headers, runId = childRunId, parentWorkflowId = parent.workflowId, parentRunId = parent.runId,
        )
        try {
            startRun(StartWorkflowRequest(parent.namespace, a.workflowId, a.workflowType, a.taskQueue, childRunId, null, started, now), hints)
        } catch (e: WorkflowAlreadyStartedException) {
            insertInbox(parent.runId, ChildWorkflowStartFailed(a.seq, Failures.toInfo(e)), now)
            return
        }
        WorkflowExecutions.update({ WorkflowExecutions.runId eq childRunId }) {
            it[parentRunId] = parent.runId
            it[parentSeq] = a.seq
            it[parentClosePolicy] = a.parentClosePolicy
        }
        insertInbox(parent.runId, ChildWorkflowStarted(a.seq, childRunId), now)
    }

    /** The parent asked its child [seq] to cancel. */
    private fun cancelChild(parentRunId: String, seq: Long, now: Long, hints: Hints) {
        leaveOwnRun()
        val child = WorkflowExecutions.select(WorkflowExecutions.runId)
            .where { (WorkflowExecutions.parentRunId eq parentRunId) and (WorkflowExecutions.parentSeq eq seq) }
            .map { it[WorkflowExecutions.runId] }.firstOrNull() ?: return
        lockOpenRun(child)?.let { addInput(it, WorkflowCancelRequested("canceled by its parent (run $parentRunId)"), now, hints) }
    }

    /**
     * After run [runId] closed with [status]: if it is a child, its parent hears how it ended (or,
     * when [successor] took over by continue-as-new or retry, the successor becomes the child); and
     * its own open children get their parent-close policy.
     */
    private fun afterClose(runId: String, status: RunStatus, result: String?, failure: FailureInfo?, successor: String?, now: Long, hints: Hints) {
        val link = HotSql.parentLink(jdbc, runId)
        val parent = link.parentRunId
        if (parent != null) {
            leaveOwnRun()
            if (successor != null) {
                WorkflowExecutions.update({ WorkflowExecutions.runId eq successor }) {
                    it[parentRunId] = parent
                    it[parentSeq] = link.parentSeq
                    it[parentClosePolicy] = link.policy
                }
            } else {
                lockOpenRun(parent)?.let { parentRow ->
                    val outcome = ChildWorkflowClosed(link.parentSeq!!, runId, status.name,
                        result.takeIf { status == RunStatus.COMPLETED }, failure)
                    addInput(parentRow, outcome, now, hints)
                }
            }
        }
        val children = HotSql.openChildren(jdbc, runId)
        if (children.isNotEmpty()) leaveOwnRun()
        for ((child, policy) in children) {
            val row = lockOpenRun(child) ?: continue
            when (policy) {
                "REQUEST_CANCEL" -> addInput(row, WorkflowCancelRequested("its parent (run $runId) closed as ${status.name}"), now, hints)
                "ABANDON" -> {}
                else -> {
                    val reason = "its parent (run $runId) closed as ${status.name} (parent-close policy TERMINATE)"
                    closeByEngine(row, WorkflowTerminated(reason), RunStatus.TERMINATED,
                        FailureInfo(reason, "Terminated", FailureInfo.KIND_TERMINATED), now, hints)
                }
            }
        }
    }

    /** Throws if [request]'s id-reuse policy forbids a new run after the closed run [last]. */
    private fun refuseReuse(request: StartWorkflowRequest, last: ResultRow) {
        val status = last[WorkflowExecutions.status]
        val refused = when (request.idReusePolicy) {
            "REJECT_DUPLICATE" -> true
            "ALLOW_DUPLICATE_FAILED_ONLY" -> status == RunStatus.COMPLETED.name || status == RunStatus.CONTINUED_AS_NEW.name
            else -> false
        }
        if (!refused) return
        val runId = last[WorkflowExecutions.runId]
        throw WorkflowAlreadyStartedException(
            request.workflowId, runId, last[WorkflowExecutions.workflowType],
            "workflow '${request.workflowId}' already ran (run $runId closed as $status) and the start's id-reuse policy " +
                "${request.idReusePolicy} forbids another run with this id; use another id or policy",
        )
    }

    /**
     * Inserts a new run: its row, `WorkflowStarted` as event 1, its first workflow task (unless
     * [firstTask] is false: the caller commits that task itself) and its deadline timer.
     */
    private fun createRun(
        namespace: String, workflowId: String, runId: String, started: WorkflowStarted, requestId: String?, now: Long, hints: Hints,
        firstTask: Boolean = true,
    ) {
        val first = EncodedEvents(listOf(HistoryEvent(1, now, started)))
        insertRunRow(namespace, workflowId, runId, started, requestId, 2, first.bytes, now)
        appendEvents(runId, first)
        hints.createdRuns[runId] = newRunRecord(namespace, runId, workflowId, started, now, first.bytes) to first.events[0]
        if (firstTask) insertWorkflowTask(runId, namespace, started.taskQueue, now + (started.firstTaskDelayMillis ?: 0), now, 0, hints) { started.taskTimeoutMillis }
        insertRunDeadline(runId, started, now, hints)
    }

    /** The row of a new open run whose history will continue at [nextEvent]. */
    private fun insertRunRow(
        namespace: String, workflowId: String, runId: String, started: WorkflowStarted, requestId: String?, nextEvent: Long, bytes: Long, now: Long,
    ) {
        HotSql.insertRun(
            jdbc, runId, namespace, workflowId, started.workflowType, started.taskQueue,
            nextEvent, bytes, now, requestId, started.taskTimeoutMillis,
        )
    }

    /** The timer that closes the run when its run or execution timeout passes, if it has one. */
    private fun insertRunDeadline(runId: String, started: WorkflowStarted, now: Long, hints: Hints) {
        val at = runDeadline(started, now) ?: return
        Timers.insert {
            it[Timers.runId] = runId
            it[seq] = RUN_TIMEOUT_SEQ
            it[fireAt] = at
        }
        hints.timer(at)
    }

    /**
     * Starts the run that [old] continues as ([c]), in the transaction that closes [old]: same workflow
     * id and headers, the execution deadline of the whole chain, and the signals [old] never read as
     * its first inputs.
     */
    private fun continueRun(old: RunRecord, c: WorkflowContinuedAsNew, now: Long, hints: Hints) {
        val previous = startedEventOf(old.runId)
        val started = previous.copy(
            workflowType = c.workflowType, taskQueue = c.taskQueue, input = c.input, attempt = 1, runId = c.newRunId,
            continuedFromRunId = old.runId,
            executionExpiresAtMillis = previous.executionExpiresAtMillis ?: previous.executionTimeoutMillis?.let { old.startTime + it },
        )
        CurrentRuns.update({ (CurrentRuns.namespace eq old.namespace) and (CurrentRuns.workflowId eq old.workflowId) }) {
            it[runId] = c.newRunId
        }
        createRun(old.namespace, old.workflowId, c.newRunId, started, null, now, hints)
        for (signal in c.signals) insertInbox(c.newRunId, signal, now)
    }

    internal fun runRow(runId: String, lock: Boolean = false): ResultRow? =
        if (lock) HotSql.lockRunRow(jdbc, runId) else WorkflowExecutions.selectAll().where { WorkflowExecutions.runId eq runId }.firstOrNull()

    private fun toRunRecord(r: ResultRow) = RunRecord(
        namespace = r[WorkflowExecutions.namespace],
        runId = r[WorkflowExecutions.runId],
        workflowId = r[WorkflowExecutions.workflowId],
        workflowType = r[WorkflowExecutions.workflowType],
        taskQueue = r[WorkflowExecutions.taskQueue],
        status = RunStatus.valueOf(r[WorkflowExecutions.status]),
        result = r[WorkflowExecutions.result],
        failure = r[WorkflowExecutions.failure]?.let(HistoryCodec::decodeFailure),
        nextEventId = r[WorkflowExecutions.nextEventId],
        startTime = r[WorkflowExecutions.startTime],
        closeTime = r[WorkflowExecutions.closeTime],
        taskFailure = r[WorkflowExecutions.taskFailure],
        taskFailureCount = r[WorkflowExecutions.taskFailureCount],
        historyBytes = r[WorkflowExecutions.historyBytes],
        taskTimeoutMillis = r[WorkflowExecutions.taskTimeoutMillis],
    )

    internal fun resolveRunId(namespace: String, workflowId: String, runId: String?): String? {
        if (runId != null) {
            val r = runRow(runId) ?: return null
            return runId.takeIf { r[WorkflowExecutions.namespace] == namespace && r[WorkflowExecutions.workflowId] == workflowId }
        }
        return CurrentRuns.select(CurrentRuns.runId)
            .where { (CurrentRuns.namespace eq namespace) and (CurrentRuns.workflowId eq workflowId) }
            .firstOrNull()?.get(CurrentRuns.runId)
    }

    override fun findRun(namespace: String, workflowId: String, runId: String?): RunRecord? = read {
        // The common case (a handle that knows its run, as every started one does) is one plain read.
        if (runId != null) return@read HotSql.readRun(jdbc, runId)?.takeIf { it.namespace == namespace && it.workflowId == workflowId }
        resolveRunId(namespace, workflowId, null)?.let { HotSql.readRun(jdbc, it) }
    }

    override fun readHistory(runId: String, fromEventId: Long, limit: Int): List<HistoryEvent> = read {
        HistoryEvents.selectAll()
            .where { (HistoryEvents.runId eq runId) and (HistoryEvents.eventId greaterEq fromEventId) }
            .orderBy(HistoryEvents.eventId)
            .let { if (limit < Int.MAX_VALUE) it.limit(limit) else it }
            .map { HistoryEvent(it[HistoryEvents.eventId], it[HistoryEvents.eventTime], HistoryCodec.decodeAttributes(it[HistoryEvents.body], "event ${it[HistoryEvents.eventId]} of run ${it[HistoryEvents.runId]}")) }
    }

    override fun listRuns(namespace: String, status: RunStatus?, workflowType: String?, limit: Int): List<RunRecord> = read {
        WorkflowExecutions.selectAll().where {
            var op = WorkflowExecutions.namespace eq namespace
            if (status != null) op = op and (WorkflowExecutions.status eq status.name)
            if (workflowType != null) op = op and (WorkflowExecutions.workflowType eq workflowType)
            op
        }.orderBy(WorkflowExecutions.startTime, SortOrder.DESC).limit(limit).map(::toRunRecord)
    }

    override fun pendingActivities(runId: String): List<PendingActivityRecord> = read {
        ActivityTasks.selectAll().where { ActivityTasks.runId eq runId }.orderBy(ActivityTasks.seq).map {
            PendingActivityRecord(
                seq = it[ActivityTasks.seq],
                activityType = it[ActivityTasks.activityType],
                attempt = it[ActivityTasks.attempt],
                running = it[ActivityTasks.leaseOwner] != null,
                cancelRequested = it[ActivityTasks.cancelRequested],
                lastFailure = it[ActivityTasks.lastFailure]?.let(HistoryCodec::decodeFailure),
                nextAttemptAt = it[ActivityTasks.visibleAt],
            )
        }
    }

    override fun pendingTimers(runId: String): List<PendingTimerRecord> = read {
        Timers.selectAll().where { Timers.runId eq runId }.orderBy(Timers.seq).map { PendingTimerRecord(it[Timers.seq], it[Timers.fireAt]) }
    }

    /** Locks and returns the open run [runId], or null when it is closed or gone. */
    internal fun lockOpenRun(runId: String): ResultRow? =
        runRow(runId, lock = true)?.takeIf { it[WorkflowExecutions.status] == RunStatus.RUNNING.name }

    private fun openRunOrThrow(namespace: String, workflowId: String, runId: String?): ResultRow {
        val id = resolveRunId(namespace, workflowId, runId) ?: throw WorkflowNotFoundException(workflowId, runId)
        return lockOpenRun(id)
            ?: throw WorkflowClosedException(workflowId, id, runRow(id)?.get(WorkflowExecutions.status) ?: "gone")
    }

    override fun requestCancel(namespace: String, workflowId: String, runId: String?, reason: String?, now: Long) = write { hints ->
        val run = openRunOrThrow(namespace, workflowId, runId)
        addInput(run, WorkflowCancelRequested(reason), now, hints)
    }

    override fun terminate(namespace: String, workflowId: String, runId: String?, reason: String?, now: Long) = write { hints ->
        val run = openRunOrThrow(namespace, workflowId, runId)
        closeByEngine(run, WorkflowTerminated(reason), RunStatus.TERMINATED,
            FailureInfo(reason ?: "terminated", "Terminated", FailureInfo.KIND_TERMINATED), now, hints)
    }

    /** Closes an open, locked run without running workflow code (terminate, timeout). */
    internal fun closeByEngine(run: ResultRow, event: EventAttributes, closeStatus: RunStatus, failureInfo: FailureInfo, now: Long, hints: Hints, retry: Boolean = false) {
        val id = run[WorkflowExecutions.runId]
        val eventId = run[WorkflowExecutions.nextEventId]
        val closing = EncodedEvents(listOf(HistoryEvent(eventId, now, event)))
        appendEvents(id, closing)
        WorkflowExecutions.update({ WorkflowExecutions.runId eq id }) {
            it[nextEventId] = eventId + 1
            it.update(historyBytes, historyBytes + closing.bytes)
            it[status] = closeStatus.name
            it[closeTime] = now
            it[failure] = HistoryCodec.encodeFailure(failureInfo)
        }
        dropRunWork(id, hints)
        val successor = if (retry) retryRun(toRunRecord(run), failureInfo, now, hints) else null
        afterClose(id, closeStatus, null, failureInfo, successor, now, hints)
        hints.closedRuns += id
    }

    /** When the run must be timed out: the earlier of its run timeout and execution timeout. */
    private fun runDeadline(started: EventAttributes, now: Long): Long? {
        val s = started as? WorkflowStarted ?: return null
        val executionDeadline = s.executionExpiresAtMillis ?: s.executionTimeoutMillis?.let { now + it }
        return listOfNotNull(s.runTimeoutMillis?.let { now + it }, executionDeadline).minOrNull()
    }

    /** Records an input for the run's next workflow task and makes sure such a task exists. */
    internal fun addInput(run: ResultRow, input: EventAttributes, now: Long, hints: Hints, dueAt: Long = now) =
        addInput(toRunRecord(run), input, now, hints, dueAt)

    /**
     * Adds [input] to the run's inbox and makes sure a workflow task will consume it. A new task is
     * visible from [dueAt] (at most [now]): the time the input was due, so that it queues behind only
     * work that was due before it (a fired timer is due at its fire time, not when it was fired).
     */
    internal fun addInput(run: RunRecord, input: EventAttributes, now: Long, hints: Hints, dueAt: Long = now) {
        insertInbox(run.runId, input, now)
        ensureWorkflowTask(run, now, hints, dueAt.coerceAtMost(now))
    }

    private fun ensureWorkflowTask(run: RunRecord, now: Long, hints: Hints, dueAt: Long) {
        val id = run.runId
        if (!HotSql.hasWorkflowTask(jdbc, id)) {
            insertWorkflowTask(id, run.namespace, run.taskQueue, dueAt, now, 0, hints) { run.taskTimeoutMillis }
        } else {
            // A run whose first task waits out a start delay (or a retry's back-off) starts now, as in Temporal.
            if (run.nextEventId == 2L) {
                WorkflowTasks.update({ (WorkflowTasks.runId eq id) and WorkflowTasks.leaseOwner.isNull() and (WorkflowTasks.visibleAt greater now) }) {
                    it[visibleAt] = now
                }
            }
            hints.workflowQueues += run.namespace to run.taskQueue
        }
    }

    /**
     * Creates the run's workflow task, visible at [visibleAt]. A task runnable now goes straight to a
     * local worker with a free slot when there is one (leased to it with token [token] + 1, handed
     * over after commit); otherwise pollers are told.
     */
    private fun insertWorkflowTask(
        runId: String, namespace: String, taskQueue: String, visibleAt: Long, now: Long, token: Long, hints: Hints,
        /** The run's workflow task timeout when the caller knows it (null: look it up if the task is leased at once). */
        taskTimeout: () -> Long? = { runTaskTimeout(runId) },
    ) {
        val slot = if (visibleAt <= now) eagerDispatch.reserveWorkflowTask(namespace, taskQueue, runId) else null
        // A slot reserved here is given back if the insert fails (a killed connection): until it is in
        // the hints, nothing else would release it, and its poller would never be idle again.
        releasingOnFailure(slot) { insertWorkflowTaskRow(runId, namespace, taskQueue, visibleAt, token, slot, taskTimeout) }
        if (slot == null) {
            hints.workflowQueues += namespace to taskQueue
            if (visibleAt > now) hints.timer(visibleAt)
        } else {
            hints.eagerWorkflowTasks += EagerWorkflowTask(runId, token + 1, slot, visibleAt)
        }
    }

    private inline fun <T> releasingOnFailure(slot: EagerSlot<*>?, block: () -> T): T = try {
        block()
    } catch (e: Throwable) {
        slot?.release()
        throw e
    }

    private fun insertWorkflowTaskRow(
        runId: String, namespace: String, taskQueue: String, visibleAt: Long, token: Long, slot: EagerSlot<WorkflowTaskLease>?, taskTimeout: () -> Long?,
    ) {
        HotSql.insertWorkflowTask(
            jdbc, runId, namespace, taskQueue, visibleAt,
            token = if (slot == null) token else token + 1, leaseOwner = slot?.owner,
            leaseMillis = if (slot == null) 0 else taskTimeout() ?: slot.leaseMillis,
        )
    }

    /** The workflow task timeout the run's start set, if any (the lease of its tasks). */
    private fun runTaskTimeout(runId: String): Long? =
        WorkflowExecutions.select(WorkflowExecutions.taskTimeoutMillis).where { WorkflowExecutions.runId eq runId }
            .firstOrNull()?.get(WorkflowExecutions.taskTimeoutMillis)

    /** Builds the leases of the workflow tasks stored leased in this transaction, from what it leaves behind. */
    private fun leaseEagerWorkflowTasks(hints: Hints) {
        // Each slot is in exactly one of the hints' lists at any moment, so a failure here releases it once.
        while (hints.eagerWorkflowTasks.isNotEmpty()) {
            val (id, token, slot, readyAt) = hints.eagerWorkflowTasks.first()
            // A run this transaction created (and did not close) is known as it was stored.
            hints.createdRuns[id]?.takeIf { id !in hints.closedRuns }?.let { (record, started) ->
                hints.eagerWorkflowTasks.removeAt(0)
                hints.eagerWorkflowLeases += slot to WorkflowTaskLease(record, token, slot.owner, inboxOf(id), listOf(started), readyAt)
                continue
            }
            val run = runRow(id)?.takeIf { it[WorkflowExecutions.status] == RunStatus.RUNNING.name }
            if (run == null) {
                hints.eagerWorkflowTasks.removeAt(0)
                slot.release()
                continue
            }
            val lease = WorkflowTaskLease(toRunRecord(run), token, slot.owner, inboxOf(id), readyAt = readyAt)
            hints.eagerWorkflowTasks.removeAt(0)
            hints.eagerWorkflowLeases += slot to lease
        }
    }

    private fun inboxOf(runId: String): List<InboxItem> = HotSql.inboxOf(jdbc, runId)

    private fun dropRunWork(runId: String, hints: Hints) {
        // Sessions of a run are only created by its own tasks, which need the run lock this transaction
        // holds, so a plain check is enough before taking the session rows' locks.
        if (HotSql.hasSessions(jdbc, runId)) {
            leaveOwnRun()
            sessions.releaseRun(runId, hints)
        }
        HotSql.dropRunWork(jdbc, runId)
    }

    /** Events with their stored bodies, encoded once for both the size check and the insert. */
    private class EncodedEvents(val events: List<HistoryEvent>) {
        val bodies: List<String> = events.map { HistoryCodec.encodeAttributes(it.attributes) }
        val bytes: Long = bodies.sumOf { utf8Length(it) }
    }

    private fun appendEvents(runId: String, encoded: EncodedEvents) =
        HotSql.appendEvents(jdbc, runId, encoded.events, encoded.bodies)

    /** The JDBC connection of the transaction this thread is in, for [HotSql]'s statements. */
    private val jdbc: java.sql.Connection get() = TransactionManager.current().connection.connection as java.sql.Connection

    // ---------------------------------------------------------------- workflow tasks

    override fun pollWorkflowTasks(namespace: String, taskQueue: String, owner: String, max: Int, leaseMillis: Long, now: Long): List<WorkflowTaskLease> = write {
        val claimed = WorkflowTasks.select(WorkflowTasks.runId, WorkflowTasks.leaseToken, WorkflowTasks.visibleAt, WorkflowTasks.leaseUntil)
            .where {
                (WorkflowTasks.namespace eq namespace) and (WorkflowTasks.taskQueue eq taskQueue) and
                    (WorkflowTasks.visibleAt lessEq now) and
                    (WorkflowTasks.leaseUntil.isNull() or (WorkflowTasks.leaseUntil less DbNowMillis))
            }
            .orderBy(WorkflowTasks.visibleAt)
            .limit(max)
            .forUpdate(ForUpdateOption.PostgreSQL.ForUpdate(ForUpdateOption.PostgreSQL.MODE.SKIP_LOCKED))
            // A task taken over from an expired lease (its worker died) reports no due time: how late it
            // starts measures the crash, not a queue standing here, and must not hold new starts back.
            .map { Triple(it[WorkflowTasks.runId], it[WorkflowTasks.leaseToken] + 1, it[WorkflowTasks.visibleAt].takeIf { _ -> it[WorkflowTasks.leaseUntil] == null }) }
        claimed.mapNotNull { (id, token, visibleAt) ->
            val run = HotSql.readRun(jdbc, id)
            // The run's own workflow task timeout, when its start set one, is the lease; else the worker's.
            HotSql.leaseWorkflowTask(jdbc, id, owner, token, run?.taskTimeoutMillis ?: leaseMillis)
            if (run == null) return@mapNotNull null
            WorkflowTaskLease(run, token, owner, inboxOf(id), readyAt = visibleAt)
        }
    }

    override fun requestUpdate(namespace: String, workflowId: String, runId: String?, updateId: String, name: String, input: String?, now: Long): String = write { hints ->
        val run = openRunOrThrow(namespace, workflowId, runId)
        val id = run[WorkflowExecutions.runId]
        val known = WorkflowUpdates.select(WorkflowUpdates.updateId)
            .where { (WorkflowUpdates.runId eq id) and (WorkflowUpdates.updateId eq updateId) }.any()
        if (!known) {
            WorkflowUpdates.insert {
                it[WorkflowUpdates.runId] = id
                it[WorkflowUpdates.updateId] = updateId
                it[updateName] = name
                it[outcome] = "REQUESTED"
                it[createdAt] = now
            }
            addInput(run, UpdateRequested(updateId, name, input), now, hints)
        }
        id
    }

    override fun updateOutcome(runId: String, updateId: String): UpdateOutcome? = read {
        WorkflowUpdates.selectAll().where { (WorkflowUpdates.runId eq runId) and (WorkflowUpdates.updateId eq updateId) }.firstOrNull()?.let {
            UpdateOutcome(it[WorkflowUpdates.outcome], it[WorkflowUpdates.result], it[WorkflowUpdates.failure]?.let(HistoryCodec::decodeFailure))
        }
    }

    private fun recordUpdateOutcomes(runId: String, events: List<HistoryEvent>, rejected: Map<String, FailureInfo>) {
        fun set(updateId: String, status: String, result: String?, failure: FailureInfo?) {
            WorkflowUpdates.update({ (WorkflowUpdates.runId eq runId) and (WorkflowUpdates.updateId eq updateId) }) {
                it[outcome] = status
                it[WorkflowUpdates.result] = result
                it[WorkflowUpdates.failure] = failure?.let(HistoryCodec::encodeFailure)
            }
        }
        rejected.forEach { (updateId, failure) -> set(updateId, "REJECTED", null, failure) }
        for (e in events) {
            when (val a = e.attributes) {
                is WorkflowUpdateAccepted -> set(a.updateId, "ACCEPTED", null, null)
                is WorkflowUpdateCompleted -> set(a.updateId, if (a.failure == null) "COMPLETED" else "FAILED", a.result, a.failure)
                else -> {}
            }
        }
    }

    override fun completeWorkflowTask(
        lease: WorkflowTaskLease,
        events: List<HistoryEvent>,
        consumedInboxSeq: Long,
        now: Long,
        rejectedUpdates: Map<String, FailureInfo>,
    ): TaskCompletion = writeGrouped(lease.run.runId) { hints ->
        val run = lease.run
        val id = run.runId
        val expected = run.nextEventId
        if (events.isEmpty() || events.first().eventId != expected) {
            throw IllegalArgumentException("events must start at event $expected of run $id")
        }
        val close = closeOf(events)
        if (close != null && newerInputsArrived(lease, consumedInboxSeq)) {
            // A signal came in while the task ran: closing now would drop it. Hand the task back so
            // the run is rebuilt and its code sees the signal before it decides to close.
            WorkflowTasks.update({ (WorkflowTasks.runId eq id) and (WorkflowTasks.leaseToken eq lease.token) }) {
                it[leaseOwner] = null
                it[leaseUntil] = null
                it[visibleAt] = now
            }
            hints.workflowQueues += run.namespace to run.taskQueue
            return@writeGrouped TaskCompletion.NEWER_INPUTS
        }
        val encoded = EncodedEvents(events)
        historyOverLimit(run.namespace, events, encoded, run.historyBytes)?.let { over ->
            terminateForHistoryLimit(lockOpenRun(id) ?: throw StaleTaskException("run $id closed"), over, now, hints)
            return@writeGrouped TaskCompletion.COMMITTED
        }
        advanceRun(id, expected, encoded, close, now)
        val retired = WorkflowTasks.deleteWhere { (WorkflowTasks.runId eq id) and (WorkflowTasks.leaseToken eq lease.token) }
        if (retired != 1) throw StaleTaskException("workflow task of run $id is no longer held by ${lease.owner} (lease expired or taken over)")
        // Exactly the rows the task read: on PostgreSQL identity values are taken at insert but become
        // visible at commit, so a row with a lower number than the last one read can commit after the
        // task read the inbox. Deleting "up to the last one read" lost such inputs.
        val consumed = consumedSeqs(lease, consumedInboxSeq)
        if (consumed.isNotEmpty()) Inbox.deleteWhere { (Inbox.runId eq id) and (Inbox.seq inList consumed) }
        applyTask(run, lease.token, encoded, close, now, rejectedUpdates, hints)
        TaskCompletion.COMMITTED
    }

    /** How [events] close the run, if they do: status, result, failure. */
    private fun closeOf(events: List<HistoryEvent>): Triple<RunStatus, String?, FailureInfo?>? = events.asReversed().firstNotNullOfOrNull { e ->
        when (val a = e.attributes) {
            is WorkflowCompleted -> Triple(RunStatus.COMPLETED, a.result, null)
            is WorkflowFailed -> Triple(RunStatus.FAILED, null, a.failure)
            is WorkflowCanceled -> Triple(RunStatus.CANCELED, null, FailureInfo(a.details ?: "canceled", "Canceled", FailureInfo.KIND_CANCELED))
            // The run's result column names the run it continued as, so readers can follow the chain.
            is WorkflowContinuedAsNew -> Triple(RunStatus.CONTINUED_AS_NEW, a.newRunId, null)
            else -> null
        }
    }

    /** Fencing: moves the run past [events] only if it is still open at the event id the task read ([expected]). */
    private fun advanceRun(id: String, expected: Long, encoded: EncodedEvents, close: Triple<RunStatus, String?, FailureInfo?>?, now: Long) {
        val closing = close?.let { Triple(it.first, it.second, it.third?.let(HistoryCodec::encodeFailure)) }
        val fenced = HotSql.advanceRun(jdbc, id, expected, encoded.events.last().eventId + 1, encoded.bytes, closing, now)
        if (!fenced) throw StaleTaskException("workflow task of run $id is stale: the run moved past event $expected or closed")
    }

    /**
     * Records a workflow task's [events] (already fenced) and what they mean: the run closes, or its
     * activities, timers and cancel requests take effect, and a new task is created if inputs wait.
     */
    private fun applyTask(
        run: RunRecord, token: Long, encoded: EncodedEvents, close: Triple<RunStatus, String?, FailureInfo?>?,
        now: Long, rejectedUpdates: Map<String, FailureInfo>, hints: Hints,
    ) {
        val id = run.runId
        val events = encoded.events
        appendEvents(id, encoded)
        recordUpdateOutcomes(id, events, rejectedUpdates)
        if (close != null) {
            // Children asked for (or asked to cancel) by the closing task are acted on before the
            // parent-close policy applies to them, as in Temporal.
            for (e in events) {
                when (val a = e.attributes) {
                    is ChildWorkflowScheduled -> startChildRun(run, a, now, hints)
                    is ChildWorkflowCancelRequested -> cancelChild(id, a.seq, now, hints)
                    else -> {}
                }
            }
            dropRunWork(id, hints)
            val continued = (events.last().attributes as? WorkflowContinuedAsNew)?.also { continueRun(run, it, now, hints) }?.newRunId
            val retried = if (close.first == RunStatus.FAILED) retryRun(run, close.third, now, hints) else null
            afterClose(id, close.first, close.second, close.third, continued ?: retried, now, hints)
            hints.closedRuns += id
            return
        }
        var newInputs = false
        for (e in events) {
            when (val a = e.attributes) {
                is ActivityScheduled -> scheduleActivity(run, a, now, hints)
                is TimerStarted -> {
                    Timers.insert {
                        it[runId] = id
                        it[seq] = a.seq
                        it[fireAt] = a.fireAtMillis
                    }
                    hints.timer(a.fireAtMillis)
                }
                is TimerCanceled -> HotSql.deleteTimer(jdbc, id, a.seq)
                is ActivityCancelRequested -> newInputs = requestActivityCancel(id, a.seq, now) || newInputs
                is ChildWorkflowScheduled -> startChildRun(run, a, now, hints)
                is ChildWorkflowCancelRequested -> cancelChild(id, a.seq, now, hints)
                is SessionRequested -> {
                    leaveOwnRun()
                    sessions.request(run, a, now, { input -> insertInbox(id, input, now) }, hints)
                }
                is SessionCompleted -> {
                    leaveOwnRun()
                    sessions.complete(id, a.seq, hints)
                }
                else -> {}
            }
        }
        val waiting = newInputs || HotSql.hasInbox(jdbc, id)
        if (waiting) insertWorkflowTask(id, run.namespace, run.taskQueue, now, now, token, hints) { run.taskTimeoutMillis }
    }

    override fun completeActivityWithTask(
        lease: ActivityTaskLease,
        outcome: EventAttributes,
        events: List<HistoryEvent>,
        now: Long,
        rejectedUpdates: Map<String, FailureInfo>,
    ): Boolean = writeGrouped(lease.runId) { hints ->
        commitAheadOrAsInput(finishActivityLocked(lease), outcome, events, now, now, rejectedUpdates, hints)
    }

    /**
     * The second half of a combined commit, once [input] (an activity's outcome, a fired timer) is
     * taken from where it waited: commits the task a local worker computed ahead over it ([events])
     * when nothing else waits for [run] and the run is still at the event id the task started from,
     * and returns true. Otherwise another task or input got there first, and [input] only joins the
     * run's inbox for a normal task (due at [dueAt]); false. Over a history limit the run is
     * terminated, with [input] kept as its input.
     */
    private fun commitAheadOrAsInput(
        run: RunRecord, input: EventAttributes, events: List<HistoryEvent>, now: Long, dueAt: Long,
        rejectedUpdates: Map<String, FailureInfo>, hints: Hints,
    ): Boolean {
        val alone = events.firstOrNull()?.eventId == run.nextEventId && !HotSql.hasPendingWork(jdbc, run.runId)
        if (!alone) {
            addInput(run, input, now, hints, dueAt)
            return false
        }
        commitTaskAhead(run, events, now, rejectedUpdates, hints) { addInput(run, input, now, hints, dueAt) }
        return true
    }

    override fun extendWorkflowTaskLease(lease: WorkflowTaskLease, leaseMillis: Long): Boolean = write {
        WorkflowTasks.update({ (WorkflowTasks.runId eq lease.run.runId) and (WorkflowTasks.leaseToken eq lease.token) }) {
            it.update(leaseUntil, DbNowMillis + leaseMillis)
        } == 1
    }

    /** Locks the run and tells whether inputs newer than [consumedInboxSeq] wait in its inbox. */
    private fun newerInputsArrived(lease: WorkflowTaskLease, consumedInboxSeq: Long): Boolean {
        lockOpenRun(lease.run.runId) ?: return false
        val consumed = consumedSeqs(lease, consumedInboxSeq)
        return Inbox.select(Inbox.seq).where {
            if (consumed.isEmpty()) Inbox.runId eq lease.run.runId else (Inbox.runId eq lease.run.runId) and (Inbox.seq notInList consumed)
        }.limit(1).any()
    }

    /** The inbox rows the task consumed: those it was given, up to [consumedInboxSeq]. */
    private fun consumedSeqs(lease: WorkflowTaskLease, consumedInboxSeq: Long): List<Long> =
        lease.inbox.map { it.seq }.filter { it <= consumedInboxSeq }

    private fun scheduleActivity(run: RunRecord, a: ActivityScheduled, now: Long, hints: Hints) {
        val o = a.options
        val slot = eagerDispatch.reserveActivityTask(run.namespace, a.taskQueue)
        val (leaseMillis, attemptMillis) = activityLeaseMillis(o)
        val taskId = releasingOnFailure(slot) {
            HotSql.insertActivity(jdbc, HotSql.NewActivity(
                runId = run.runId, seq = a.seq, namespace = run.namespace, taskQueue = a.taskQueue, workflowId = run.workflowId,
                workflowType = run.workflowType, activityType = a.activityType, input = a.input, options = HistoryCodec.encodeOptions(o),
                headers = if (a.headers.isEmpty()) null else headerJson.encodeToString(headerSerializer, a.headers), now = now,
                scheduleToStartDeadline = o.scheduleToStartMillis?.let { ms -> now + ms },
                scheduleToCloseDeadline = o.scheduleToCloseMillis?.let { ms -> now + ms }, sessionId = a.sessionId,
                leaseOwner = slot?.owner, leaseMillis = leaseMillis, attemptMillis = attemptMillis,
            ))
        }
        if (slot == null) {
            hints.activityQueues += run.namespace to a.taskQueue
            return
        }
        hints.eagerActivities += slot to ActivityTaskLease(
            taskId = taskId, namespace = run.namespace, runId = run.runId, workflowId = run.workflowId,
            workflowType = run.workflowType, seq = a.seq, activityType = a.activityType, taskQueue = a.taskQueue,
            input = a.input, options = o, headers = a.headers, attempt = 1, heartbeatDetails = null,
            scheduleToCloseDeadline = o.scheduleToCloseMillis?.let { ms -> now + ms }, owner = slot.owner,
        )
    }

    /** An attempt's lease (until the next heartbeat is due, or the whole attempt) and the attempt's length. */
    private fun activityLeaseMillis(options: io.kadence.history.ActivityTaskOptions): Pair<Long, Long> {
        val attemptMillis = options.startToCloseMillis ?: options.scheduleToCloseMillis!!
        return (options.heartbeatMillis?.coerceAtMost(attemptMillis) ?: attemptMillis) to attemptMillis
    }

    /** Cancels an activity that has not started (returns true: an input was added) or flags a running one. */
    private fun requestActivityCancel(runId: String, seq: Long, now: Long): Boolean {
        val row = ActivityTasks.selectAll().where { (ActivityTasks.runId eq runId) and (ActivityTasks.seq eq seq) }.forUpdate().firstOrNull()
            ?: return false
        if (row[ActivityTasks.leaseOwner] == null) {
            ActivityTasks.deleteWhere { ActivityTasks.taskId eq row[ActivityTasks.taskId] }
            insertInbox(runId, ActivityCanceled(seq), now)
            return true
        }
        ActivityTasks.update({ ActivityTasks.taskId eq row[ActivityTasks.taskId] }) { it[cancelRequested] = true }
        return false
    }

    override fun failWorkflowTask(lease: WorkflowTaskLease, failure: String, retryAt: Long) = write { hints ->
        val id = lease.run.runId
        lockOpenRun(id) ?: return@write
        val updated = WorkflowTasks.update({ (WorkflowTasks.runId eq id) and (WorkflowTasks.leaseToken eq lease.token) }) {
            it[leaseOwner] = null
            it[leaseUntil] = null
            it[visibleAt] = retryAt
        }
        if (updated != 1) return@write
        WorkflowExecutions.update({ WorkflowExecutions.runId eq id }) {
            it[taskFailure] = failure
            it.update(taskFailureCount, taskFailureCount + 1)
        }
        hints.timer(retryAt)
    }

    // ---------------------------------------------------------------- activity tasks

    override fun pollActivityTasks(namespace: String, taskQueue: String, owner: String, max: Int, now: Long): List<ActivityTaskLease> = write {
        val rows = ActivityTasks.selectAll()
            .where {
                (ActivityTasks.namespace eq namespace) and (ActivityTasks.taskQueue eq taskQueue) and
                    (ActivityTasks.visibleAt lessEq now) and ActivityTasks.leaseOwner.isNull()
            }
            .orderBy(ActivityTasks.visibleAt)
            .limit(max)
            .forUpdate(ForUpdateOption.PostgreSQL.ForUpdate(ForUpdateOption.PostgreSQL.MODE.SKIP_LOCKED))
            .toList()
        rows.map { r ->
            val options = HistoryCodec.decodeOptions(r[ActivityTasks.activityOptions])
            val (leaseMillis, attemptMillis) = activityLeaseMillis(options)
            ActivityTasks.update({ ActivityTasks.taskId eq r[ActivityTasks.taskId] }) {
                it[leaseOwner] = owner
                it.update(leaseUntil, DbNowMillis + leaseMillis)
                it.update(attemptDeadline, DbNowMillis + attemptMillis)
            }
            ActivityTaskLease(
                taskId = r[ActivityTasks.taskId],
                namespace = r[ActivityTasks.namespace],
                runId = r[ActivityTasks.runId],
                workflowId = r[ActivityTasks.workflowId],
                workflowType = r[ActivityTasks.workflowType],
                seq = r[ActivityTasks.seq],
                activityType = r[ActivityTasks.activityType],
                taskQueue = r[ActivityTasks.taskQueue],
                input = r[ActivityTasks.input],
                options = options,
                headers = r[ActivityTasks.headers]?.let { headerJson.decodeFromString(headerSerializer, it) } ?: emptyMap(),
                attempt = r[ActivityTasks.attempt],
                heartbeatDetails = r[ActivityTasks.heartbeatDetails],
                scheduleToCloseDeadline = r[ActivityTasks.scheduleToCloseDeadline],
                owner = owner,
            )
        }
    }

    /** The attempt is still this lease holder's: same owner and attempt, and its lease has not expired by the database clock. */
    private fun isHeld(lease: ActivityTaskLease) =
        (ActivityTasks.taskId eq lease.taskId) and (ActivityTasks.leaseOwner eq lease.owner) and
            (ActivityTasks.attempt eq lease.attempt) and (ActivityTasks.leaseUntil greaterEq DbNowMillis)

    /** Ends the activity with [outcome] delivered to its run, if [lease] still holds it. */
    private fun finishActivity(lease: ActivityTaskLease, outcome: EventAttributes, now: Long, hints: Hints) {
        addInput(finishActivityLocked(lease), outcome, now, hints)
    }

    /** Locks the activity's open run and retires the activity task, if [lease] still holds it; returns the run. */
    private fun finishActivityLocked(lease: ActivityTaskLease): RunRecord {
        val run = HotSql.lockRun(jdbc, lease.runId)?.takeIf { it.status == RunStatus.RUNNING }
            ?: throw StaleTaskException("activity '${lease.activityType}' of run ${lease.runId}: the run is closed; the result was dropped")
        if (!HotSql.deleteHeldActivity(jdbc, lease)) {
            throw StaleTaskException(
                "activity '${lease.activityType}' (seq ${lease.seq}) of run ${lease.runId}, attempt ${lease.attempt}: " +
                    "this worker no longer holds it (lease expired, timed out, or already completed); the late result was rejected",
            )
        }
        return run
    }

    override fun completeActivityTask(lease: ActivityTaskLease, result: String?, now: Long) = write { hints ->
        finishActivity(lease, ActivityCompleted(lease.seq, result, lease.attempt), now, hints)
    }

    override fun failActivityTask(lease: ActivityTaskLease, failure: FailureInfo, retryAt: Long?, now: Long) = write { hints ->
        if (retryAt == null) {
            finishActivity(lease, ActivityFailed(lease.seq, failure, lease.attempt), now, hints)
        } else {
            val updated = ActivityTasks.update({ isHeld(lease) }) {
                it[leaseOwner] = null
                it[leaseUntil] = null
                it[attemptDeadline] = null
                it[attempt] = lease.attempt + 1
                it[visibleAt] = retryAt
                it[lastFailure] = HistoryCodec.encodeFailure(failure)
            }
            if (updated != 1) throw StaleTaskException("activity '${lease.activityType}' (seq ${lease.seq}) of run ${lease.runId}: lease lost; failure of attempt ${lease.attempt} rejected")
            hints.timer(retryAt)
        }
    }

    override fun cancelActivityTask(lease: ActivityTaskLease, now: Long) = write { hints ->
        finishActivity(lease, ActivityCanceled(lease.seq), now, hints)
    }

    override fun heartbeatActivity(lease: ActivityTaskLease, details: String?): Boolean = write {
        val row = ActivityTasks.select(ActivityTasks.cancelRequested, ActivityTasks.attemptDeadline, DbNowMillis)
            .where { isHeld(lease) }.forUpdate().firstOrNull()
            ?: throw StaleTaskException("activity '${lease.activityType}' (seq ${lease.seq}) of run ${lease.runId}: lease lost (timed out, canceled or completed elsewhere)")
        val hb = lease.options.heartbeatMillis
        // Nothing to store (no details, no heartbeat timeout): an UPDATE without columns would throw.
        if (details != null || hb != null) {
            ActivityTasks.update({ ActivityTasks.taskId eq lease.taskId }) {
                if (details != null) it[heartbeatDetails] = details
                // A heartbeat extends the lease, but never past the attempt's start-to-close deadline.
                if (hb != null) it[leaseUntil] = minOf(row[DbNowMillis] + hb, row[ActivityTasks.attemptDeadline] ?: Long.MAX_VALUE)
            }
        }
        row[ActivityTasks.cancelRequested]
    }

    // ---------------------------------------------------------------- timers and timeouts

    override fun dueTimers(now: Long, max: Int): List<DueTimer> = read {
        Timers.select(Timers.runId, Timers.seq, Timers.fireAt).where { Timers.fireAt lessEq now }
            .orderBy(Timers.fireAt).limit(max).map { DueTimer(it[Timers.runId], it[Timers.seq], it[Timers.fireAt], it[Timers.seq] == RUN_TIMEOUT_SEQ) }
    }

    override fun fireTimers(due: List<DueTimer>, now: Long): Int {
        if (due.isEmpty()) return 0
        // A run's timers stay in one transaction; with many due, two transactions fire them at once.
        val runs = due.groupBy { it.runId }.toSortedMap().values.toList()
        if (runs.size < PARALLEL_FIRE_MIN) return fireInOneTransaction(runs.flatten(), now)
        val second = runs.subList(runs.size / 2, runs.size).flatten()
        val helper = java.util.concurrent.CompletableFuture.supplyAsync({ fireInOneTransaction(second, now) }, timerFiring)
        val first = fireInOneTransaction(runs.subList(0, runs.size / 2).flatten(), now)
        return first + try {
            helper.join()
        } catch (e: java.util.concurrent.CompletionException) {
            throw e.cause ?: e
        }
    }

    /** Timer firing's second transaction runs here (a daemon thread, made when first needed). */
    private val timerFiring = java.util.concurrent.Executors.newSingleThreadExecutor { r ->
        Thread(r, "kadence-timer-fire").apply { isDaemon = true }
    }

    /** Fires [due] timers (sorted by run id) in one transaction. */
    private fun fireInOneTransaction(due: List<DueTimer>, now: Long): Int =
        write { hints ->
            var fired = 0
            for (timer in due) {
                val id = timer.runId
                val run = lockOpenRun(id) ?: continue
                if (!HotSql.deleteTimer(jdbc, id, timer.seq)) continue
                if (timer.isRunTimeout) {
                    val (timeoutType, which) = runTimeoutKind(startedEventOf(id), run[WorkflowExecutions.startTime])
                    val message = "workflow '${run[WorkflowExecutions.workflowId]}' (run $id) timed out: its $which passed"
                    val failure = FailureInfo(message, "Timeout", FailureInfo.KIND_TIMEOUT, timeoutType = timeoutType)
                    closeByEngine(run, WorkflowTimedOut(timeoutType), RunStatus.TIMED_OUT, failure, now, hints, retry = true)
                } else {
                    addInput(run, TimerFired(timer.seq), now, hints, dueAt = timer.fireAt)
                }
                fired++
            }
            fired
        }

    override fun fireTimerWithTask(
        timer: DueTimer, events: List<HistoryEvent>, now: Long, rejectedUpdates: Map<String, FailureInfo>,
    ): TimerFiring = writeGrouped(timer.runId) { hints ->
        require(!timer.isRunTimeout) { "run ${timer.runId}: a run timeout closes the run; no workflow task consumes it" }
        val run = HotSql.lockRun(jdbc, timer.runId)?.takeIf { it.status == RunStatus.RUNNING } ?: return@writeGrouped TimerFiring.GONE
        if (!HotSql.deleteTimer(jdbc, timer.runId, timer.seq)) return@writeGrouped TimerFiring.GONE
        val fused = commitAheadOrAsInput(run, TimerFired(timer.seq), events, now, timer.fireAt, rejectedUpdates, hints)
        if (fused) TimerFiring.FUSED else TimerFiring.FIRED
    }

    /**
     * Which deadline a run's timeout timer stood for, as a timeout type and words for the message: the
     * execution timeout when it came strictly first (or alone), else the run timeout.
     */
    private fun runTimeoutKind(s: WorkflowStarted, startTime: Long): Pair<String, String> {
        val execution = s.executionExpiresAtMillis ?: s.executionTimeoutMillis?.let { startTime + it }
        val perRun = s.runTimeoutMillis?.let { startTime + it }
        return if (execution != null && (perRun == null || execution < perRun)) {
            "WORKFLOW_EXECUTION" to "execution timeout (${s.executionTimeoutMillis?.milliseconds ?: "inherited"})"
        } else {
            "WORKFLOW_RUN" to "run timeout (${s.runTimeoutMillis?.milliseconds})"
        }
    }

    override fun expireActivities(now: Long, max: Int): Int {
        val candidates = read {
            ActivityTasks.select(ActivityTasks.taskId, ActivityTasks.runId).where {
                (ActivityTasks.leaseOwner.isNotNull() and (ActivityTasks.leaseUntil less DbNowMillis)) or
                    (ActivityTasks.leaseOwner.isNull() and (ActivityTasks.scheduleToStartDeadline lessEq now)) or
                    (ActivityTasks.scheduleToCloseDeadline lessEq now)
            }.limit(max).map { it[ActivityTasks.taskId] to it[ActivityTasks.runId] }
        }
        var expired = 0
        for ((taskId, runId) in candidates) {
            write { hints -> if (expireOne(taskId, runId, now, hints)) expired++ }
        }
        return expired
    }

    private fun expireOne(taskId: Long, runId: String, now: Long, hints: Hints): Boolean {
        val run = lockOpenRun(runId) ?: return false
        val r = ActivityTasks.selectAll().where { ActivityTasks.taskId eq taskId }.forUpdate().firstOrNull() ?: return false
        val dbNow = ActivityTasks.select(DbNowMillis).where { ActivityTasks.taskId eq taskId }.first()[DbNowMillis]
        val options = HistoryCodec.decodeOptions(r[ActivityTasks.activityOptions])
        val attempt = r[ActivityTasks.attempt]
        val leased = r[ActivityTasks.leaseOwner] != null
        val closeDeadline = r[ActivityTasks.scheduleToCloseDeadline]
        val timeoutType = when {
            closeDeadline != null && closeDeadline <= now -> "SCHEDULE_TO_CLOSE"
            leased && (r[ActivityTasks.leaseUntil] ?: Long.MAX_VALUE) < dbNow -> when {
                options.heartbeatMillis != null && (r[ActivityTasks.attemptDeadline] ?: Long.MAX_VALUE) > dbNow -> "HEARTBEAT"
                // Without startToClose the attempt was given the whole scheduleToClose: that is what ran out.
                options.startToCloseMillis == null -> "SCHEDULE_TO_CLOSE"
                else -> "START_TO_CLOSE"
            }
            !leased && (r[ActivityTasks.scheduleToStartDeadline] ?: Long.MAX_VALUE) <= now -> "SCHEDULE_TO_START"
            else -> return false
        }
        val failure = FailureInfo(
            "activity '${r[ActivityTasks.activityType]}' (seq ${r[ActivityTasks.seq]}) of workflow '${r[ActivityTasks.workflowId]}' timed out ($timeoutType) in attempt $attempt",
            "Timeout", FailureInfo.KIND_TIMEOUT, timeoutType = timeoutType,
            // The previous attempt's failure, without the chain of earlier timeouts, so the depth stays bounded.
            cause = r[ActivityTasks.lastFailure]?.let(HistoryCodec::decodeFailure)?.let { if (it.kind == FailureInfo.KIND_TIMEOUT) it.cause else it },
        )
        val retryAt = if (timeoutType == "START_TO_CLOSE" || timeoutType == "HEARTBEAT") {
            RetryDecider.nextAttemptAt(options.retry, attempt, null, now, closeDeadline)
        } else null
        if (retryAt != null) {
            ActivityTasks.update({ ActivityTasks.taskId eq taskId }) {
                it[leaseOwner] = null
                it[leaseUntil] = null
                it[attemptDeadline] = null
                it[ActivityTasks.attempt] = attempt + 1
                it[visibleAt] = retryAt
                it[lastFailure] = HistoryCodec.encodeFailure(failure)
            }
            hints.timer(retryAt)
        } else {
            ActivityTasks.deleteWhere { ActivityTasks.taskId eq taskId }
            addInput(run, ActivityFailed(r[ActivityTasks.seq], failure, attempt), now, hints)
        }
        return true
    }

    override fun nextWakeTime(now: Long): Long? = read {
        val timer = Timers.select(Timers.fireAt.min()).firstOrNull()?.get(Timers.fireAt.min())
        val activity = ActivityTasks.select(ActivityTasks.visibleAt.min()).where { ActivityTasks.visibleAt greater now }
            .firstOrNull()?.get(ActivityTasks.visibleAt.min())
        val workflow = WorkflowTasks.select(WorkflowTasks.visibleAt.min()).where { WorkflowTasks.visibleAt greater now }
            .firstOrNull()?.get(WorkflowTasks.visibleAt.min())
        val deadlines = listOfNotNull(
            ActivityTasks.select(ActivityTasks.scheduleToCloseDeadline.min()).firstOrNull()?.get(ActivityTasks.scheduleToCloseDeadline.min()),
            ActivityTasks.select(ActivityTasks.scheduleToStartDeadline.min()).where { ActivityTasks.leaseOwner.isNull() }
                .firstOrNull()?.get(ActivityTasks.scheduleToStartDeadline.min()),
        ).filter { it > now }
        (listOfNotNull(timer, activity, workflow) + deadlines).minOrNull()
    }

    override fun hasRunnableTasks(now: Long, namespace: String, workflowQueues: Set<String>, activityQueues: Set<String>): Boolean = read {
        (workflowQueues.isNotEmpty() && WorkflowTasks.select(WorkflowTasks.runId).where {
            (WorkflowTasks.namespace eq namespace) and (WorkflowTasks.taskQueue inList workflowQueues) and
                (WorkflowTasks.visibleAt lessEq now) and (WorkflowTasks.leaseUntil.isNull() or (WorkflowTasks.leaseUntil less DbNowMillis))
        }.limit(1).any()) ||
            (activityQueues.isNotEmpty() && ActivityTasks.select(ActivityTasks.taskId).where {
                (ActivityTasks.namespace eq namespace) and (ActivityTasks.taskQueue inList activityQueues) and
                    (ActivityTasks.visibleAt lessEq now) and ActivityTasks.leaseOwner.isNull()
            }.limit(1).any()) ||
            Timers.select(Timers.runId).where { Timers.fireAt lessEq now }.limit(1).any()
    }

    override fun nextTimerDue(): Long? = read {
        Timers.select(Timers.fireAt.min()).firstOrNull()?.get(Timers.fireAt.min())
    }

    private companion object {
        /** Sequence number of the timer row that enforces a run's timeout (workflow timers are numbered from 1). */
        const val RUN_TIMEOUT_SEQ = -1L

        /**
         * From this many runs with due timers, they are fired in two transactions at once. On
         * PostgreSQL each timer is a few round trips, so one transaction at a time capped firing at
         * about 600 timers a second.
         */
        const val PARALLEL_FIRE_MIN = 32
        val headerJson = Json
        val headerSerializer = MapSerializer(String.serializer(), String.serializer())
    }
}

/** The UTF-8 length of [s] without encoding it (lone surrogates count as the 3-byte replacement). */
internal fun utf8Length(s: String): Long {
    var n = 0L
    var i = 0
    while (i < s.length) {
        val c = s[i]
        when {
            c.code < 0x80 -> n += 1
            c.code < 0x800 -> n += 2
            Character.isHighSurrogate(c) && i + 1 < s.length && Character.isLowSurrogate(s[i + 1]) -> { n += 4; i++ }
            else -> n += 3
        }
        i++
    }
    return n
}
