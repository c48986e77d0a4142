package io.kadence.test

import ch.qos.logback.classic.Level
import io.kadence.dsl.workflow
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** Logs before and after two durable sleeps (each sleep ends a workflow task; a forced replay re-runs the earlier code). */
val Chatty = workflow<Unit, Unit>("Chatty") {
    logger.info("before")
    sleep(1.hours)
    logger.info("between")
    sleep(1.hours)
    logger.info("after")
}

class WorkflowLoggerTest {
    @Test
    fun `the workflow logger writes each message once, with the run's ids in the MDC`() = runBlocking {
        val captured = LogCapture.of("io.kadence.workflow.Chatty", Level.INFO)
        try {
            TestStores.open().use { kadence ->
                kadence.worker("chatty", TestStores.workerOptions()) { register(Chatty) }.start()
                val h = kadence.client.start(Chatty, Unit) { id = "chatty"; taskQueue = "chatty" }
                h.result(30.seconds)
                val events = captured.list.toList()
                assertEquals(listOf("before", "between", "after"), events.map { it.formattedMessage.substringAfter("] ") })
                for (e in events) {
                    assertEquals("chatty", e.mdcPropertyMap["workflowId"])
                    assertEquals(h.runId, e.mdcPropertyMap["runId"])
                    assertEquals("Chatty", e.mdcPropertyMap["workflowType"])
                    assertEquals("default", e.mdcPropertyMap["namespace"])
                }
            }
        } finally {
            captured.detach()
        }
    }
}
