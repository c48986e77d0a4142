package io.kadence.test

import io.kadence.dsl.workflow
import io.kadence.history.HistoryCodec
import io.kadence.history.MarkerRecorded
import io.kadence.testing.WorkflowReplayer
import io.kadence.workflow.mutableSideEffect
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.seconds

/** The flag the workflow reads: one value per read, from a script the test sets. */
object FlagSource {
    val reads = AtomicInteger()
    @Volatile var script: List<String> = emptyList()
    fun read(): String = script[reads.getAndIncrement().coerceAtMost(script.size - 1)]
}

/** Reads the flag once an hour, four times, and returns what it saw. */
val FlagReader = workflow<Unit, List<String>>("FlagReader") {
    List(4) { i ->
        if (i > 0) sleep(1.hours)
        mutableSideEffect("flag") { FlagSource.read() }
    }
}

private const val RECORDED_FLAGS = "/histories/flag-reader.json"

class MutableSideEffectTest {
    @Test
    fun `a value is recorded only when it changes, and replays return the recorded values`() = runBlocking {
        FlagSource.reads.set(0)
        FlagSource.script = listOf("a", "a", "b", "b")
        TestStores.open().use { kadence ->
            kadence.worker("flags", TestStores.workerOptions()) { register(FlagReader) }.start()
            val h = kadence.client.start(FlagReader, Unit) { id = "flags"; taskQueue = "flags" }
            assertEquals(listOf("a", "a", "b", "b"), h.result(30.seconds))
            // Each read ran once, live, whether or not the run was replayed between the hours.
            assertEquals(4, FlagSource.reads.get())
            val history = h.history().toList()
            val markers = history.map { it.attributes }.filterIsInstance<MarkerRecorded>()
            assertEquals(listOf("\"a\"", "\"b\""), markers.map { it.value })
            assertEquals(listOf("mutableSideEffect"), markers.map { it.kind }.distinct())
            recordHistory(RECORDED_FLAGS, history)

            // Replaying reads nothing: the flag could be anything now.
            FlagSource.script = listOf("z")
            WorkflowReplayer.replay(FlagReader, history)
            assertEquals(4, FlagSource.reads.get())
        }
    }

    @Test
    fun `the recorded flag-reader history still replays against the current code`() {
        val before = FlagSource.reads.get()
        val json = javaClass.getResource(RECORDED_FLAGS)!!.readText()
        assertEquals(2, HistoryCodec.importHistory(json).count { it.attributes is MarkerRecorded })
        WorkflowReplayer.replay(FlagReader, json)
        assertEquals(before, FlagSource.reads.get())
    }
}
