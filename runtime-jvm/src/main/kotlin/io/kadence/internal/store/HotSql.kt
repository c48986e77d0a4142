package io.kadence.internal.store

import io.kadence.history.HistoryCodec
import io.kadence.history.HistoryEvent
import io.kadence.internal.spi.ActivityTaskLease
import io.kadence.internal.spi.InboxItem
import io.kadence.internal.spi.RunRecord
import io.kadence.internal.spi.RunStatus
import org.jetbrains.exposed.v1.core.Expression
import org.jetbrains.exposed.v1.core.ResultRow
import org.jetbrains.exposed.v1.jdbc.statements.jdbc.JdbcResult
import java.sql.Connection
import java.sql.PreparedStatement
import java.sql.ResultSet
import java.sql.Types

/**
 * The statements every workflow step runs, as plain JDBC with fixed SQL text.
 *
 * Under load these few statements are most of what the engine does, and building them with
 * Exposed's DSL cost more CPU than running them (quoting identifiers, assembling SQL text, boxing
 * arguments, wrapping results). Fixed text also lets each connection keep them prepared
 * ([ReusedStatements]), so neither database parses them again.
 * The rest of the store keeps Exposed, where clarity matters more than microseconds. Column and
 * table names are those of the migrations; the Exposed table objects name the same columns.
 */
internal object HotSql {
    private const val NOW = "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000 AS BIGINT)"
    private const val RUN_COLUMNS = "run_id, namespace, workflow_id, workflow_type, task_queue, status, result_payload, failure, " +
        "next_event_id, start_time, close_time, task_failure, task_failure_count, history_bytes, task_timeout_millis"

    private const val LOCK_RUN = "SELECT $RUN_COLUMNS FROM workflow_executions WHERE run_id = ? FOR UPDATE"
    private const val READ_RUN = "SELECT $RUN_COLUMNS FROM workflow_executions WHERE run_id = ?"
    private const val DELETE_HELD_ACTIVITY =
        "DELETE FROM activity_tasks WHERE task_id = ? AND lease_owner = ? AND attempt = ? AND lease_until >= $NOW"
    private const val PENDING_WORK =
        "SELECT 1 FROM workflow_tasks WHERE run_id = ? UNION ALL SELECT 1 FROM inbox WHERE run_id = ?"
    private const val ANY_INBOX = "SELECT 1 FROM inbox WHERE run_id = ?"
    private const val INBOX_OF = "SELECT seq, body FROM inbox WHERE run_id = ? ORDER BY seq"
    private const val ADVANCE_RUN = "UPDATE workflow_executions SET next_event_id = ?, history_bytes = history_bytes + ?, " +
        "task_failure = NULL, task_failure_count = 0, status = ?, result_payload = ?, failure = ?, close_time = ? " +
        "WHERE run_id = ? AND next_event_id = ? AND status = 'RUNNING'"
    private const val INSERT_EVENT = "INSERT INTO history_events (run_id, event_id, event_type, event_time, body) VALUES (?, ?, ?, ?, ?)"
    private const val INSERT_ACTIVITY = "INSERT INTO activity_tasks (run_id, seq, namespace, task_queue, workflow_id, workflow_type, " +
        "activity_type, input_payload, activity_options, header_map, attempt, visible_at, scheduled_at, schedule_to_start_deadline, " +
        "schedule_to_close_deadline, cancel_requested, session_id, lease_owner, lease_until, attempt_deadline) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, FALSE, ?, ?, $NOW + ?, $NOW + ?)"

    private const val INSERT_INBOX = "INSERT INTO inbox (run_id, body, created_at) VALUES (?, ?, ?)"
    private const val DELETE_TIMER = "DELETE FROM timers WHERE run_id = ? AND seq = ?"
    private const val ANY_WORKFLOW_TASK = "SELECT 1 FROM workflow_tasks WHERE run_id = ?"
    private val DROP_RUN_WORK = listOf("workflow_tasks", "activity_tasks", "timers", "inbox", "signal_requests")
        .map { table -> "DELETE FROM $table WHERE run_id = ?" }
    private const val ANY_SESSION = "SELECT 1 FROM sessions WHERE run_id = ?"
    private const val PARENT_LINK = "SELECT parent_run_id, parent_seq, parent_close_policy FROM workflow_executions WHERE run_id = ?"
    private const val OPEN_CHILDREN = "SELECT run_id, parent_close_policy FROM workflow_executions WHERE parent_run_id = ? AND status = 'RUNNING'"
    private const val LEASE_WORKFLOW_TASK = "UPDATE workflow_tasks SET lease_owner = ?, lease_token = ?, lease_until = $NOW + ? WHERE run_id = ?"

    private const val LOCK_CURRENT_RUN = "SELECT run_id FROM current_runs WHERE namespace = ? AND workflow_id = ? FOR UPDATE"
    private const val INSERT_CURRENT_RUN = "INSERT INTO current_runs (namespace, workflow_id, run_id) VALUES (?, ?, ?)"
    private const val INSERT_RUN = "INSERT INTO workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, " +
        "next_event_id, history_bytes, start_time, task_failure_count, request_id, task_timeout_millis) " +
        "VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?, 0, ?, ?)"
    private const val INSERT_WORKFLOW_TASK = "INSERT INTO workflow_tasks (run_id, namespace, task_queue, visible_at, lease_token, lease_owner, lease_until) " +
        "VALUES (?, ?, ?, ?, ?, ?, $NOW + ?)"

    /** Locks the run's row and returns it, or null when there is no such run. */
    fun lockRun(c: Connection, runId: String): RunRecord? = c.query(LOCK_RUN, runId) { rs -> if (rs.next()) rs.toRunRecord() else null }

    /** Every column of the Exposed table, by position in [LOCK_RUN_ROW]'s select list. */
    private val RUN_ROW_FIELDS: Map<Expression<*>, Int> = WorkflowExecutions.columns.withIndex().associate { (i, column) -> column to i }
    private val LOCK_RUN_ROW =
        "SELECT ${WorkflowExecutions.columns.joinToString { it.name }} FROM workflow_executions WHERE run_id = ? FOR UPDATE"

    /**
     * [lockRun] for the store's Exposed code: the whole row, as the [ResultRow] a `selectAll().forUpdate()`
     * gives. Built by Exposed, that statement's text is new to H2 each time (H2 never caches a
     * `FOR UPDATE`), and timers, signals and workflow task completions each take this lock.
     */
    fun lockRunRow(c: Connection, runId: String): ResultRow? = c.query(LOCK_RUN_ROW, runId) { rs ->
        if (rs.next()) ResultRow.create(JdbcResult(rs), RUN_ROW_FIELDS) else null
    }

    fun readRun(c: Connection, runId: String): RunRecord? = c.query(READ_RUN, runId) { rs -> if (rs.next()) rs.toRunRecord() else null }

    private fun ResultSet.toRunRecord() = RunRecord(
        runId = getString(1), namespace = getString(2), workflowId = getString(3), workflowType = getString(4),
        taskQueue = getString(5), status = RunStatus.valueOf(getString(6)), result = getString(7),
        failure = getString(8)?.let(HistoryCodec::decodeFailure), nextEventId = getLong(9), startTime = getLong(10),
        closeTime = nullableLong(11), taskFailure = getString(12), taskFailureCount = getInt(13), historyBytes = getLong(14),
        taskTimeoutMillis = nullableLong(15),
    )

    private fun ResultSet.nullableLong(i: Int): Long? = getLong(i).takeUnless { wasNull() }

    /** Retires the activity task if [lease] still holds it (same owner and attempt, lease not expired by the database clock). */
    fun deleteHeldActivity(c: Connection, lease: ActivityTaskLease): Boolean =
        c.update(DELETE_HELD_ACTIVITY, lease.taskId, lease.owner, lease.attempt) == 1

    /** True when the run has a workflow task or an input waiting. */
    fun hasPendingWork(c: Connection, runId: String): Boolean = c.query(PENDING_WORK, runId, runId, maxRows = 1) { it.next() }

    fun hasInbox(c: Connection, runId: String): Boolean = c.query(ANY_INBOX, runId, maxRows = 1) { it.next() }

    /** Adds an input, already encoded, to the run's inbox. */
    fun insertInbox(c: Connection, runId: String, body: String, now: Long) {
        c.update(INSERT_INBOX, runId, body, now)
    }

    /** Deletes the run's timer [seq]; false when it was not there (fired or canceled already). */
    fun deleteTimer(c: Connection, runId: String, seq: Long): Boolean = c.update(DELETE_TIMER, runId, seq) == 1

    /** True when the run has a workflow task, leased or not. */
    fun hasWorkflowTask(c: Connection, runId: String): Boolean = c.query(ANY_WORKFLOW_TASK, runId, maxRows = 1) { it.next() }

    fun inboxOf(c: Connection, runId: String): List<InboxItem> = c.query(INBOX_OF, runId) { rs ->
        val items = ArrayList<InboxItem>()
        while (rs.next()) items += InboxItem(rs.getLong(1), HistoryCodec.decodeAttributes(rs.getString(2)))
        items
    }

    /**
     * Fencing: moves the open run [runId] from [expected] to [next], adding [bytes] to its history size
     * and closing it as [close] says (status, result, encoded failure) when given. False: the run had moved on or closed.
     */
    fun advanceRun(c: Connection, runId: String, expected: Long, next: Long, bytes: Long, close: Triple<RunStatus, String?, String?>?, now: Long): Boolean =
        c.update(
            ADVANCE_RUN, next, bytes, (close?.first ?: RunStatus.RUNNING).name, close?.second, close?.third,
            bigint(now.takeIf { close != null }), runId, expected,
        ) == 1

    fun appendEvents(c: Connection, runId: String, events: List<HistoryEvent>, bodies: List<String>) {
        if (events.size == 1) {
            val e = events[0]
            c.update(INSERT_EVENT, runId, e.eventId, e.attributes::class.simpleName ?: "Unknown", e.timestampMillis, bodies[0])
            return
        }
        ReusedStatements.use(c, INSERT_EVENT) { s ->
            for (i in events.indices) {
                val e = events[i]
                s.bind(runId, e.eventId, e.attributes::class.simpleName ?: "Unknown", e.timestampMillis, bodies[i])
                s.addBatch()
            }
            s.executeBatch()
        }
    }

    /** What an activity task row holds when it is created (attempt 1, not canceled). */
    class NewActivity(
        val runId: String, val seq: Long, val namespace: String, val taskQueue: String, val workflowId: String,
        val workflowType: String, val activityType: String, val input: String?, val options: String, val headers: String?,
        val now: Long, val scheduleToStartDeadline: Long?, val scheduleToCloseDeadline: Long?, val sessionId: String?,
        /** Leased at once to this owner (an eager hand-off to a local worker), for these lease and attempt lengths. */
        val leaseOwner: String?, val leaseMillis: Long, val attemptMillis: Long,
    )

    /** Inserts the task and returns its id. */
    fun insertActivity(c: Connection, a: NewActivity): Long = ReusedStatements.use(c, INSERT_ACTIVITY, generatedKey = "task_id") { s ->
        val leased = a.leaseOwner != null
        s.bind(
            a.runId, a.seq, a.namespace, a.taskQueue, a.workflowId, a.workflowType, a.activityType, a.input, a.options, a.headers,
            a.now, a.now, bigint(a.scheduleToStartDeadline), bigint(a.scheduleToCloseDeadline), a.sessionId, a.leaseOwner,
            // An unleased task has no lease or attempt deadline: NOW + NULL is NULL.
            bigint(a.leaseMillis.takeIf { leased }), bigint(a.attemptMillis.takeIf { leased }),
        )
        s.executeUpdate()
        s.generatedKeys.use { keys -> check(keys.next()) { "no task id returned for the new activity task" }; keys.getLong(1) }
    }

    /** Deletes what a closed run leaves behind: its workflow task, activity tasks, timers, inbox and signal request ids. */
    fun dropRunWork(c: Connection, runId: String) {
        for (sql in DROP_RUN_WORK) c.update(sql, runId)
    }

    fun hasSessions(c: Connection, runId: String): Boolean = c.query(ANY_SESSION, runId, maxRows = 1) { it.next() }

    /** The parent a child run reports to: its run id (null for a top-level run), the child's seq there, and the parent-close policy. */
    class ParentLink(val parentRunId: String?, val parentSeq: Long?, val policy: String?)

    fun parentLink(c: Connection, runId: String): ParentLink = c.query(PARENT_LINK, runId) { rs ->
        check(rs.next()) { "run $runId has no row" }
        ParentLink(rs.getString(1), rs.nullableLong(2), rs.getString(3))
    }

    /** The open children of [runId], with their parent-close policies. */
    fun openChildren(c: Connection, runId: String): List<Pair<String, String?>> = c.query(OPEN_CHILDREN, runId) { rs ->
        val children = ArrayList<Pair<String, String?>>()
        while (rs.next()) children += rs.getString(1) to rs.getString(2)
        children
    }

    /** Leases the run's workflow task to [owner] with [token] for [leaseMillis] by the database clock. */
    fun leaseWorkflowTask(c: Connection, runId: String, owner: String, token: Long, leaseMillis: Long) {
        c.update(LEASE_WORKFLOW_TASK, owner, token, leaseMillis, runId)
    }

    /** Locks the workflow id's current-run row and returns the run id in it, or null when the id has none. */
    fun lockCurrentRun(c: Connection, namespace: String, workflowId: String): String? =
        c.query(LOCK_CURRENT_RUN, namespace, workflowId) { rs -> if (rs.next()) rs.getString(1) else null }

    fun insertCurrentRun(c: Connection, namespace: String, workflowId: String, runId: String) {
        c.update(INSERT_CURRENT_RUN, namespace, workflowId, runId)
    }

    /** The row of a new open run. */
    fun insertRun(
        c: Connection, runId: String, namespace: String, workflowId: String, workflowType: String, taskQueue: String,
        nextEventId: Long, historyBytes: Long, startTime: Long, requestId: String?, taskTimeoutMillis: Long?,
    ) {
        c.update(INSERT_RUN, runId, namespace, workflowId, workflowType, taskQueue, nextEventId, historyBytes, startTime, requestId, bigint(taskTimeoutMillis))
    }

    /** A workflow task for the run, free ([leaseOwner] null) or leased at once for [leaseMillis] by the database clock. */
    fun insertWorkflowTask(
        c: Connection, runId: String, namespace: String, taskQueue: String, visibleAt: Long, token: Long, leaseOwner: String?, leaseMillis: Long,
    ) {
        // A free task has no lease: NOW + NULL is NULL.
        c.update(INSERT_WORKFLOW_TASK, runId, namespace, taskQueue, visibleAt, token, leaseOwner, bigint(leaseMillis.takeIf { leaseOwner != null }))
    }

    // ---------------------------------------------------------------- binding

    /** A SQL NULL of a given type, for [bind]; a bare Kotlin null binds as a text NULL. */
    private class TypedNull(val sqlType: Int)

    private val NULL_BIGINT = TypedNull(Types.BIGINT)

    /** [v], or a BIGINT NULL: a number column's null must say its type (PostgreSQL will not read text as a number). */
    private fun bigint(v: Long?): Any = v ?: NULL_BIGINT

    /** Binds [values] to the statement's parameters in order: text, numbers, booleans and typed NULLs. */
    private fun PreparedStatement.bind(vararg values: Any?) {
        for (i in values.indices) {
            when (val v = values[i]) {
                null -> setNull(i + 1, Types.VARCHAR)
                is String -> setString(i + 1, v)
                is Long -> setLong(i + 1, v)
                is Int -> setInt(i + 1, v)
                is Boolean -> setBoolean(i + 1, v)
                is TypedNull -> setNull(i + 1, v.sqlType)
                else -> throw IllegalArgumentException("cannot bind a ${v::class.simpleName} (parameter ${i + 1})")
            }
        }
    }

    private fun Connection.update(sql: String, vararg values: Any?): Int = ReusedStatements.use(this, sql) { s ->
        s.bind(*values)
        s.executeUpdate()
    }

    private inline fun <T> Connection.query(sql: String, vararg values: Any?, maxRows: Int = 0, read: (ResultSet) -> T): T =
        ReusedStatements.use(this, sql) { s ->
            s.bind(*values)
            // A kept statement remembers the last use's limit: set it every time (0 is none).
            s.maxRows = maxRows
            s.executeQuery().use(read)
        }
}
