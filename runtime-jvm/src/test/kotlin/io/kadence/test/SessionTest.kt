package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.client.signal
import io.kadence.failure.ActivityFailure
import io.kadence.failure.InvalidSessionTokenException
import io.kadence.failure.SessionCreationTimeoutException
import io.kadence.failure.SessionFailedException
import io.kadence.failure.TimeoutFailure
import io.kadence.history.ActivityCompleted
import io.kadence.history.SessionCreationTimedOut
import io.kadence.history.SessionFailed
import io.kadence.internal.runtime.HostIdentity
import io.kadence.testing.TestKadence
import io.kadence.workflow.recreateSession
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import java.nio.file.Files
import java.util.Base64
import kotlin.test.assertFailsWith
import kotlin.time.Duration.Companion.hours
import io.kadence.dsl.workflow
import io.kadence.history.ActivityScheduled
import io.kadence.history.SessionCompleted
import io.kadence.history.SessionCreated
import io.kadence.history.SessionRequested
import io.kadence.workflow.activities
import io.kadence.workflow.session
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

class SessionTest {
    private val steps = ActivityOptions(startToClose = 1.minutes)

    /** Downloads, then processes and uploads in parallel, all in one session; returns the host and the three results. */
    private val fileSession = workflow<String, List<String>>("FileSession") { name ->
        val files = activities<HostSteps>(steps)
        session(creationTimeout = 1.minutes, executionTimeout = 10.minutes) {
            val local = files.download(name)
            val (processed, uploaded) = listOf(async { files.process(local) }, async { files.upload(local) }).awaitAll()
            listOf(sessionInfo()!!.hostId, local, processed, uploaded)
        }
    }

    @Test
    fun `a session pins all its activities, async ones too, to one host out of two`() = runBlocking {
        TestStores.open().use { kadence ->
            val log = HostLog()
            kadence.workflowWorker("files", fileSession)
            kadence.sessionHost("files", "host-a", log)
            kadence.sessionHost("files", "host-b", log)
            val handles = (1..6).map { i -> kadence.client.start(fileSession, "f$i") { id = "file-$i"; taskQueue = "files" } }
            val results = handles.map { it.result(30.seconds) }
            for ((i, r) in results.withIndex()) {
                val host = r[0]
                assertEquals(
                    listOf("download(f${i + 1})@$host via files@$host", "process(download(f${i + 1}))@$host via files@$host",
                        "upload(download(f${i + 1}))@$host via files@$host"),
                    r.drop(1),
                )
            }
            // Placement spreads sessions over equally loaded hosts.
            assertEquals(setOf("host-a", "host-b"), results.map { it[0] }.toSet())

            val history = handles[0].history().toList().map { it.attributes }
            val created = history.filterIsInstance<SessionCreated>().single()
            assertEquals(1, history.filterIsInstance<SessionRequested>().size)
            assertEquals(1, history.filterIsInstance<SessionCompleted>().size)
            val scheduled = history.filterIsInstance<ActivityScheduled>()
            assertEquals(3, scheduled.size)
            assertTrue(scheduled.all { it.taskQueue == "files@${created.hostId}" && it.sessionId == created.sessionId }, scheduled.toString())

            // Every session gave its capacity back.
            val hosts = kadence.hostsOf("files")
            assertEquals(setOf("host-a", "host-b"), hosts.keys)
            for (h in hosts.values) {
                assertEquals(emptyMap(), h.used, h.toString())
                assertEquals(emptyList(), h.sessions)
                assertEquals(mapOf("sessions" to 1000), h.capacity)
                assertTrue(h.alive && h.acceptingSessions, h.toString())
            }
        }
    }

    /** Enters, holds and leaves a session that asks for [resources]; returns the host. */
    private fun job(name: String, resources: Map<String, Int>) = workflow<String, String>(name) { tag ->
        val files = activities<HostSteps>(steps)
        session(creationTimeout = 10.minutes, executionTimeout = 10.minutes, resources = resources) {
            files.enter(tag)
            files.hold(tag)
            files.leave(tag)
            sessionInfo()!!.hostId
        }
    }

    private val gpuJob = job("GpuJob", mapOf("gpu" to 1))
    private val plainJob = job("PlainJob", emptyMap())

    @Test
    fun `sessions go only to hosts with every resource free and never over-commit one`() = runBlocking {
        TestStores.open().use { kadence ->
            val log = HostLog()
            kadence.workflowWorker("files", gpuJob, plainJob)
            kadence.sessionHost("files", "gpu-host", log) { maxConcurrent = 8; resource("gpu", 2) }
            kadence.sessionHost("files", "cpu-host", log) { maxConcurrent = 3 }
            // An operator's view sampled while the sessions run: used never exceeds capacity.
            val overCommitted = java.util.concurrent.CopyOnWriteArrayList<String>()
            val sampler = launch {
                while (true) {
                    for (h in kadence.hostsOf("files").values) {
                        if (h.used.any { (r, n) -> n > (h.capacity[r] ?: 0) }) overCommitted += h.toString()
                    }
                    kotlinx.coroutines.delay(3)
                }
            }
            val gpu = (1..8).map { i -> kadence.client.start(gpuJob, "gpu-$i") { id = "gpu-$i"; taskQueue = "files" } }
            val plain = (1..8).map { i -> kadence.client.start(plainJob, "plain-$i") { id = "plain-$i"; taskQueue = "files" } }
            assertEquals(List(8) { "gpu-host" }, gpu.map { it.result(30.seconds) })
            val plainHosts = plain.map { it.result(30.seconds) }
            sampler.cancel()
            assertEquals(8, plainHosts.count { it == "gpu-host" || it == "cpu-host" })
            assertEquals(emptyList(), overCommitted)
            // Every session's enter/leave pair ran on its host; no more were in at once than its capacity.
            assertTrue(log.maxInSession["gpu-host"]!! <= 8 && (log.maxInSession["cpu-host"] ?: 0) <= 3, log.maxInSession.toString())
            assertEquals(8 + plainHosts.count { it == "gpu-host" }, log.calls.count { it == "enter@gpu-host" })
            for (h in kadence.hostsOf("files").values) assertEquals(emptyMap(), h.used, h.toString())
        }
    }

    /** Enters, holds and leaves a GPU session (the host counts sessions between enter and leave). */
    private val countedGpuJob = workflow<String, String>("CountedGpuJob") { tag ->
        val files = activities<HostSteps>(steps)
        session(creationTimeout = 10.minutes, executionTimeout = 10.minutes, resources = mapOf("gpu" to 1)) {
            files.enter(tag)
            files.hold(tag)
            files.leave(tag)
            sessionInfo()!!.hostId
        }
    }

    @Test
    fun `a host with two GPUs holds at most two GPU sessions at once and the rest wait for them`() = runBlocking {
        TestStores.open().use { kadence ->
            val log = HostLog()
            kadence.workflowWorker("gpus", countedGpuJob)
            kadence.sessionHost("gpus", "gpu-host", log) { maxConcurrent = 8; resource("gpu", 2) }
            val handles = (1..6).map { i -> kadence.client.start(countedGpuJob, "t$i") { id = "g-$i"; taskQueue = "gpus" } }
            assertEquals(List(6) { "gpu-host" }, handles.map { it.result(30.seconds) })
            assertTrue(log.maxInSession["gpu-host"]!! <= 2, "GPU sessions at once: ${log.maxInSession}")
            assertEquals(emptyMap(), kadence.hostsOf("gpus").getValue("gpu-host").used)
        }
    }

    private val greedy = workflow<Unit, String>("Greedy") {
        try {
            session(creationTimeout = 1.minutes, executionTimeout = 10.minutes, resources = mapOf("gpu" to 2)) { "placed" }
        } catch (e: SessionCreationTimeoutException) {
            "${e.missingResources} | ${e.message}"
        }
    }

    @Test
    fun `no room within the creation timeout is a SessionCreationTimeout naming the missing resources`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.workflowWorker("files", greedy)
            kadence.sessionHost("files", "host-a", HostLog()) { maxConcurrent = 4; resource("gpu", 1) }
            val h = kadence.client.start(greedy, Unit) { id = "greedy"; taskQueue = "files" }
            assertEquals(
                "{gpu=2} | no session for workflow 'greedy' within its creation timeout of 1m on task queue 'files' " +
                    "(asked for gpu=2, sessions=1): no live host had gpu=2 free (host-a: gpu 0/1 used)",
                h.result(30.seconds),
            )
            val history = h.history().toList().map { it.attributes }
            assertEquals(1, history.filterIsInstance<SessionCreationTimedOut>().size)
            assertEquals(0, history.filterIsInstance<SessionCompleted>().size)
            assertEquals(emptyMap(), kadence.hostsOf("files").getValue("host-a").used)
        }
    }

    private val overtime = workflow<Unit, String>("Overtime") {
        val files = activities<HostSteps>(ActivityOptions(startToClose = 1.hours))
        try {
            session(creationTimeout = 1.minutes, executionTimeout = 5.minutes) { files.watch("long") }
        } catch (e: TimeoutFailure) {
            "${e.timeoutType}: ${e.message}"
        }
    }

    @Test
    fun `the execution timeout ends the session, cancels its activity and releases the host once`() = runBlocking {
        TestStores.open().use { kadence ->
            val log = HostLog()
            kadence.workflowWorker("files", overtime)
            kadence.sessionHost("files", "host-a", log)
            val h = kadence.client.start(overtime, Unit) { id = "overtime"; taskQueue = "files" }
            assertEquals("host-a", withTimeout(10_000) { log.watching.await() })
            TestKadence.advance(kadence, 6.minutes)
            assertEquals(
                "SESSION_EXECUTION: session ${h.history().toList().firstNotNullOf { it.attributes as? SessionCreated }.sessionId} " +
                    "of workflow 'overtime' on host 'host-a' ran past its execution timeout of 5m",
                h.result(30.seconds),
            )
            assertTrue("cancel" in withTimeout(10_000) { log.watchStoppedBy.await() }.lowercase())
            val history = h.history().toList().map { it.attributes }
            assertEquals(1, history.filterIsInstance<SessionCompleted>().size)
            assertEquals(emptyMap(), kadence.hostsOf("files").getValue("host-a").used)
        }
    }

    private val resilient = workflow<Unit, String>("Resilient") {
        val files = activities<HostSteps>(steps)
        session(creationTimeout = 1.minutes, executionTimeout = 10.minutes) {
            val failed = try { files.fail("disk") } catch (e: ActivityFailure) { failureChain(e) }
            "$failed; then ${files.download("x")}"
        }
    }

    @Test
    fun `an activity failure does not fail its session`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.workflowWorker("files", resilient)
            kadence.sessionHost("files", "host-a", HostLog())
            val h = kadence.client.start(resilient, Unit) { id = "resilient"; taskQueue = "files" }
            assertEquals(
                "ActivityFailure[fail#1] <- ApplicationFailure[NotHere: no disk here, nonRetryable]; then download(x)@host-a via files@host-a",
                h.result(30.seconds),
            )
        }
    }

    private val survivor = workflow<Unit, String>("Survivor") {
        val files = activities<HostSteps>(ActivityOptions(startToClose = 1.hours))
        var late = "not tried"
        val first = try {
            session(creationTimeout = 1.minutes, executionTimeout = 1.hours) {
                try {
                    files.watch("w")
                } finally {
                    late = withContext(NonCancellable) {
                        try { files.download("late"); "ran" } catch (e: SessionFailedException) { "refused at once" }
                    }
                }
            }
        } catch (e: SessionFailedException) {
            "session on ${e.hostId} failed"
        }
        val second = session(creationTimeout = 1.minutes, executionTimeout = 1.hours) { files.download("again") }
        "$first; late call $late; then $second"
    }

    @Test
    fun `a host silent past the heartbeat timeout fails its sessions and the workflow recovers on another host`() = runBlocking {
        TestStores.open().use { kadence ->
            val log = HostLog()
            kadence.workflowWorker("files", survivor)
            kadence.sessionHost("files", "host-a", log)
            val h = kadence.client.start(survivor, Unit) { id = "survivor"; taskQueue = "files" }
            assertEquals("host-a", withTimeout(10_000) { log.watching.await() })
            kadence.sessionHost("files", "host-b", log)
            // host-a hangs: its worker runs on, but it heartbeats no more.
            kadence.engine.sessionHosts.host("files", "host-a")!!.heartbeatsPaused = true
            TestKadence.advance(kadence, 30.seconds)
            assertEquals("session on host-a failed; late call refused at once; then download(again)@host-b via files@host-b", h.result(30.seconds))
            // The watch on host-a lost its task: its heartbeat says so, and no late result entered history.
            assertTrue("cancel" in withTimeout(10_000) { log.watchStoppedBy.await() }.lowercase())
            val history = h.history().toList().map { it.attributes }
            val failed = history.filterIsInstance<SessionFailed>().single()
            assertEquals("host-a", failed.hostId)
            assertTrue(failed.reason.startsWith("host 'host-a' has not heartbeated for 30s (the session's heartbeat timeout is 20s"), failed.reason)
            assertEquals(1, history.filterIsInstance<ActivityCompleted>().size)
            assertEquals(emptyList(), log.calls.filter { it == "download@host-a" })
            assertEquals(emptyMap(), kadence.hostsOf("files").getValue("host-a").used)
            assertEquals(emptyMap(), kadence.hostsOf("files").getValue("host-b").used)
        }
    }

    private val patient = workflow<Unit, String>("Patient") {
        val files = activities<HostSteps>(steps)
        session(creationTimeout = 1.minutes, executionTimeout = 1.hours) {
            val a = files.download("data")
            signalChannel<String>("go").receive()
            "$a then ${files.process(a)}"
        }
    }

    @Test
    fun `a worker restarted on the same host id within the grace period re-attaches to its sessions`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            val log = HostLog()
            kadence.workflowWorker("files", patient)
            val first = kadence.sessionHost("files", "host-a", log) { gracePeriod = 5.minutes }
            val h = kadence.client.start(patient, Unit) { id = "patient"; taskQueue = "files" }
            eventuallyTrue("the download to complete") { h.eventKinds().contains("ActivityCompleted") }
            first.close()
            TestKadence.advance(kadence, 2.minutes)
            // Down for longer than the session's heartbeat timeout, within the host's grace period: the session holds.
            val down = eventually("host-a to show as shut down") { kadence.hostsOf("files")["host-a"]?.takeIf { !it.acceptingSessions } }
            assertEquals(listOf("patient"), down.sessions.map { it.workflowId })
            assertEquals(mapOf("sessions" to 1), down.used)
            assertEquals(2.minutes, down.silentFor)
            // The next activity waits for host-a to come back.
            h.signal("go", "now")
            kadence.sessionHost("files", "host-a", log) { gracePeriod = 5.minutes }
            assertEquals("download(data)@host-a via files@host-a then process(download(data))@host-a via files@host-a", h.result(30.seconds))
            val history = h.history().toList().map { it.attributes }
            assertEquals(0, history.filterIsInstance<SessionFailed>().size)
            val host = kadence.hostsOf("files").getValue("host-a")
            assertTrue(host.acceptingSessions && host.used.isEmpty() && host.sessions.isEmpty(), host.toString())
        }
    }

    private val tokenMaker = workflow<Unit, String>("TokenMaker") {
        val files = activities<HostSteps>(steps)
        session(creationTimeout = 1.minutes, executionTimeout = 10.minutes, resources = mapOf("gpu" to 1)) {
            files.download("a")
            "${sessionInfo()!!.hostId} ${sessionInfo()!!.recreateToken()}"
        }
    }

    private val recreator = workflow<String, String>("Recreator") { token ->
        val files = activities<HostSteps>(steps)
        try {
            recreateSession(token, executionTimeout = 10.minutes) {
                val info = sessionInfo()!!
                "${info.hostId} ${info.resources} ${files.download("b")}"
            }
        } catch (e: InvalidSessionTokenException) {
            "refused: ${e.message}"
        }
    }

    @Test
    fun `a recreate token brings the next session back to its host, and bad tokens are refused`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.workflowWorker("files", tokenMaker, recreator)
            kadence.sessionHost("files", "host-a", HostLog()) { maxConcurrent = 4; resource("gpu", 1) }
            kadence.sessionHost("files", "host-b", HostLog()) { maxConcurrent = 4; resource("gpu", 1) }
            val (host, token) = kadence.client.start(tokenMaker, Unit) { id = "maker"; taskQueue = "files" }.result(30.seconds).split(" ")
            // Placement alone would alternate between the two hosts; the token asks for the first one each time.
            repeat(3) { i ->
                assertEquals(
                    "$host {gpu=1} download(b)@$host via files@$host",
                    kadence.client.start(recreator, token) { id = "again-$i"; taskQueue = "files" }.result(30.seconds),
                )
            }
            val (payload, signature) = token.split('.')
            val other = Base64.getUrlEncoder().withoutPadding().encodeToString(
                String(Base64.getUrlDecoder().decode(payload)).replace("\"ns\":\"default\"", "\"ns\":\"other\"").toByteArray(),
            )
            val altered = payload + "." + signature.reversed()
            val refusals = listOf("garbage", altered, "$other.$signature").mapIndexed { i, bad ->
                kadence.client.start(recreator, bad) { id = "bad-$i"; taskQueue = "files" }.result(30.seconds)
            }
            assertEquals(
                listOf(
                    "refused: the recreate token is garbled: it is not one made by sessionInfo().recreateToken() (pass it on unchanged)",
                    "refused: the recreate token's signature does not match: it was altered or forged, or made by another Kadence database",
                    "refused: the recreate token belongs to namespace 'other', but this workflow runs in 'default': tokens do not cross namespaces",
                ),
                refusals,
            )
            for (h in kadence.hostsOf("files").values) assertEquals(emptyMap(), h.used, h.toString())
        }
    }

    private val earlyFinisher = workflow<Unit, String>("EarlyFinisher") {
        val files = activities<HostSteps>(steps)
        session(creationTimeout = 1.minutes, executionTimeout = 1.hours, resources = mapOf("gpu" to 1)) {
            val a = files.download("a")
            completeSession()
            completeSession()
            signalChannel<String>("go").receive()
            val after = try { files.upload(a) } catch (e: io.kadence.failure.IllegalWorkflowStateException) { e.message }
            "$a; after completeSession: $after"
        }
    }

    @Test
    fun `completeSession releases the host at once and refuses later calls in the block`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.workflowWorker("files", earlyFinisher)
            kadence.sessionHost("files", "host-a", HostLog()) { resource("gpu", 1) }
            val h = kadence.client.start(earlyFinisher, Unit) { id = "early"; taskQueue = "files" }
            eventuallyTrue("the session to be completed") { h.eventKinds().contains("SessionCompleted") }
            // Still inside the block (waiting for "go"), the host is free again.
            assertEquals(emptyMap(), kadence.hostsOf("files").getValue("host-a").used)
            h.signal("go", "now")
            val result = h.result(30.seconds)
            assertTrue(result.startsWith("download(a)@host-a via files@host-a; after completeSession: workflow 'early' called an activity in session "), result)
            assertTrue(result.endsWith("after the session was completed or its block ended; call activities in the session before completeSession() and inside its block"), result)
            assertEquals(1, h.history().toList().count { it.attributes is SessionCompleted })
        }
    }

    @Test
    fun `a host id is the configured one, else the one kept in the data directory`() {
        val dir = Files.createTempDirectory("kadence-host")
        val derived = HostIdentity.resolve(null, dir)
        assertEquals(HostIdentity.machineName(), derived)
        assertEquals(derived + "\n", Files.readString(dir.resolve("host-id")))
        // Kept: a later start reads the file, whatever the machine is called by then.
        Files.writeString(dir.resolve("host-id"), "rack-7-node-3\n")
        assertEquals("rack-7-node-3", HostIdentity.resolve(null, dir))
        assertEquals("configured", HostIdentity.resolve("configured", dir))
        val e = assertFailsWith<io.kadence.failure.InvalidArgumentException> { HostIdentity.resolve(" ", dir) }
        assertEquals("the configured host id must be 1 to 255 characters, was ' '", e.message)
    }
}
