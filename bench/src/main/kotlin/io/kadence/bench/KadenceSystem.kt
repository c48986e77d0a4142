package io.kadence.bench

import io.kadence.Kadence
import io.kadence.activity.ActivityOptions
import io.kadence.converter.DataConverter
import io.kadence.dsl.workflow
import io.kadence.internal.InternalKadenceApi
import io.kadence.internal.engine.WorkflowExecutor
import io.kadence.workflow.WorkflowDefinition
import io.kadence.workflow.activities
import io.kadence.workflow.session
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.nio.file.Files
import java.nio.file.Path
import java.sql.DriverManager
import java.util.Comparator
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

interface KadenceNoop {
    suspend fun noop(i: Int): Int
}

class KadenceNoopImpl : KadenceNoop {
    override suspend fun noop(i: Int): Int = i
}

private val activityOptions = ActivityOptions(startToClose = 10.seconds)

val KSteps = workflow<Int, Long>("BenchSteps") { n ->
    val a = activities<KadenceNoop>(activityOptions)
    var sum = 0L
    for (i in 0 until n) sum += a.noop(i)
    sum
}

val KFanOut = workflow<Int, Long>("BenchFanOut") { n ->
    val a = activities<KadenceNoop>(activityOptions)
    (0 until n).map { i -> async { a.noop(i) } }.awaitAll().sumOf { it.toLong() }
}

/** Sleeps [seconds] and returns how many ms past the due time the workflow resumed (workflow time). */
val KSleeper = workflow<Long, Long>("BenchSleeper") { seconds ->
    val t0 = now().toEpochMilli()
    sleep(seconds.seconds)
    now().toEpochMilli() - t0 - seconds * 1000
}

/** Opens a session on one of the hosts of its task queue and runs [n] no-op activities there. */
val KSession = workflow<Int, Long>("BenchSession") { n ->
    val a = activities<KadenceNoop>(activityOptions)
    session(creationTimeout = 1.minutes, executionTimeout = 1.minutes) {
        var sum = 0L
        for (i in 0 until n) sum += a.noop(i)
        sum
    }
}

/** Kadence embedded on H2 (fresh temp directory) or on PostgreSQL (fresh schema); default worker options. */
class KadenceSystem private constructor(
    override val name: String,
    private val kadence: Kadence,
    /** A way to count sleeping workflows with plain JDBC on the same database. */
    private val jdbc: () -> java.sql.Connection,
    private val cleanup: () -> Unit,
) : BenchSystem {
    private val queue = "bench"
    private val sessionQueue = "bench-sessions"

    init {
        kadence.worker(queue) {
            register(KSteps)
            register(KFanOut)
            register(KSleeper)
            activities<KadenceNoop>(KadenceNoopImpl())
        }.start()
        // Three session hosts of 8 sessions each on a queue of their own; the first also runs the workflows.
        for (h in 1..3) {
            kadence.worker(sessionQueue, io.kadence.worker.WorkerOptions().apply { hostId = "bench-host-$h" }) {
                if (h == 1) register(KSession)
                activities<KadenceNoop>(KadenceNoopImpl())
                sessions { maxConcurrent = 8 }
            }.start()
        }
    }

    override fun runSession(steps: Int): Long = runBlocking {
        kadence.client.start(KSession, steps) { taskQueue = sessionQueue }.result()
    }

    override fun runSteps(steps: Int): Long = runBlocking {
        kadence.client.start(KSteps, steps) { taskQueue = queue }.result()
    }

    override fun fanOut(n: Int): Long = runBlocking {
        kadence.client.start(KFanOut, n) { taskQueue = queue }.result()
    }

    override fun startSleeper(seconds: Long): Pending {
        val h = runBlocking { kadence.client.start(KSleeper, seconds) { taskQueue = queue } }
        return Pending { runBlocking { h.result() } }
    }

    /** Runs [block] on a plain JDBC connection to the same database (for [main] in Probe.kt). */
    fun <T> withJdbc(block: (java.sql.Connection) -> T): T = jdbc().use(block)

    override fun sleepingCount(): Long = jdbc().use { c ->
        c.createStatement().use { s -> s.executeQuery("SELECT COUNT(*) FROM timers").use { rs -> rs.next(); rs.getLong(1) } }
    }

    @OptIn(InternalKadenceApi::class)
    override fun prepareReplay(targetEvents: Int): Replay {
        fun historyOf(steps: Int): Pair<String, List<io.kadence.history.HistoryEvent>> = runBlocking {
            val h = kadence.client.start(KSteps, steps) { taskQueue = queue }
            h.result()
            h.runId!! to h.history().toList()
        }
        val steps = stepsForEvents(name, targetEvents) { historyOf(it).second.size }
        val (runId, events) = historyOf(steps)
        @Suppress("UNCHECKED_CAST")
        val def = KSteps as WorkflowDefinition<Any?, Any?>
        return object : Replay {
            override val events = events.size
            override fun replayOnce() {
                val ex = WorkflowExecutor(def, DataConverter.default, runId)
                ex.replay(events)
                check(ex.isClosed) { "replayed run did not close" }
            }
        }
    }

    override fun close() {
        try {
            kadence.close()
        } finally {
            cleanup()
        }
    }

    companion object {
        fun h2(opts: Options): KadenceSystem {
            val dir = Files.createTempDirectory("kadence-bench-h2")
            val kadence = Kadence.embedded(dir)
            // Same URL as the engine's own pool: in one JVM, H2 shares the open database.
            val url = "jdbc:h2:file:${dir.toAbsolutePath().resolve("kadence")};WRITE_DELAY=0;LOCK_TIMEOUT=10000"
            return KadenceSystem("kadence-h2", kadence, { DriverManager.getConnection(url, "sa", "") }) {
                if (!opts.keep) Files.walk(dir).sorted(Comparator.reverseOrder()).forEach { Files.deleteIfExists(it) }
            }
        }

        fun postgres(opts: Options): KadenceSystem {
            val schema = freshSchema(opts, "kadence_bench")
            val url = withSchema(opts.pgUrl, schema)
            val kadence = Kadence.connect(url, opts.pgUser, opts.pgPassword)
            return KadenceSystem("kadence-pg", kadence, { DriverManager.getConnection(url, opts.pgUser, opts.pgPassword) }) {
                if (!opts.keep) dropSchema(opts, schema)
            }
        }
    }
}

/** Creates a new, empty PostgreSQL schema named [prefix]_<time>_<pid> and returns its name. */
fun freshSchema(opts: Options, prefix: String): String {
    val schema = "${prefix}_${System.currentTimeMillis()}_${ProcessHandle.current().pid()}"
    DriverManager.getConnection(opts.pgUrl, opts.pgUser, opts.pgPassword).use { c ->
        c.createStatement().use { it.execute("CREATE SCHEMA $schema") }
    }
    return schema
}

fun dropSchema(opts: Options, schema: String) {
    DriverManager.getConnection(opts.pgUrl, opts.pgUser, opts.pgPassword).use { c ->
        c.createStatement().use { it.execute("DROP SCHEMA IF EXISTS $schema CASCADE") }
    }
}

fun withSchema(url: String, schema: String): String = url + (if ('?' in url) "&" else "?") + "currentSchema=$schema"
