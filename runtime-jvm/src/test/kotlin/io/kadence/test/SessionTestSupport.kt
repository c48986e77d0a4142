package io.kadence.test

import io.kadence.Kadence
import io.kadence.activity.ActivityCanceledException
import io.kadence.activity.ActivityContext
import io.kadence.client.SessionHostDescription
import io.kadence.worker.SessionWorkerOptions
import io.kadence.worker.Worker
import io.kadence.workflow.WorkflowDefinition
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds

// Helpers shared by the session tests.

/** Activities that say which host ran them. */
interface HostSteps {
    suspend fun download(name: String): String
    suspend fun process(path: String): String
    suspend fun upload(path: String): String

    /** Holds one unit of the host's work for a moment, counting how many run at once on the host. */
    suspend fun hold(tag: String): String

    /** Heartbeats every 10 ms until a heartbeat says it is cancelled (then throws). */
    suspend fun watch(tag: String): String

    /** Fails with a non-retryable ApplicationFailure. */
    suspend fun fail(tag: String): String

    /** Marks the start of a session's work on the host (counted per host until [leave]). */
    suspend fun enter(tag: String): String

    /** Marks its end. */
    suspend fun leave(tag: String): String
}

/** What the hosts of one test saw, shared by the host implementations. */
class HostLog {
    val calls = CopyOnWriteArrayList<String>()
    val running = ConcurrentHashMap<String, AtomicInteger>()
    val maxRunning = ConcurrentHashMap<String, Int>()
    val watching = CompletableDeferred<String>()
    val watchStoppedBy = CompletableDeferred<String>()

    /** Sessions between enter and leave, per host, now and at most. */
    val inSession = ConcurrentHashMap<String, AtomicInteger>()
    val maxInSession = ConcurrentHashMap<String, Int>()

    fun hostsOf(prefix: String): Set<String> = calls.filter { it.startsWith(prefix) }.map { it.substringAfter('@') }.toSet()
}

/** The [HostSteps] of host [host]: results name the host and the queue the activity came from. */
class HostStepsOn(private val host: String, private val log: HostLog) : HostSteps {
    private suspend fun queue() = ActivityContext.currentInCoroutine().info.taskQueue

    private suspend fun record(step: String, arg: String): String {
        log.calls += "$step@$host"
        return "$step($arg)@$host via ${queue()}"
    }

    override suspend fun download(name: String) = record("download", name)
    override suspend fun process(path: String) = record("process", path.substringBefore(')') + ")")
    override suspend fun upload(path: String) = record("upload", path.substringBefore(')') + ")")

    override suspend fun hold(tag: String): String {
        val now = log.running.computeIfAbsent(host) { AtomicInteger() }.incrementAndGet()
        log.maxRunning.merge(host, now, ::maxOf)
        try {
            delay(5)
        } finally {
            log.running[host]!!.decrementAndGet()
        }
        return record("hold", tag)
    }

    override suspend fun fail(tag: String): String {
        log.calls += "fail@$host"
        throw io.kadence.failure.ApplicationFailure("no $tag here", "NotHere", nonRetryable = true)
    }

    override suspend fun enter(tag: String): String {
        val now = log.inSession.computeIfAbsent(host) { AtomicInteger() }.incrementAndGet()
        log.maxInSession.merge(host, now, ::maxOf)
        delay(2)
        return record("enter", tag)
    }

    override suspend fun leave(tag: String): String {
        log.inSession[host]!!.decrementAndGet()
        return record("leave", tag)
    }

    override suspend fun watch(tag: String): String {
        val ctx = ActivityContext.currentInCoroutine()
        log.calls += "watch@$host"
        log.watching.complete(host)
        repeat(3000) {
            delay(10)
            try {
                ctx.heartbeat()
            } catch (e: ActivityCanceledException) {
                log.watchStoppedBy.complete(e.message ?: "cancelled")
                throw e
            }
        }
        log.watchStoppedBy.complete("nothing")
        return "watched $tag"
    }
}

/** Starts a worker of [queue] that is only a session host [hostId]: activities, no workflows. */
fun Kadence.sessionHost(queue: String, hostId: String, log: HostLog, sessions: SessionWorkerOptions.() -> Unit = {}): Worker =
    worker(queue, TestStores.workerOptions { this.hostId = hostId; shutdownGracePeriod = 1.seconds }) {
        activities<HostSteps>(HostStepsOn(hostId, log))
        sessions(sessions)
    }.start()

/** Starts a worker of [queue] that runs [workflows] and no activities. */
fun Kadence.workflowWorker(queue: String, vararg workflows: WorkflowDefinition<*, *>): Worker =
    worker(queue, TestStores.workerOptions()) { workflows.forEach { register(it) } }.start()

/** The hosts of [queue], by host id. */
suspend fun Kadence.hostsOf(queue: String): Map<String, SessionHostDescription> =
    client.sessionHosts(queue).associateBy { it.hostId }
