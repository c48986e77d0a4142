package io.kadence.test.process

import io.kadence.Kadence
import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.failure.SessionFailedException
import io.kadence.worker.WorkerOptions
import io.kadence.workflow.activities
import io.kadence.workflow.session
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** The steps of a fleet job; each says which host ran it. */
interface Fleet {
    suspend fun step(name: String): String
}

/**
 * Fetches, trains and publishes in one GPU session; when the session's host dies, starts over in a
 * new session (up to five times). Returns `attempt|fetch@host|train@host|publish@host`.
 */
val FleetJob = workflow<Int, String>("FleetJob") { n ->
    val fleet = activities<Fleet>(ActivityOptions(startToClose = 5.seconds))
    var attempt = 0
    var result: String? = null
    while (result == null) {
        attempt++
        try {
            result = session(creationTimeout = 3.minutes, executionTimeout = 5.minutes, resources = mapOf("gpu" to 1), heartbeatTimeout = 3.seconds) {
                "$attempt|${fleet.step("fetch-$n")}|${fleet.step("train-$n")}|${fleet.step("publish-$n")}"
            }
        } catch (e: SessionFailedException) {
            if (attempt >= 5) throw e
        }
    }
    result
}

/**
 * Child process of the multi-process session test: a session host and nothing else.
 *
 *     SessionHostMain <jdbcUrl> <user> <hostId> <maxSessions> <gpus> <graceSeconds>
 *
 * Prints `READY <hostId>` once the host is registered, and `PEAK <n>` each time more steps run at
 * once on it than ever before in this process (steps of one session are sequential, so this counts
 * sessions actually working here at once).
 */
fun main(args: Array<String>) = runBlocking {
    val (url, user, hostId, maxSessions, gpus) = args
    val grace = args[5].toInt()
    val running = AtomicInteger()
    var peak = 0
    val kadence = Kadence.connect(url, user, "")
    val options = WorkerOptions().apply {
        this.hostId = hostId
        sessions { maxConcurrent = maxSessions.toInt(); resource("gpu", gpus.toInt()); gracePeriod = grace.seconds }
    }
    kadence.worker("fleet", options) {
        activities<Fleet>(object : Fleet {
            override suspend fun step(name: String): String {
                val now = running.incrementAndGet()
                synchronized(running) {
                    if (now > peak) {
                        peak = now
                        println("PEAK $now")
                        System.out.flush()
                    }
                }
                try {
                    delay(100)
                } finally {
                    running.decrementAndGet()
                }
                return "$name@$hostId"
            }
        })
    }.start()
    println("READY $hostId")
    System.out.flush()
    Thread.sleep(Long.MAX_VALUE)
}
