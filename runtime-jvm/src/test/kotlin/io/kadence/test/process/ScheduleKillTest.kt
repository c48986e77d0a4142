package io.kadence.test.process

import io.kadence.Kadence
import io.kadence.client.WorkflowStatus
import io.kadence.schedule.OverlapPolicy
import io.kadence.schedule.ScheduleSpec
import io.kadence.test.TestStores
import io.kadence.testing.ChildJvm
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assumptions
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.time.Instant
import java.time.temporal.ChronoUnit
import kotlin.random.Random
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.seconds

/**
 * Two scheduler processes on one PostgreSQL schema, one of them killed with `kill -9` every second
 * or two and restarted: a schedule every second for twelve seconds takes exactly one action per
 * nominal time.
 */
@Tag("process")
class ScheduleKillTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `two schedulers, one killed again and again, take exactly one action per nominal time`() {
        Assumptions.assumeTrue(TestStores.isPostgres, "runs in the PostgreSQL pass: two processes share one database")
        val url = TestStores.newPgSchema()
        val random = Random(System.nanoTime())
        Kadence.connect(url, TestStores.pgUser, "").use { kadence ->
            fun start(i: Int) = ChildJvm.start("scheduler $i", "io.kadence.test.process.ScheduleWorkerMainKt", listOf(url, TestStores.pgUser), dir)
                .also { it.awaitLine(60.seconds, "READY") { line -> line == "READY" } }
            val workers = mutableListOf(start(1), start(2))
            val first = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(3)
            val last = first.plusSeconds(11)
            val schedule = runBlocking {
                kadence.client.schedules.create("ticks", ScheduleSpec.every(1.seconds).between(first, last), Tick, "") {
                    taskQueue = "ticks"; overlap = OverlapPolicy.ALLOW_ALL
                }
            }
            var kills = 0
            try {
                while (Instant.now().isBefore(last.plusSeconds(1))) {
                    Thread.sleep(random.nextLong(700, 1_800))
                    val victim = random.nextInt(2)
                    workers[victim].kill9()
                    workers[victim].close()
                    kills++
                    workers[victim] = start(victim + 1)
                }
                runBlocking {
                    val deadline = System.currentTimeMillis() + 60_000
                    while (schedule.describe().actionsTaken < 12 || kadence.client.count(WorkflowStatus.RUNNING) > 0) {
                        check(System.currentTimeMillis() < deadline) { "schedule stalled: ${schedule.describe()}" }
                        Thread.sleep(100)
                    }
                    val d = schedule.describe()
                    val runs = kadence.client.list(workflowType = "Tick", limit = 1_000)
                    val expected = (0..11L).map { first.plusSeconds(it).toString() }
                    assertEquals(expected.map { "ticks-$it" }, runs.map { it.workflowId }.sorted(), "one run per nominal time")
                    assertEquals(12L, d.actionsTaken)
                    assertEquals(0L, d.missedCatchupWindow)
                    assertEquals(expected, runs.sortedBy { it.workflowId }.map { kadence.client.handle(Tick, it.workflowId).result(30.seconds) })
                    println("RESULT\treliability\tschedule-kill-9\tactions\t${d.actionsTaken}\tcount")
                    println("RESULT\treliability\tschedule-kill-9\tkills\t$kills\tcount")
                }
            } finally {
                workers.forEach { runCatching { it.kill9() }; it.close() }
            }
        }
    }
}
