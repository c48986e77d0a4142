package io.kadence.test.process

import io.kadence.Kadence
import io.kadence.client.WorkflowStatus
import io.kadence.history.SessionFailed
import io.kadence.test.HistoryCheckExtension
import io.kadence.test.TestStores
import io.kadence.testing.ChildJvm
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assumptions
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/**
 * Three session hosts in three JVMs on one PostgreSQL schema, 100 workflows that each run three
 * steps in a GPU session. One host is killed with `kill -9` and restarted within its grace period
 * (its sessions continue); another is killed for good (its sessions fail after their heartbeat
 * timeout and the workflows start over on the other hosts). Checked throughout: no host's used
 * capacity, as the store and as the hosts themselves see it, ever exceeds what it declared.
 */
@Tag("process")
class SessionHostsProcessTest {
    @TempDir lateinit var dir: Path

    private class HostSpec(val id: String, val maxSessions: Int, val gpus: Int, val graceSeconds: Int) {
        fun args(url: String) = listOf(url, TestStores.pgUser, id, "$maxSessions", "$gpus", "$graceSeconds")
    }

    private val specs = listOf(
        HostSpec("host-1", maxSessions = 4, gpus = 2, graceSeconds = 30),
        HostSpec("host-2", maxSessions = 4, gpus = 1, graceSeconds = 0),
        HostSpec("host-3", maxSessions = 6, gpus = 3, graceSeconds = 0),
    )

    @Test
    fun `three host processes, one restarted after kill -9 and one killed for good, never over-commit and finish every workflow`() {
        Assumptions.assumeTrue(TestStores.isPostgres, "runs in the PostgreSQL pass: several processes share one database")
        val url = TestStores.newPgSchema()
        // The suite's history check covers this schema too (every history replayed against FleetJob).
        Kadence.connect(url, TestStores.pgUser, "").also { HistoryCheckExtension.opened(url, TestStores.pgUser, it) }.use { kadence ->
            kadence.worker("fleet") { register(FleetJob) }.start()
            val children = specs.associate { it.id to startHost(it, url, "first") }.toMutableMap()
            val peaks = CopyOnWriteArrayList<String>()
            try {
                runBlocking {
                    val overCommitted = CopyOnWriteArrayList<String>()
                    val sampler = launch(Dispatchers.IO) {
                        while (true) {
                            for (h in kadence.client.sessionHosts("fleet")) {
                                if (h.used.any { (r, n) -> n > (h.capacity[r] ?: 0) }) overCommitted += "${h.hostId}: used ${h.used} of ${h.capacity}"
                            }
                            delay(20)
                        }
                    }
                    val handles = (1..JOBS).map { n -> kadence.client.start(FleetJob, n) { id = "job-$n"; taskQueue = "fleet" } }
                    val results = handles.map { h -> async(Dispatchers.IO) { h.result(180.seconds) } }

                    awaitClosed(kadence, 20)
                    // host-1 dies while it holds a session and comes back on the same host id well within its 30 s grace period.
                    awaitSessionOn(kadence, "host-1")
                    val killed1 = children.getValue("host-1")
                    assertEquals(137, killed1.kill9())
                    peaks += killed1.peaks("host-1")
                    killed1.close()
                    children["host-1"] = startHost(specs[0], url, "restarted")

                    awaitClosed(kadence, 40)
                    // host-2 dies for good, while it holds a session.
                    val before = awaitSessionOn(kadence, "host-2")
                    val killed2 = children.getValue("host-2")
                    val killedAt = System.currentTimeMillis()
                    assertEquals(137, killed2.kill9())
                    peaks += killed2.peaks("host-2")
                    killed2.close()
                    children.remove("host-2")

                    val outcomes = results.awaitAll()
                    sampler.cancel()
                    assertEquals(emptyList(), overCommitted)

                    val failedHosts = HashSet<String>()
                    val failedAfterKill = ArrayList<Long>()
                    for ((i, h) in handles.withIndex()) {
                        assertEquals(WorkflowStatus.COMPLETED, h.describe().status)
                        val n = i + 1
                        val parts = outcomes[i].split('|')
                        val host = parts[1].substringAfter('@')
                        assertEquals(listOf("fetch-$n@$host", "train-$n@$host", "publish-$n@$host"), parts.drop(1), outcomes[i])
                        val failureEvents = h.history().toList().filter { it.attributes is SessionFailed }
                        val failures = failureEvents.map { it.attributes as SessionFailed }
                        failures.forEach { failedHosts += it.hostId }
                        // Recorded (by the workflow task that saw it) no earlier than the kill and within the heartbeat timeout plus a margin.
                        failureEvents.filter { (it.attributes as SessionFailed).hostId == "host-2" }.forEach { failedAfterKill += it.timestampMillis - killedAt }
                        assertEquals(parts[0].toInt(), failures.size + 1, "job-$n: one attempt per failed session, then the one that finished")
                        if (failures.isNotEmpty()) assertTrue(host != "host-2", "job-$n recovered on $host")
                    }
                    // The dead host's sessions failed within its heartbeat timeout of the kill (the host's last
                    // heartbeat was up to a third of it before the kill, so detection needs at most the timeout itself),
                    // plus a margin for the sweep and the workflow task that records the failure on a loaded machine.
                    assertTrue(failedAfterKill.isNotEmpty(), "no session of host-2 failed; hosts before the kill: $before")
                    println("RESULT\treliability\tsession-dead-host\tfailed-after-kill-max\t${failedAfterKill.max()}\tms")
                    assertTrue(failedAfterKill.all { it in 0..(HEARTBEAT_TIMEOUT_MS + FAILURE_MARGIN_MS) },
                        "sessions of host-2 failed at these times after its kill (ms): ${failedAfterKill.sorted()}; " +
                            "expected 0..${HEARTBEAT_TIMEOUT_MS + FAILURE_MARGIN_MS} (heartbeat timeout ${HEARTBEAT_TIMEOUT_MS} ms + margin)")
                    // Only the host that stayed dead failed sessions; the restarted one kept all of its own.
                    assertEquals(setOf("host-2"), failedHosts, "hosts before host-2 was killed: $before; final hosts: " +
                        outcomes.groupingBy { it.split('|')[1].substringAfter('@') }.eachCount())
                    for (h in kadence.client.sessionHosts("fleet")) {
                        assertEquals(emptyMap(), h.used, "${h.hostId} still holds capacity after every workflow ended")
                    }
                }
            } finally {
                for ((id, child) in children) {
                    peaks += child.peaks(id)
                    child.close()
                }
            }
            // The hosts' own view: never more steps at once than GPUs (steps of a session are sequential).
            val gpus = specs.associate { it.id to it.gpus }
            val over = peaks.filter { line -> line.substringAfter(' ').toInt() > gpus.getValue(line.substringBefore(' ')) }
            assertEquals(emptyList(), over, "peaks: $peaks")
        }
    }

    private fun startHost(spec: HostSpec, url: String, which: String): ChildJvm =
        ChildJvm.start("session host ${spec.id} ($which)", CHILD_MAIN, spec.args(url), dir).also { child ->
            child.awaitLine(60.seconds, "READY ${spec.id}") { it == "READY ${spec.id}" }
        }

    private fun ChildJvm.peaks(hostId: String): List<String> =
        output().filter { it.startsWith("PEAK ") }.map { "$hostId ${it.removePrefix("PEAK ")}" }

    /** Waits until [hostId] holds an open session; returns the hosts as the store sees them then. */
    private suspend fun awaitSessionOn(kadence: Kadence, hostId: String): String {
        val deadline = System.currentTimeMillis() + 60_000
        while (true) {
            val hosts = kadence.client.sessionHosts("fleet")
            if (hosts.any { it.hostId == hostId && it.sessions.isNotEmpty() }) {
                return hosts.joinToString("; ") { "${it.hostId} used ${it.used} sessions ${it.sessions.map { s -> s.workflowId }}" }
            }
            if (System.currentTimeMillis() >= deadline) {
                // Whether work was left to place tells a stalled placement from a run that had finished.
                val open = kadence.client.count(WorkflowStatus.RUNNING, "FleetJob")
                error("$hostId got no session within 60 s, with $open FleetJob runs still open: $hosts")
            }
            delay(5)
        }
    }

    private suspend fun awaitClosed(kadence: Kadence, atLeast: Int) {
        val deadline = System.currentTimeMillis() + 120_000
        while (true) {
            val closed = kadence.client.count(WorkflowStatus.COMPLETED)
            if (closed >= atLeast) return
            check(System.currentTimeMillis() < deadline) { "only $closed of $JOBS workflows completed within 120 s" }
            delay(50)
        }
    }

    private companion object {
        const val JOBS = 100
        /** FleetJob's session heartbeat timeout. */
        const val HEARTBEAT_TIMEOUT_MS = 3_000L
        /** Allowed beyond it: the sweep's pass and the workflow task that records SessionFailed. */
        const val FAILURE_MARGIN_MS = 5_000L
        const val CHILD_MAIN = "io.kadence.test.process.SessionHostMainKt"
    }
}
