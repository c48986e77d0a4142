package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.failure.InvalidSessionTokenException
import io.kadence.history.SessionCreated
import io.kadence.history.SessionRequested
import io.kadence.workflow.activities
import io.kadence.workflow.recreateSession
import io.kadence.workflow.session
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

/** A real recreate token made in one namespace and passed to a workflow of another on the same database. */
class SessionTokenNamespaceTest {
    private val steps = ActivityOptions(startToClose = 1.minutes)

    /** Opens a GPU session, runs one step and returns its recreate token. */
    private val tokenMaker = workflow<Unit, String>("NsTokenMaker") {
        val files = activities<HostSteps>(steps)
        session(creationTimeout = 1.minutes, executionTimeout = 10.minutes, resources = mapOf("gpu" to 1)) {
            files.download("a")
            sessionInfo()!!.recreateToken()
        }
    }

    /** Recreates the session of [token]; returns where it ran, or the typed refusal and its message. */
    private val recreator = workflow<String, String>("NsRecreator") { token ->
        val files = activities<HostSteps>(steps)
        try {
            recreateSession(token, executionTimeout = 10.minutes) { "${sessionInfo()!!.hostId} ${files.download("b")}" }
        } catch (e: InvalidSessionTokenException) {
            "${e.javaClass.simpleName}: ${e.message}"
        }
    }

    @Test
    fun `a recreate token made in one namespace is refused by a workflow of another namespace on the same database`() = runBlocking {
        val shared = SharedStore.create()
        shared.open("alpha").use { alpha ->
            shared.open("beta").use { beta ->
                // Two virtual clocks on one database: each instance's sweep sees the other's hosts, so a clock
                // jumping ahead alone would find them silent. Nothing here waits on time: hold both still.
                alpha.holdClock()
                beta.holdClock()
                // Both namespaces have the same queue and a host of the same id with room: only the namespace differs.
                for (k in listOf(alpha, beta)) {
                    k.workflowWorker("files", tokenMaker, recreator)
                    k.sessionHost("files", "host-a", HostLog()) { maxConcurrent = 4; resource("gpu", 1) }
                }
                val token = alpha.client.start(tokenMaker, Unit) { id = "maker"; taskQueue = "files" }.result(30.seconds)
                // The token works in its own namespace...
                assertEquals(
                    "host-a download(b)@host-a via files@host-a",
                    alpha.client.start(recreator, token) { id = "again"; taskQueue = "files" }.result(30.seconds),
                )
                // ...and is refused in the other, before any session is asked of a host there.
                val refused = beta.client.start(recreator, token) { id = "again"; taskQueue = "files" }
                assertEquals(
                    "InvalidSessionTokenException: the recreate token belongs to namespace 'alpha', but this workflow runs in 'beta': " +
                        "tokens do not cross namespaces",
                    refused.result(30.seconds),
                )
                val history = refused.history().toList().map { it.attributes }
                assertEquals(1, history.filterIsInstance<SessionRequested>().size)
                assertEquals(emptyList(), history.filterIsInstance<SessionCreated>())
                val betaHost = beta.hostsOf("files").getValue("host-a")
                assertEquals(emptyMap(), betaHost.used, betaHost.toString())
                assertEquals(emptyList(), betaHost.sessions)
                assertEquals(emptyMap(), alpha.hostsOf("files").getValue("host-a").used)
            }
        }
    }
}

