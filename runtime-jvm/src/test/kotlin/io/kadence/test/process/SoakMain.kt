package io.kadence.test.process

import io.kadence.Kadence
import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityOptions
import io.kadence.client.WorkflowIdConflictPolicy
import io.kadence.client.WorkflowIdReusePolicy
import io.kadence.client.WorkflowStatus
import io.kadence.failure.WorkflowAlreadyStartedException
import io.kadence.failure.WorkflowClosedException
import io.kadence.client.signal
import io.kadence.dsl.workflow
import io.kadence.internal.store.StoreConfig
import io.kadence.worker.WorkerOptions
import io.kadence.workflow.ChildWorkflowOptions
import io.kadence.workflow.activities
import io.kadence.workflow.continueAsNew
import io.kadence.workflow.executeChild
import io.kadence.workflow.session
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.Serializable
import java.nio.file.Path
import java.sql.DriverManager
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** One step of a soak workflow: writes its attempt to `soak_attempts` under its idempotency key. */
interface SoakSteps {
    suspend fun step(name: String): String
}

@Serializable
data class SoakInput(val n: Int, val round: Int = 0)

/** Doubles its input after a short durable sleep. */
val SoakChild = workflow<Int, Int>("SoakChild") { n -> sleep(1_000.milliseconds); n * 2 }

/**
 * A workflow of every shape the kill test exercises: two activities (one in parallel with a timer),
 * a child, a signal, a session (for every third n), and one continue-as-new (even n). Its result is a
 * function of n only.
 */
val SoakWorkflow = workflow<SoakInput, String>("SoakWorkflow") { input ->
    val steps = activities<SoakSteps>(ActivityOptions(startToClose = 3.seconds) { retry { initialInterval = 100.milliseconds } })
    val n = input.n
    if (input.round == 0 && n % 2 == 0) {
        steps.step("before-continue")
        continueAsNew(SoakInput(n, 1))
    }
    val a = async { steps.step("a") }
    sleep(2_000.milliseconds)
    val b = steps.step("b")
    val doubled = executeChild(SoakChild, n, ChildWorkflowOptions(workflowId = "${info.workflowId}-child"))
    val go = signalChannel<String>("go").receive()
    val s = if (n % 3 == 0) {
        session(creationTimeout = 5.minutes, executionTimeout = 5.minutes, heartbeatTimeout = 5.seconds) { steps.step("in-session") }
    } else "no-session"
    "${a.await()}|$b|$doubled|$go|$s"
}

/** The result [SoakWorkflow] must end with for [n]. */
fun expectedSoakResult(n: Int): String = "a|b|${n * 2}|go|${if (n % 3 == 0) "in-session" else "no-session"}"

/**
 * Child process of the kill test: starts (or finds again) workflows `soak-1..N`, signals each, runs a
 * worker (also a session host) and prints `PROGRESS <completed>/<N>` as runs complete, then `ALL DONE`.
 * Killed with `kill -9` at any moment, it is simply started again.
 *
 *     SoakMain <N> h2 <dataDir> <hostId>
 *     SoakMain <N> postgres <jdbcUrl> <user> <hostId>
 */
fun main(args: Array<String>) = runBlocking {
    val count = args[0].toInt()
    val (kadence, jdbcUrl, user) = when (args[1]) {
        "h2" -> Triple(Kadence.embedded(Path.of(args[2])) { hostId = args[3] }, StoreConfig.h2File(Path.of(args[2])).jdbcUrl, "sa")
        else -> Triple(Kadence.connect(args[2], args[3], "") { hostId = args[4] }, args[2], args[3])
    }
    val attempts = DriverManager.getConnection(jdbcUrl, user, "")
    attempts.createStatement().execute("CREATE TABLE IF NOT EXISTS soak_attempts (step_key VARCHAR(200) NOT NULL, attempt INT NOT NULL)")
    val options = WorkerOptions().apply {
        workflowTaskTimeout = 2.seconds
        shutdownGracePeriod = 1.seconds
        sessions { maxConcurrent = 50; gracePeriod = 2.minutes }
    }
    kadence.worker("soak", options) {
        register(SoakWorkflow)
        register(SoakChild)
        activities<SoakSteps>(object : SoakSteps {
            override suspend fun step(name: String): String {
                val info = ActivityContext.currentInCoroutine().info
                synchronized(attempts) {
                    attempts.prepareStatement("INSERT INTO soak_attempts (step_key, attempt) VALUES (?, ?)").use {
                        it.setString(1, info.idempotencyKey)
                        it.setInt(2, info.attempt)
                        it.executeUpdate()
                    }
                }
                delay(100)
                return name.removePrefix("before-")
            }
        })
    }.start()
    if (args[1] == "h2") watchH2Sessions(jdbcUrl)
    println("READY")
    System.out.flush()
    for (n in 1..count) {
        // Shows in a failed test's log how far the starts got (a start may wait for admission).
        if (n > 1 && (n - 1) % 25 == 0) {
            println("STARTED ${n - 1}/$count")
            System.out.flush()
        }
        val id = "soak-$n"
        // Started again after every restart: an open run is found again, a closed one is left alone.
        try {
            kadence.client.start(SoakWorkflow, SoakInput(n)) {
                this.id = id; taskQueue = "soak"; requestId = id
                idReusePolicy = WorkflowIdReusePolicy.REJECT_DUPLICATE; idConflictPolicy = WorkflowIdConflictPolicy.USE_EXISTING
            }
        } catch (e: WorkflowAlreadyStartedException) {
            continue
        }
        try {
            kadence.client.handle(SoakWorkflow, id).signal("go", "go")
        } catch (e: WorkflowClosedException) {
            // It completed meanwhile.
        }
    }
    var last = -1
    while (true) {
        val done = kadence.client.count(WorkflowStatus.COMPLETED, "SoakWorkflow")
        if (done != last) {
            println("PROGRESS $done/$count")
            System.out.flush()
            last = done
        }
        if (done >= count) break
        delay(100)
    }
    println("ALL DONE")
    System.out.flush()
    Thread.sleep(Long.MAX_VALUE)
}

/**
 * Prints, every 20 s, the H2 sessions of this process that hold uncommitted changes or wait for
 * another session, so that a worker hung on a lock names the holder in the test's log.
 */
private fun watchH2Sessions(jdbcUrl: String) {
    val c = DriverManager.getConnection(jdbcUrl, "sa", "")
    Thread({
        while (true) {
            Thread.sleep(20_000)
            try {
                c.createStatement().executeQuery(
                    "SELECT SESSION_ID, BLOCKER_ID, CONTAINS_UNCOMMITTED, SESSION_STATE, SLEEP_SINCE, EXECUTING_STATEMENT " +
                        "FROM INFORMATION_SCHEMA.SESSIONS WHERE CONTAINS_UNCOMMITTED OR BLOCKER_ID IS NOT NULL",
                ).use { rs ->
                    while (rs.next()) {
                        println("H2 SESSION ${rs.getInt(1)} blocker=${rs.getObject(2)} uncommitted=${rs.getBoolean(3)} state=${rs.getString(4)} " +
                            "sleeping-since=${rs.getString(5)} statement=${rs.getString(6)?.take(120)}")
                    }
                }
                System.out.flush()
            } catch (e: java.sql.SQLException) {
                println("H2 SESSION watch failed: $e")
            }
        }
    }, "h2-session-watch").apply { isDaemon = true }.start()
}
