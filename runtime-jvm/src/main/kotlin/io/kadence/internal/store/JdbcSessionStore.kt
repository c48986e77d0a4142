package io.kadence.internal.store

import io.kadence.history.EventAttributes
import io.kadence.history.SessionCreated
import io.kadence.history.SessionCreationTimedOut
import io.kadence.history.SessionFailed
import io.kadence.history.SessionRequestRejected
import io.kadence.history.SessionRequested
import io.kadence.internal.spi.HostKey
import io.kadence.internal.spi.HostRecord
import io.kadence.internal.spi.HostRegistration
import io.kadence.internal.spi.RunRecord
import io.kadence.internal.spi.SessionRecord
import io.kadence.internal.spi.SessionStore
import io.kadence.workflow.SessionOptions
import kotlinx.serialization.builtins.MapSerializer
import kotlinx.serialization.builtins.serializer
import kotlinx.serialization.json.Json
import org.jetbrains.exposed.v1.core.Expression
import org.jetbrains.exposed.v1.core.JoinType
import org.jetbrains.exposed.v1.core.ResultRow
import org.jetbrains.exposed.v1.core.SortOrder
import org.jetbrains.exposed.v1.core.and
import org.jetbrains.exposed.v1.core.eq
import org.jetbrains.exposed.v1.core.greater
import org.jetbrains.exposed.v1.core.inList
import org.jetbrains.exposed.v1.core.isNull
import org.jetbrains.exposed.v1.core.less
import org.jetbrains.exposed.v1.core.lessEq
import org.jetbrains.exposed.v1.core.longLiteral
import org.jetbrains.exposed.v1.core.min
import org.jetbrains.exposed.v1.core.or
import org.jetbrains.exposed.v1.core.plus
import org.jetbrains.exposed.v1.jdbc.deleteWhere
import org.jetbrains.exposed.v1.jdbc.insert
import org.jetbrains.exposed.v1.jdbc.select
import org.jetbrains.exposed.v1.jdbc.selectAll
import org.jetbrains.exposed.v1.jdbc.transactions.TransactionManager
import org.jetbrains.exposed.v1.jdbc.update
import java.util.UUID
import java.util.concurrent.ConcurrentHashMap
import kotlin.time.Duration.Companion.milliseconds

/**
 * Hosts and the session scheduler on the relational store (tables `hosts`, `sessions`,
 * `session_token_keys`). Every placement locks the host rows of its task queue (in host id order)
 * and reserves the session's resources in the transaction that records it, so schedulers in any
 * number of processes never over-commit a host. Lock order, as everywhere in the store: the run's
 * row, then the session row, then host rows.
 */
internal class JdbcSessionStore(private val store: JdbcHistoryStore) : SessionStore {
    override var hostClock: (() -> Long)? = null

    private val secrets = ConcurrentHashMap<String, String>()

    /** Now on the host clock, read in the current transaction. */
    private fun hostNow(): Long = hostClock?.invoke()
        ?: TransactionManager.current().exec("SELECT CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000 AS BIGINT)") { rs -> rs.next(); rs.getLong(1) }!!

    private fun hostNowExpr(): Expression<Long> = hostClock?.let { longLiteral(it()) } ?: DbNowMillis

    // ---------------------------------------------------------------- hosts

    override fun registerHost(host: HostRegistration) = store.write { hints ->
        val k = host.key
        if (SessionTokenKeys.selectAll().where { SessionTokenKeys.namespace eq k.namespace }.none()) {
            SessionTokenKeys.insert { it[namespace] = k.namespace; it[secret] = SessionTokens.newSecret() }
        }
        val now = hostNow()
        val existing = Hosts.selectAll().where { isHost(k) }.forUpdate().firstOrNull()
        if (existing == null) {
            Hosts.insert {
                it[namespace] = k.namespace; it[taskQueue] = k.taskQueue; it[hostId] = k.hostId
                it[capacity] = encode(host.capacity); it[used] = encode(emptyMap())
                it[heartbeatAt] = now; it[graceMillis] = host.graceMillis; it[accepting] = true
                it[workerIdentity] = host.identity.take(255); it[assignments] = 0
            }
        } else {
            Hosts.update({ isHost(k) }) {
                it[capacity] = encode(host.capacity); it[graceMillis] = host.graceMillis; it[accepting] = true
                it[workerIdentity] = host.identity.take(255); it[heartbeatAt] = maxOf(now, existing[Hosts.heartbeatAt])
            }
        }
        hints.freedQueues += k.namespace to k.taskQueue
    }

    override fun heartbeatHost(host: HostRegistration, at: Long?): Long? {
        val k = host.key
        val known = store.write {
            val t = at ?: hostNow()
            Hosts.update({ isHost(k) and (Hosts.heartbeatAt less t) }) { it[heartbeatAt] = t } == 1 ||
                Hosts.select(Hosts.hostId).where { isHost(k) }.any()
        }
        if (!known) registerHost(host)
        return store.read {
            Sessions.select(Sessions.heartbeatTimeoutMillis.min()).where { onHost(k) and (Sessions.status eq Sessions.OPEN) }
                .firstOrNull()?.get(Sessions.heartbeatTimeoutMillis.min())
        }
    }

    override fun stopAccepting(key: HostKey) {
        store.write { Hosts.update({ isHost(key) }) { it[accepting] = false } }
    }

    // ---------------------------------------------------------------- requests, placement, release

    /** A session request or open session, as its row says. */
    private class SessionRow(r: ResultRow) {
        val sessionId = r[Sessions.sessionId]
        val namespace = r[Sessions.namespace]
        val taskQueue = r[Sessions.taskQueue]
        val runId = r[Sessions.runId]
        val seq = r[Sessions.seq]
        val workflowId = r[Sessions.workflowId]
        val status = r[Sessions.status]
        val hostId = r[Sessions.hostId]
        val preferredHost = r[Sessions.preferredHost]
        val resources = decode(r[Sessions.resources])
        val heartbeatTimeoutMillis = r[Sessions.heartbeatTimeoutMillis]
        val requestedAt = r[Sessions.requestedAt]
        val creationDeadline = r[Sessions.creationDeadline]

        /** Everything the session takes on its host: its resources and one unit of the session limit. */
        val need: Map<String, Int> get() = resources + (SessionOptions.SESSIONS_RESOURCE to 1)
    }

    private class HostRow(r: ResultRow) {
        val key = HostKey(r[Hosts.namespace], r[Hosts.taskQueue], r[Hosts.hostId])
        val capacity = decode(r[Hosts.capacity])
        var used = decode(r[Hosts.used])
        val usedText = r[Hosts.used]
        val heartbeatAt = r[Hosts.heartbeatAt]
        val graceMillis = r[Hosts.graceMillis]
        val accepting = r[Hosts.accepting]
        val identity = r[Hosts.workerIdentity]
        val assignments = r[Hosts.assignments]

        fun free(resource: String): Int = (capacity[resource] ?: 0) - (used[resource] ?: 0)
        fun fits(need: Map<String, Int>): Boolean = need.all { (r, n) -> free(r) >= n }
        fun isLive(heartbeatTimeoutMillis: Long, now: Long): Boolean = accepting && now - heartbeatAt <= heartbeatTimeoutMillis

        /** The fullest of the resources [need] asks for, as a fraction of capacity. */
        fun load(need: Map<String, Int>): Double = need.keys.maxOf { (used[it] ?: 0).toDouble() / (capacity[it] ?: 0).coerceAtLeast(1) }
    }

    /**
     * Called by the workflow task that recorded [a] ([run] locked): refuses a bad recreate token, or
     * records the request and places it at once if a host has room. Its answer goes to [deliver].
     */
    fun request(run: RunRecord, a: SessionRequested, now: Long, deliver: (EventAttributes) -> Unit, hints: JdbcHistoryStore.Hints) {
        var taskQueue = a.taskQueue
        var resources = a.resources
        var preferred: String? = null
        a.recreateToken?.let { token ->
            val content = try {
                SessionTokens.verify(token, run.namespace, secretOf(run.namespace))
            } catch (e: SessionTokens.Refused) {
                deliver(SessionRequestRejected(a.seq, e.message!!))
                return
            }
            taskQueue = content.taskQueue
            resources = content.resources
            preferred = content.hostId
        }
        val sessionId = UUID.randomUUID().toString()
        Sessions.insert {
            it[Sessions.sessionId] = sessionId; it[namespace] = run.namespace; it[Sessions.taskQueue] = taskQueue
            it[runId] = run.runId; it[seq] = a.seq; it[workflowId] = run.workflowId; it[status] = Sessions.PENDING
            it[preferredHost] = preferred; it[Sessions.resources] = encode(resources)
            it[heartbeatTimeoutMillis] = a.heartbeatTimeoutMillis; it[requestedAt] = now
            it[creationDeadline] = now + a.creationTimeoutMillis
        }
        val row = SessionRow(Sessions.selectAll().where { Sessions.sessionId eq sessionId }.single())
        place(row, now, deliver)
    }

    /** Places the waiting request [s] on the best host with room, reserving its resources; false when none has room. */
    private fun place(s: SessionRow, now: Long, deliver: (EventAttributes) -> Unit): Boolean {
        val hosts = lockHosts(s.namespace, s.taskQueue)
        val need = s.need
        val hostNow = hostNow()
        val candidates = hosts.filter { it.isLive(s.heartbeatTimeoutMillis, hostNow) && it.fits(need) }
        val chosen = candidates.firstOrNull { it.key.hostId == s.preferredHost }
            ?: candidates.minWithOrNull(compareBy<HostRow>({ it.load(need) }, { it.assignments }, { it.key.hostId }))
            ?: return false
        val reserved = Hosts.update({ isHost(chosen.key) and (Hosts.used eq chosen.usedText) }) {
            it[used] = encode(add(chosen.used, need, 1))
            it[assignments] = chosen.assignments + 1
        }
        check(reserved == 1) { "host '${chosen.key.hostId}' changed under its row lock" }
        Sessions.update({ Sessions.sessionId eq s.sessionId }) {
            it[status] = Sessions.OPEN; it[hostId] = chosen.key.hostId; it[createdAt] = now
        }
        val token = SessionTokens.issue(
            secretOf(s.namespace) ?: error("namespace '${s.namespace}' has a host but no token key"),
            SessionTokens.Content(namespace = s.namespace, taskQueue = s.taskQueue, sessionId = s.sessionId, hostId = chosen.key.hostId, resources = s.resources),
        )
        deliver(SessionCreated(s.seq, s.sessionId, chosen.key.hostId, s.taskQueue, chosen.key.hostTaskQueue, s.resources, token))
        return true
    }

    /** The session [seq] of [runId] ended in its workflow (`SessionCompleted`): releases what it holds. */
    fun complete(runId: String, seq: Long, hints: JdbcHistoryStore.Hints) {
        val row = Sessions.selectAll().where { (Sessions.runId eq runId) and (Sessions.seq eq seq) }.forUpdate().firstOrNull() ?: return
        release(SessionRow(row), hints)
    }

    /** Run [runId] closed: every session it still holds or waits for goes. */
    fun releaseRun(runId: String, hints: JdbcHistoryStore.Hints) {
        val rows = Sessions.selectAll().where { Sessions.runId eq runId }.forUpdate().map(::SessionRow)
        // Host rows in one order everywhere, so two releasing transactions never wait on each other in a cycle.
        for (s in rows.sortedWith(compareBy({ it.taskQueue }, { it.hostId }))) release(s, hints)
    }

    /** Deletes the session row and gives its resources back to its host: exactly once, since the row goes with it. */
    private fun release(s: SessionRow, hints: JdbcHistoryStore.Hints) {
        if (Sessions.deleteWhere { Sessions.sessionId eq s.sessionId } != 1) return
        val hostId = s.hostId ?: return
        if (s.status != Sessions.OPEN) return
        val key = HostKey(s.namespace, s.taskQueue, hostId)
        val host = Hosts.selectAll().where { isHost(key) }.forUpdate().firstOrNull()?.let(::HostRow) ?: return
        Hosts.update({ isHost(key) }) { it[used] = encode(add(host.used, s.need, -1)) }
        hints.freedQueues += s.namespace to s.taskQueue
    }

    // ---------------------------------------------------------------- the sweep

    override fun expireSessions(now: Long, max: Int): Int {
        val due = store.read {
            val hostNow = hostNowExpr()
            Sessions.join(Hosts, JoinType.LEFT, additionalConstraint = { isHostOf() })
                .select(Sessions.sessionId, Sessions.runId)
                .where {
                    ((Sessions.status eq Sessions.PENDING) and (Sessions.creationDeadline lessEq now)) or
                        ((Sessions.status eq Sessions.OPEN) and (
                            Hosts.hostId.isNull() or
                                (((Hosts.heartbeatAt + Sessions.heartbeatTimeoutMillis) less hostNow) and ((Hosts.heartbeatAt + Hosts.graceMillis) less hostNow))
                            ))
                }
                .limit(max)
                .map { it[Sessions.sessionId] to it[Sessions.runId] }
        }
        var ended = 0
        for ((sessionId, runId) in due) if (store.write { hints -> expireOne(sessionId, runId, now, hints) }) ended++
        return ended
    }

    /**
     * Locks run [runId] and session [sessionId] (in the store's lock order) and hands both to [use];
     * a session whose run has closed is released instead ([closedResult]), one that is gone gives false.
     */
    private inline fun withSessionOfOpenRun(
        sessionId: String, runId: String, hints: JdbcHistoryStore.Hints, closedResult: Boolean, use: (ResultRow, SessionRow) -> Boolean,
    ): Boolean {
        val run = store.lockOpenRun(runId)
        val s = Sessions.selectAll().where { Sessions.sessionId eq sessionId }.forUpdate().firstOrNull()?.let(::SessionRow) ?: return false
        if (run == null) {
            // Its run closed without releasing it (cannot happen through the engine): just give it back.
            release(s, hints)
            return closedResult
        }
        return use(run, s)
    }

    private fun expireOne(sessionId: String, runId: String, now: Long, hints: JdbcHistoryStore.Hints): Boolean =
        withSessionOfOpenRun(sessionId, runId, hints, closedResult = true) { run, s -> expireLocked(run, s, sessionId, runId, now, hints) }

    private fun expireLocked(run: ResultRow, s: SessionRow, sessionId: String, runId: String, now: Long, hints: JdbcHistoryStore.Hints): Boolean {
        val deliver = { input: EventAttributes -> store.addInput(run, input, now, hints) }
        if (s.status == Sessions.PENDING) {
            if (s.creationDeadline > now) return false
            // A host may have room right at the deadline: better a session than a timeout.
            if (place(s, now, deliver)) return true
            val timedOut = creationTimeout(s, now)
            Sessions.deleteWhere { Sessions.sessionId eq sessionId }
            deliver(timedOut)
            return true
        }
        val hostNow = hostNow()
        val host = Hosts.selectAll().where { isHost(HostKey(s.namespace, s.taskQueue, s.hostId!!)) }.forUpdate().firstOrNull()?.let(::HostRow)
        val silentFor = host?.let { hostNow - it.heartbeatAt }
        if (host != null && (silentFor!! <= s.heartbeatTimeoutMillis || silentFor <= host.graceMillis)) return false
        release(s, hints)
        // Its activities go with it: what runs there now can no longer report (the task is gone), nothing queued starts.
        ActivityTasks.deleteWhere { (ActivityTasks.runId eq runId) and (ActivityTasks.sessionId eq sessionId) }
        val reason = if (host == null) "host '${s.hostId}' is no longer registered on task queue '${s.taskQueue}'"
            else "host '${s.hostId}' has not heartbeated for ${silentFor!!.milliseconds} (the session's heartbeat timeout is " +
                "${s.heartbeatTimeoutMillis.milliseconds}, the host's grace period ${host.graceMillis.milliseconds})"
        deliver(SessionFailed(s.seq, sessionId, s.hostId!!, reason))
        return true
    }

    /** What to tell a workflow whose request [s] found no room: the resources no live host had free. */
    private fun creationTimeout(s: SessionRow, now: Long): SessionCreationTimedOut {
        val hostNow = hostNow()
        val hosts = Hosts.selectAll().where { (Hosts.namespace eq s.namespace) and (Hosts.taskQueue eq s.taskQueue) }
            .orderBy(Hosts.hostId).map(::HostRow)
        val live = hosts.filter { it.isLive(s.heartbeatTimeoutMillis, hostNow) }
        val need = s.need
        val missing = need.filter { (r, n) -> live.none { it.free(r) >= n } }
        val waited = (now - s.requestedAt).milliseconds
        val what = need.entries.joinToString(", ") { "${it.key}=${it.value}" }
        val why = when {
            live.isEmpty() -> "no live host with sessions enabled polls the task queue" +
                (if (hosts.isEmpty()) "" else " (known hosts: ${hosts.joinToString { it.key.hostId + if (!it.accepting) " (shut down)" else " (silent)" }})")
            missing.isEmpty() -> "each of $what was free on some host, but no single host had them all at once"
            else -> "no live host had ${missing.entries.joinToString(", ") { "${it.key}=${it.value}" }} free (" +
                live.joinToString("; ") { h -> h.key.hostId + ": " + missing.keys.joinToString(", ") { r -> "$r ${h.used[r] ?: 0}/${h.capacity[r] ?: 0} used" } } + ")"
        }
        val message = "no session for workflow '${s.workflowId}' within its creation timeout of $waited on task queue '${s.taskQueue}' " +
            "(asked for $what): $why"
        return SessionCreationTimedOut(s.seq, missing, message)
    }

    override fun placeWaitingSessions(now: Long, max: Int): Int {
        val (waiting, hosts, hostNow) = store.read {
            val waiting = Sessions.selectAll().where { Sessions.status eq Sessions.PENDING }
                .orderBy(Sessions.requestedAt to SortOrder.ASC, Sessions.sessionId to SortOrder.ASC).limit(max).map(::SessionRow)
            val queues = waiting.map { it.taskQueue }.distinct()
            val hosts = if (queues.isEmpty()) emptyList()
                else Hosts.selectAll().where { Hosts.taskQueue inList queues }.map(::HostRow)
            Triple(waiting, hosts, hostNow())
        }
        var placed = 0
        for (s in waiting) {
            // Only requests that fit somewhere as far as this (unlocked) look can tell are tried, each
            // taking its room from the look, so a long queue of requests costs one read, not one lock each.
            val need = s.need
            val fit = hosts.filter { it.key.namespace == s.namespace && it.key.taskQueue == s.taskQueue }
                .firstOrNull { it.isLive(s.heartbeatTimeoutMillis, hostNow) && it.fits(need) } ?: continue
            fit.used = add(fit.used, need, 1)
            if (store.write { hints -> placeOne(s.sessionId, s.runId, now, hints) }) placed++
        }
        return placed
    }

    private fun placeOne(sessionId: String, runId: String, now: Long, hints: JdbcHistoryStore.Hints): Boolean =
        withSessionOfOpenRun(sessionId, runId, hints, closedResult = false) { run, s ->
            s.status == Sessions.PENDING && place(s, now) { input -> store.addInput(run, input, now, hints) }
        }

    override fun nextSessionDeadline(now: Long, live: Set<HostKey>): Long? = store.read {
        val creation = Sessions.select(Sessions.creationDeadline.min())
            .where { (Sessions.status eq Sessions.PENDING) and (Sessions.creationDeadline greater now) }
            .firstOrNull()?.get(Sessions.creationDeadline.min())
        val shortest = Sessions.heartbeatTimeoutMillis.min()
        val hostDeadlines = Sessions.join(Hosts, JoinType.INNER, additionalConstraint = { isHostOf() })
            .select(Hosts.namespace, Hosts.taskQueue, Hosts.hostId, Hosts.heartbeatAt, Hosts.graceMillis, shortest)
            .where { Sessions.status eq Sessions.OPEN }
            .groupBy(Hosts.namespace, Hosts.taskQueue, Hosts.hostId, Hosts.heartbeatAt, Hosts.graceMillis)
            .mapNotNull { r ->
                if (HostKey(r[Hosts.namespace], r[Hosts.taskQueue], r[Hosts.hostId]) in live) return@mapNotNull null
                r[Hosts.heartbeatAt] + maxOf(r[shortest] ?: 0, r[Hosts.graceMillis]) + 1
            }
        (hostDeadlines + listOfNotNull(creation)).filter { it > now }.minOrNull()
    }

    // ---------------------------------------------------------------- the operator's view

    override fun listHosts(namespace: String, taskQueue: String?): List<HostRecord> = store.read {
        val hostNow = hostNow()
        val hosts = Hosts.selectAll()
            .where { if (taskQueue == null) Hosts.namespace eq namespace else (Hosts.namespace eq namespace) and (Hosts.taskQueue eq taskQueue) }
            .orderBy(Hosts.taskQueue to SortOrder.ASC, Hosts.hostId to SortOrder.ASC).map(::HostRow)
        val sessions = Sessions.selectAll()
            .where { (Sessions.namespace eq namespace) and (Sessions.status eq Sessions.OPEN) }
            .orderBy(Sessions.createdAt to SortOrder.ASC, Sessions.sessionId to SortOrder.ASC)
            .map { r ->
                HostKey(r[Sessions.namespace], r[Sessions.taskQueue], r[Sessions.hostId]!!) to SessionRecord(
                    r[Sessions.sessionId], r[Sessions.workflowId], r[Sessions.runId], decode(r[Sessions.resources]),
                    r[Sessions.heartbeatTimeoutMillis], r[Sessions.createdAt] ?: 0,
                )
            }.groupBy({ it.first }, { it.second })
        hosts.map { h ->
            HostRecord(h.key, h.capacity, h.used.filterValues { it != 0 }, h.heartbeatAt, hostNow, h.graceMillis, h.accepting, h.identity,
                sessions[h.key].orEmpty())
        }
    }

    // ---------------------------------------------------------------- helpers

    private fun lockHosts(namespace: String, taskQueue: String): List<HostRow> =
        Hosts.selectAll().where { (Hosts.namespace eq namespace) and (Hosts.taskQueue eq taskQueue) }
            .orderBy(Hosts.hostId).forUpdate().map(::HostRow)

    /** The namespace's token secret, or null when no host of it ever registered (so no token was ever issued). */
    private fun secretOf(namespace: String): String? = secrets[namespace]
        ?: SessionTokenKeys.select(SessionTokenKeys.secret).where { SessionTokenKeys.namespace eq namespace }.firstOrNull()
            ?.get(SessionTokenKeys.secret)?.also { secrets[namespace] = it }

    private fun isHost(k: HostKey) = (Hosts.namespace eq k.namespace) and (Hosts.taskQueue eq k.taskQueue) and (Hosts.hostId eq k.hostId)
    private fun onHost(k: HostKey) = (Sessions.namespace eq k.namespace) and (Sessions.taskQueue eq k.taskQueue) and (Sessions.hostId eq k.hostId)
    private fun isHostOf() = (Sessions.namespace eq Hosts.namespace) and (Sessions.taskQueue eq Hosts.taskQueue) and (Sessions.hostId eq Hosts.hostId)

    companion object {
        private val json = Json
        private val mapSerializer = MapSerializer(String.serializer(), Int.serializer())

        /** Maps are stored with sorted keys, so equal maps are equal text (the optimistic check on `used` compares text). */
        fun encode(m: Map<String, Int>): String = json.encodeToString(mapSerializer, m.toSortedMap())
        fun decode(text: String): Map<String, Int> = json.decodeFromString(mapSerializer, text)

        private fun add(used: Map<String, Int>, need: Map<String, Int>, sign: Int): Map<String, Int> {
            val out = HashMap(used)
            for ((r, n) in need) out[r] = ((out[r] ?: 0) + sign * n).coerceAtLeast(0)
            return out.filterValues { it != 0 }
        }
    }
}
