package io.kadence.samples

import io.kadence.testing.ChildJvm
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/**
 * Runs the order sample in a real child JVM, kills it with `kill -9` at a chosen point, runs the
 * same command again, and checks the result and how often each activity ran (its journal).
 *
 * The workflow: reserve, durable sleep, charge (blocking, heartbeats every 100 ms, heartbeat
 * timeout 1 s), ship. Activity sequence numbers: reserve 1, timer 2, charge 3, ship 4.
 */
@Tag("process")
class CrashTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `killed during charge, the restarted sample retries charge as attempt 2 and runs nothing else again`() {
        val run = crashAndRestart("crash-charge", sleepSeconds = 1, chargeMillis = 1500) { it.startsWith("activity charge attempt=1 ") }.runId
        assertJournal(
            run,
            "activity reserve attempt=1 key=$run/1",
            "activity charge attempt=1 key=$run/3",
            "activity charge attempt=2 key=$run/3",
            "activity ship attempt=1 key=$run/4",
        )
    }

    @Test
    fun `killed during the durable sleep, the restarted sample wakes up and runs no activity again`() {
        // Kill once the workflow task that started the timer has committed: the sleep is then durable.
        val crash = crashAndRestart("crash-sleep", sleepSeconds = 3, chargeMillis = 200) {
            "committed workflow task of 'crash-sleep'" in it && "TimerStarted" in it
        }
        val run = crash.runId
        assertJournal(
            run,
            "activity reserve attempt=1 key=$run/1",
            "activity charge attempt=1 key=$run/3",
            "activity ship attempt=1 key=$run/4",
        )
        // The restart replayed the timer from history (replay does not log) instead of starting a new one.
        assertTrue(crash.restartOutput.none { "sleeping" in it }, "the restarted sample started the sleep again")
        assertTrue(crash.restartOutput.any { it.endsWith("woke up") }, "the restarted sample did not wake up")
    }

    @Test
    fun `killed right after reserve's completion committed, the restarted sample does not reserve again`() {
        // The outcome of reserve and the workflow task that consumed it commit together (the worker holds the
        // run in memory); the kill lands right after that commit, before the sleep ends.
        val run = crashAndRestart("crash-reserved", sleepSeconds = 1, chargeMillis = 200) {
            "committed workflow task of 'crash-reserved'" in it && "ActivityCompleted" in it
        }.runId
        assertJournal(
            run,
            "activity reserve attempt=1 key=$run/1",
            "activity charge attempt=1 key=$run/3",
            "activity ship attempt=1 key=$run/4",
        )
    }

    /**
     * Starts the sample for order [orderId], kills it at the first line matching [killAt], restarts it
     * with the same arguments and waits for its result.
     */
    private fun crashAndRestart(orderId: String, sleepSeconds: Int, chargeMillis: Int, killAt: (String) -> Boolean): Crash {
        val args = listOf("--data-dir", dir.resolve("data").toString(), "--order", orderId,
            "--sleep-s", "$sleepSeconds", "--charge-ms", "$chargeMillis")

        val runId = ChildJvm.start("sample $orderId, first run", SAMPLE_MAIN, args, dir, JVM_ARGS).use { first ->
            val started = first.awaitLine(60.seconds, "'started workflow'") { it.startsWith("started workflow $orderId ") }
            first.awaitLine(60.seconds, "the kill marker", killAt)
            assertEquals(137, first.kill9(), "exit code of the first run: killed by SIGKILL")
            assertTrue(first.output().none { it.startsWith("result: ") }, "the first run finished before it was killed:\n${first.dump()}")
            Regex("""\(run ([0-9a-f-]+)\)""").find(started)!!.groupValues[1]
        }

        val restartOutput = ChildJvm.start("sample $orderId, restart", SAMPLE_MAIN, args, dir, JVM_ARGS).use { second ->
            second.awaitLine(60.seconds, "'resuming'") { it == "workflow $orderId is already running (run $runId): resuming it" }
            val result = second.awaitLine(60.seconds, "the result") { it.startsWith("result: ") }
            assertEquals(
                "result: order $orderId: reserved 2 x espresso beans, charged 24.50 EUR, shipped to warehouse queue",
                result,
            )
            assertEquals(0, second.awaitExit(30.seconds), "exit code of the restarted run; output:\n${second.dump()}")
            second.output()
        }
        return Crash(runId, restartOutput)
    }

    /** The workflow's run id, and what the restarted sample printed. */
    private class Crash(val runId: String, val restartOutput: List<String>)

    private fun assertJournal(runId: String, vararg expected: String) {
        val journal = Files.readAllLines(dir.resolve("data").resolve("journal.log"))
        assertEquals(expected.toList(), journal, "activity attempts of run $runId (one journal line each)")
    }

    private companion object {
        const val SAMPLE_MAIN = "io.kadence.samples.order.OrderSampleKt"
        /** The sample's logging plus a line after each committed workflow task (to kill at a durable point). */
        val JVM_ARGS = listOf("-Dlogback.configurationFile=crash-test-logback.xml")
    }
}
