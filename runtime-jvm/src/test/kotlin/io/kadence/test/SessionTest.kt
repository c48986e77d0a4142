package io.kadence.test

import io.kadence.activity.ActivityOptions
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
}
