package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.history.ActivityScheduled
import io.kadence.history.HistoryCodec
import io.kadence.history.HistoryEvent
import io.kadence.history.TimerCanceled
import io.kadence.history.TimerFired
import io.kadence.history.TimerStarted
import io.kadence.history.WorkflowTaskCompleted
import io.kadence.testing.TestKadence
import io.kadence.testing.WorkflowReplayer
import io.kadence.workflow.activities
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withTimeout
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

val FanOut = workflow<List<String>, List<String>>("FanOut") { names ->
    val g = activities<Greetings>(ActivityOptions(startToClose = 10.seconds))
    val greetings = names.map { async { g.greet(it) } }.map { it.await() }
    val shouted = mutableListOf<String>()
    coroutineScope {
        launch { shouted += g.shout("first") }
        launch { shouted += g.shout("second") }
    }
    greetings + shouted.sorted()
}

val ChannelSelect = workflow<Unit, List<String>>("ChannelSelect") {
    val log = mutableListOf<String>()
    val numbers = Channel<Int>()
    launch {
        for (i in 1..3) { sleep(1.minutes); numbers.send(i) }
        numbers.close()
    }
    for (n in numbers) log += "got $n"

    val late = Channel<String>(capacity = 1)
    launch { sleep(1.hours); late.send("late") }
    val soon = timer(10.minutes)
    log += select<String> { late.onReceive { "channel:$it" }; soon.onAwait { "timer" } }
    val slow = timer(2.hours)
    log += select<String> { late.onReceive { "channel:$it" }; slow.onAwait { "timer" } }
    slow.cancel()
    log
}

val MutexOrder = workflow<Unit, List<String>>("MutexOrder") {
    val mutex = Mutex()
    val log = mutableListOf<String>()
    val jobs = (1..2).map { i -> launch { mutex.withLock { log += "start $i"; sleep(1.minutes); log += "end $i" } } }
    jobs.forEach { it.join() }
    log
}

/** Returns now() (epoch millis) at each step, and how each withTimeout ended. */
val DurableTime = workflow<Unit, List<String>>("DurableTime") {
    val out = mutableListOf(now().toEpochMilli().toString())
    delay(5.minutes)
    out += now().toEpochMilli().toString()
    sleep(10.minutes)
    out += now().toEpochMilli().toString()
    out += try {
        withTimeout(1.hours) { sleep(2.hours); "no timeout" }
    } catch (e: TimeoutCancellationException) {
        "timed out"
    }
    out += now().toEpochMilli().toString()
    out += withTimeout(1.hours) { sleep(1.minutes); "in time" }
    out += now().toEpochMilli().toString()
    out
}

/** What each execution of [Randomness] generated, live or replayed. */
val randomSeen: MutableList<List<String>> = java.util.concurrent.CopyOnWriteArrayList()

val Randomness = workflow<Unit, List<String>>("Randomness") {
    val g = activities<Greetings>(ActivityOptions(startToClose = 10.seconds))
    val first = listOf(random.nextLong().toString(), uuid(), random.nextInt(1_000_000).toString())
    g.greet(first.joinToString("|"))
    sleep(1.hours)
    val all = first + listOf(uuid(), random.nextLong().toString())
    randomSeen += all
    all
}

class WorkflowLoopTest {
    private fun List<HistoryEvent>.kinds() = map { it.attributes::class.simpleName!! }

    @Test
    fun `async fans activities out in one task, launch and coroutineScope wait for their children`() = runBlocking {
        TestStores.open().use { kadence ->
            val impl = CountingGreetings()
            kadence.worker("loop", TestStores.workerOptions()) { register(FanOut); activities<Greetings>(impl) }.start()
            val h = kadence.client.start(FanOut, listOf("Ada", "Bob", "Cy")) { taskQueue = "loop" }
            assertEquals(listOf("Hello, Ada", "Hello, Bob", "Hello, Cy", "FIRST!", "SECOND!"), h.result(30.seconds))
            assertEquals(3, impl.greets.get())
            assertEquals(2, impl.shouts.get())
            val history = h.history().toList()
            // All three greets are scheduled by the first task, before any completes.
            assertEquals(listOf("WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled", "ActivityScheduled", "ActivityScheduled"),
                history.take(5).kinds())
            assertEquals(listOf(1L, 2L, 3L), history.take(5).mapNotNull { (it.attributes as? ActivityScheduled)?.seq })
            assertEquals(5, history.count { it.attributes is ActivityScheduled })
        }
    }

    @Test
    fun `a Channel links two workflow coroutines and select races a channel against a durable timer`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("loop", TestStores.workerOptions()) { register(ChannelSelect) }.start()
            val h = kadence.client.start(ChannelSelect, Unit) { taskQueue = "loop" }
            assertEquals(listOf("got 1", "got 2", "got 3", "timer", "channel:late"), h.result(30.seconds))
            val history = h.history().toList()
            val started = history.mapNotNull { it.attributes as? TimerStarted }
            // The 10-minute timer is asked for before the launched coroutine first runs and sleeps an hour.
            assertEquals(listOf(1.minutes, 1.minutes, 1.minutes, 10.minutes, 1.hours, 2.hours).map { it.inWholeMilliseconds },
                started.map { it.durationMillis })
            val twoHours = started.last().seq
            assertEquals(listOf(twoHours), history.mapNotNull { (it.attributes as? TimerCanceled)?.seq })
            assertEquals(started.map { it.seq } - twoHours, history.mapNotNull { (it.attributes as? TimerFired)?.seq })
        }
    }

    @Test
    fun `a Mutex keeps two workflow coroutines out of each other's critical section across durable sleeps`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("loop", TestStores.workerOptions()) { register(MutexOrder) }.start()
            val h = kadence.client.start(MutexOrder, Unit) { taskQueue = "loop" }
            assertEquals(listOf("start 1", "end 1", "start 2", "end 2"), h.result(30.seconds))
        }
    }

    @Test
    fun `delay, sleep and withTimeout are durable timers and now() is the time of the workflow task`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("loop", TestStores.workerOptions()) { register(DurableTime) }.start()
            val before = TestKadence.now(kadence).toEpochMilli()
            val h = kadence.client.start(DurableTime, Unit) { taskQueue = "loop" }
            val out = h.result(30.seconds)
            assertEquals("timed out", out[3])
            assertEquals("in time", out[5])
            val times = listOf(out[0], out[1], out[2], out[4], out[6]).map { it.toLong() }

            val history = h.history().toList()
            val started = history.mapNotNull { it.attributes as? TimerStarted }
            assertEquals(listOf(5.minutes, 10.minutes, 1.hours, 2.hours, 1.hours, 1.minutes).map { it.inWholeMilliseconds },
                started.map { it.durationMillis })
            assertEquals(listOf(1L, 2L, 3L, 6L), history.mapNotNull { (it.attributes as? TimerFired)?.seq })
            // The expired withTimeout cancels the sleep inside it; the one that did not expire cancels its own timer.
            assertEquals(listOf(4L, 5L), history.mapNotNull { (it.attributes as? TimerCanceled)?.seq })

            // now() is exactly the recorded time of the workflow task that observed it, on the virtual clock.
            val taskTimes = history.filter { it.attributes is WorkflowTaskCompleted }.map { it.timestampMillis }
            assertEquals(taskTimes, times)
            assertEquals(before, times[0])
            assertEquals(listOf(5.minutes, 10.minutes, 1.hours, 1.minutes).map { it.inWholeMilliseconds }, times.zipWithNext { a, b -> b - a })
            // Each timer fires at the time it was set for, and the next task sees that time.
            for (fired in history.filter { it.attributes is TimerFired }) {
                val seq = (fired.attributes as TimerFired).seq
                assertEquals(started.first { it.seq == seq }.fireAtMillis, fired.timestampMillis)
            }
            assert(TestKadence.now(kadence).toEpochMilli() >= times.last())
        }
    }

    @Test
    fun `random and uuid give the same values when the run is replayed`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("loop", TestStores.workerOptions()) { register(Randomness); activities<Greetings>(CountingGreetings()) }.start()
            val h1 = kadence.client.start(Randomness, Unit) { taskQueue = "loop" }
            val h2 = kadence.client.start(Randomness, Unit) { taskQueue = "loop" }
            val out = h1.result(30.seconds)
            assertEquals(5, out.size)
            val uuidV4 = Regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
            assert(uuidV4.matches(out[1]) && uuidV4.matches(out[3])) { "not version-4 UUIDs: $out" }
            assert(out[1] != out[3])
            assert(out != h2.result(30.seconds)) { "two runs drew the same values: $out" }

            // What the first task drew went into history as activity input; the result (computed after a
            // replay when the cache is off) must repeat it.
            val history = h1.history().toList()
            val input = history.firstNotNullOf { it.attributes as? ActivityScheduled }.input!!
            assert(input.contains(out.take(3).joinToString("|"))) { "activity input $input does not hold ${out.take(3)}" }

            // A full replay of the history draws exactly the same values: the run id is recorded in it.
            randomSeen.clear()
            WorkflowReplayer.replay(Randomness, history)
            assertEquals(listOf(out), randomSeen.toList())
            randomSeen.clear()
            WorkflowReplayer.replay(Randomness, HistoryCodec.importHistory(HistoryCodec.exportHistory(history)))
            assertEquals(listOf(out), randomSeen.toList())
            // They come from the run: another run id draws others.
            WorkflowReplayer.replay(Randomness, history, "another-run")
            assert(randomSeen.last() != out)
        }
    }
}
