package io.kadence.test

import io.kadence.client.WorkflowStatus
import io.kadence.failure.WorkflowAlreadyStartedException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals

/** Races the store must settle: many starts of one workflow id at once. */
class RaceTest {
    @Test
    fun `100 concurrent starts of one workflow id make exactly one run`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            val outcomes = (1..100).map {
                async(Dispatchers.IO) {
                    try {
                        kadence.client.start(Quick, "racer") { id = "the-one"; taskQueue = "nobody" }.runId
                    } catch (e: WorkflowAlreadyStartedException) {
                        "refused"
                    }
                }
            }.awaitAll()
            val started = outcomes.filter { it != "refused" }
            assertEquals(1, started.size, "runs started: $started")
            assertEquals(99, outcomes.count { it == "refused" })
            val runs = kadence.client.list(workflowType = "Quick")
            assertEquals(listOf(started.single()), runs.map { it.runId })
            assertEquals(WorkflowStatus.RUNNING, runs.single().status)
        }
    }
}
