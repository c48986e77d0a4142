package io.kadence.test

import io.kadence.client.query
import io.kadence.client.signal
import io.kadence.dsl.workflow
import io.kadence.failure.QueryFailedException
import io.kadence.workflow.onQuery
import io.kadence.workflow.onQueryWithArg
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** Counts "tick" signals until "stop"; queries read the count and compare it with a threshold. */
val Ticker = workflow<Unit, Int>("Ticker") {
    var ticks = 0
    onQuery("ticks") { ticks }
    onQueryWithArg("atLeast") { n: Int -> ticks >= n }
    onQuery("sneaky") { sleepFromQuery(); ticks }
    val signals = signalChannel<String>("tick")
    while (signals.receive() != "stop") ticks++
    ticks
}

/** A query handler that tries to change history: it must fail, not record a timer. */
private fun io.kadence.workflow.WorkflowScope.sleepFromQuery() {
    timer(1.hours)
}

class QueryTest {
    @Test
    fun `queries read the state of a waiting run by replay, without writing history`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("q", TestStores.workerOptions()) { register(Ticker) }.start()
            val h = kadence.client.start(Ticker, Unit) { id = "ticker"; taskQueue = "q" }
            val early = runCatching { h.query<Int>("ticks") }
            early.exceptionOrNull()?.let { assertTrue("not completed its first workflow task" in it.message!!, it.message) }
            repeat(3) { h.signal("tick", "tick") }
            eventually("three ticks to be handled") { runCatching { h.query<Int>("ticks") }.getOrNull()?.takeIf { it == 3 } }
            val before = h.history().toList().size
            assertEquals(true, h.query<Int, Boolean>("atLeast", 2))
            assertEquals(false, h.query<Int, Boolean>("atLeast", 4))
            assertEquals(before, h.history().toList().size)

            val unknown = assertFailsWith<QueryFailedException> { h.query<Int>("nope") }
            assertTrue("known queries: [atLeast, sneaky, ticks]" in unknown.message!!, unknown.message)
            val wrongArg = assertFailsWith<QueryFailedException> { h.query<String, Boolean>("atLeast", "many") }
            assertTrue("could not be decoded" in wrongArg.message!!, wrongArg.message)
            val sneaky = assertFailsWith<QueryFailedException> { h.query<Int>("sneaky") }
            assertTrue("outside its workflow task" in sneaky.message!!, sneaky.message)
            assertEquals(before, h.history().toList().size)

            h.signal("tick", "stop")
            assertEquals(3, h.result(30.seconds))
            assertEquals(3, h.query<Int>("ticks"))
        }
    }
}
