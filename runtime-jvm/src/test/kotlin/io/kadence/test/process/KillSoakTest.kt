package io.kadence.test.process

import io.kadence.Kadence
import io.kadence.client.WorkflowStatus
import io.kadence.history.ActivityCompleted
import io.kadence.history.HistoryEvent
import io.kadence.internal.store.StoreConfig
import io.kadence.test.TestStores
import io.kadence.testing.ChildJvm
import io.kadence.testing.HistoryChecker
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.sql.DriverManager
import kotlin.random.Random
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/**
 * The random kill -9 test (issue #8): a worker JVM runs workflows of every shape (activities, a
 * timer, a child, a signal, continue-as-new, a session) and is killed with `kill -9` at random
 * moments, again and again, and restarted. Afterwards every workflow has its expected result,
 * every history passes the history checker and replays, and no activity ran again after its
 * completion was recorded (each activity's attempts, written by the activity itself under its
 * idempotency key, end with the attempt history recorded as completing it, run once).
 *
 * The default suite runs a short version (30 workflows, up to 6 kills). `-Dsoak=<minutes>` keeps
 * killing for that long, with batches of 200 workflows (a new batch when one is done), and prints its
 * figures.
 */
@Tag("process")
class KillSoakTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `workflows of every shape finish exactly once while their worker is killed with kill -9 again and again`() {
        val soakMinutes = System.getProperty("soak")?.toDoubleOrNull()
        val count = if (soakMinutes != null) 200 else 30
        val maxKills = if (soakMinutes != null) Int.MAX_VALUE else 6
        val until = System.currentTimeMillis() + ((soakMinutes ?: 4.0) * 60_000).toLong()
        val seed = System.getProperty("soak.seed")?.toLong() ?: System.nanoTime()
        val random = Random(seed)
        println("kill test: seed $seed, $count workflows, store ${TestStores.kind}")

        val (storeArgs, jdbc) = if (TestStores.isPostgres) {
            val url = TestStores.newPgSchema()
            // Made here, not by the two workers at once.
            DriverManager.getConnection(url, TestStores.pgUser, "").use {
                it.createStatement().execute("CREATE TABLE soak_attempts (step_key VARCHAR(200) NOT NULL, attempt INT NOT NULL)")
            }
            listOf("postgres", url, TestStores.pgUser) to Triple(url, TestStores.pgUser, "")
        } else {
            val data = dir.resolve("data")
            listOf("h2", data.toString()) to Triple(StoreConfig.h2File(data).jdbcUrl, "sa", "")
        }

        // On PostgreSQL two worker JVMs share the work (and one of them is killed each time); H2 is one process's file.
        val workers = if (TestStores.isPostgres) 2 else 1
        var kills = 0
        var starts = 0
        var stalled: AssertionError? = null
        // In a soak, another batch of workflows follows each finished one until the time is up.
        var target = count
        fun start(slot: Int): ChildJvm =
            ChildJvm.start("soak worker ${slot + 1} #${++starts}", CHILD_MAIN, listOf("$target") + storeArgs + "soak-host-${slot + 1}", dir)
                .also { it.awaitLine(60.seconds, "READY") { line -> line == "READY" } }
        val running = (0 until workers).map(::start).toMutableList()
        try {
            while (true) {
                val deadline = System.currentTimeMillis() + random.nextLong(200, 1_200)
                while (System.currentTimeMillis() < deadline && running.none { "ALL DONE" in it.output() }) Thread.sleep(20)
                val timeLeft = System.currentTimeMillis() < until
                if (running.any { "ALL DONE" in it.output() }) {
                    // The short version kills at least once: a batch that finished before the first kill (the
                    // second worker JVM can take longer to start than the first one takes to do it) is followed
                    // by another, up to three.
                    val noKillYet = soakMinutes == null && kills == 0 && target < 4 * count
                    if (!noKillYet && (soakMinutes == null || !timeLeft)) break
                    target += count
                    for (i in running.indices) {
                        running[i].kill9()
                        running[i].close()
                        running[i] = start(i)
                    }
                    continue
                }
                if (kills >= maxKills || !timeLeft) {
                    // Enough kills: let the work finish (the store is checked with no worker running).
                    try {
                        running[0].awaitLine(240.seconds, "ALL DONE") { it == "ALL DONE" }
                    } catch (e: AssertionError) {
                        // The store is checked all the same, so that the log names the workflows that stalled
                        // in a live worker and shows where their histories stopped.
                        stalled = e
                    }
                    break
                }
                val victim = random.nextInt(workers)
                assertEquals(137, running[victim].kill9())
                running[victim].close()
                kills++
                running[victim] = start(victim)
            }
        } finally {
            running.forEach { runCatching { it.kill9() }; it.close() }
        }

        val report = verify(target, jdbc)
        val lines = listOf(
            "RESULT\treliability\tkill-9\tworkflows\t$target\tcount",
            "RESULT\treliability\tkill-9\tworker-jvms\t$workers\tcount",
            "RESULT\treliability\tkill-9\tkills\t$kills\tcount",
            "RESULT\treliability\tkill-9\tlost\t${report.lost.size}\tcount",
            "RESULT\treliability\tkill-9\tduplicated\t${report.duplicated.size}\tcount",
            "RESULT\treliability\tkill-9\tcorrupted\t${report.corrupted.size}\tcount",
        )
        lines.forEach(::println)
        stalled?.let { throw AssertionError("${it.message}\nworkflows not done with their expected result: ${report.lost}", it) }
        assertEquals(emptyList(), report.lost, "workflows without their expected result")
        assertEquals(emptyList(), report.duplicated, "activities run again after their completion was recorded")
        assertEquals(emptyList(), report.corrupted, "histories that break an invariant or do not replay")
        assertTrue(kills >= 1, "the worker was never killed")
    }

    private class Report(val lost: List<String>, val duplicated: List<String>, val corrupted: List<String>)

    private fun verify(count: Int, jdbc: Triple<String, String, String>): Report {
        val (url, user, password) = jdbc
        val attempts = HashMap<String, MutableList<Int>>()
        DriverManager.getConnection(url, user, password).use { c ->
            c.createStatement().executeQuery("SELECT step_key, attempt FROM soak_attempts").use { rs ->
                while (rs.next()) attempts.getOrPut(rs.getString(1)) { ArrayList() } += rs.getInt(2)
            }
        }
        val kadence = if (TestStores.isPostgres) Kadence.connect(url, user, password) else Kadence.embedded(dir.resolve("data"))
        return kadence.use { k ->
            runBlocking {
                val allRuns = k.client.list(limit = Int.MAX_VALUE)
                // What a lost workflow left behind, so that a rare failure can be read from the CI log alone.
                suspend fun runsOf(id: String): String = allRuns.filter { it.workflowId == id || it.workflowId == "$id-child" }.map { r ->
                    val events = k.client.handle<String>(r.workflowId, String::class.java, r.runId).history().toList()
                    "${r.workflowId} ${r.runId} ${r.status}: " + events.takeLast(8).joinToString(", ") { "${it.eventId} ${it.attributes.describe()}" }
                }.joinToString("; ")
                val lost = (1..count).mapNotNull { n ->
                    val d = k.client.handle(SoakWorkflow, "soak-$n")
                    val result = try { d.result(5.seconds) } catch (e: Exception) { return@mapNotNull "soak-$n: ${e.message} [runs: ${runsOf("soak-$n")}]" }
                    if (result == expectedSoakResult(n)) null else "soak-$n ended with '$result', expected '${expectedSoakResult(n)}'"
                }
                val completed = allRuns.filter { it.workflowType == "SoakWorkflow" && it.status == WorkflowStatus.COMPLETED }
                val twice = completed.groupBy { it.workflowId }.filterValues { it.size > 1 }.keys
                if (twice.isNotEmpty()) println("completed more than once: $twice")
                val duplicated = ArrayList<String>()
                val corrupted = ArrayList<String>()
                for (run in k.client.list(limit = Int.MAX_VALUE)) {
                    val history: List<HistoryEvent> = k.client.handle<String>(run.workflowId, String::class.java, run.runId).history().toList()
                    val definition = if (run.workflowType == "SoakChild") SoakChild else SoakWorkflow
                    try {
                        HistoryChecker.check(history, definition)
                    } catch (e: Throwable) {
                        corrupted += "${run.workflowId} (${run.runId}): ${e.message}"
                    }
                    if (run.status == WorkflowStatus.RUNNING) corrupted += "${run.workflowId} (${run.runId}) is still open"
                    for (e in history) {
                        val done = e.attributes as? ActivityCompleted ?: continue
                        val key = "${run.runId}/${done.seq}"
                        val tried = attempts[key].orEmpty()
                        // Attempts after the recorded one, or the recorded one run twice, would be a re-run after completion.
                        if (tried.maxOrNull() != done.attempt || tried.count { it == done.attempt } != 1) {
                            duplicated += "$key completed on attempt ${done.attempt}; attempts run: ${tried.sorted()}"
                        }
                    }
                }
                Report(lost, duplicated, corrupted)
            }
        }
    }

    private companion object {
        const val CHILD_MAIN = "io.kadence.test.process.SoakMainKt"
    }
}
