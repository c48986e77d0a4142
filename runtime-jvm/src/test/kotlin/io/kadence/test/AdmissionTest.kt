package io.kadence.test

import io.kadence.converter.DataConverter
import io.kadence.internal.runtime.Engine
import io.kadence.internal.runtime.SystemEngineClock
import io.kadence.internal.runtime.TaskPoller
import io.kadence.internal.store.JdbcHistoryStore
import io.kadence.internal.store.StoreConfig
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import java.util.UUID
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * Starts wait while the workflow worker is behind with work already due, so that under overload
 * timers and ready tasks are not pushed back by new starts (which used to make one-second timers
 * seconds late). A worker is behind when its last poll filled every free slot.
 */
class AdmissionTest {
    @Test
    fun `a start waits while the workflow poller is behind and goes on once it has caught up`() {
        val store = JdbcHistoryStore(StoreConfig.h2Memory("admission-" + UUID.randomUUID(), 2))
        val engine = Engine(store, SystemEngineClock, DataConverter.default, "default", "test")
        val stored = AtomicInteger(5) // tasks waiting in the "store" of this poller
        val handlersMayEnd = CountDownLatch(1)
        val poller = TaskPoller<Int>(
            TaskPoller.Kind.WORKFLOW, "default", "q", maxConcurrent = 2, handlerContext = Dispatchers.IO,
            maxPollIntervalMillis = 20, owner = "w", leaseMillis = 1_000, acceptsEager = true,
            poll = { max -> List(minOf(max, stored.get())) { stored.decrementAndGet() } },
            handle = { handlersMayEnd.await() },
            onCaughtUp = engine::caughtUp,
        )
        engine.register(poller)
        try {
            assertFalse(engine.isBehind(), "nothing polled yet")
            poller.start(engine.scope)
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
            while (!poller.isBehind && System.nanoTime() < deadline) Thread.sleep(1)
            assertTrue(engine.isBehind(), "the poll filled both slots with 3 tasks still stored")
            runBlocking {
                val start = async(Dispatchers.IO) { engine.awaitAdmission() }
                // Held back while the handlers hold the slots (well within the wait's one-second cap).
                Thread.sleep(100)
                assertFalse(start.isCompleted, "a start went ahead of due work")
                handlersMayEnd.countDown()
                start.await()
            }
            assertEquals(0, stored.get(), "every stored task was claimed")
            while (engine.isBehind() && System.nanoTime() < deadline) Thread.sleep(1)
            assertFalse(engine.isBehind(), "the last poll found fewer tasks than slots: caught up")
        } finally {
            handlersMayEnd.countDown()
            poller.stopPolling()
            engine.close()
        }
    }

    @Test
    fun `a start is held back at most a second when the worker never catches up`() {
        val store = JdbcHistoryStore(StoreConfig.h2Memory("admission-" + UUID.randomUUID(), 2))
        val engine = Engine(store, SystemEngineClock, DataConverter.default, "default", "test")
        try {
            engine.timersBehind = true
            val t0 = System.nanoTime()
            runBlocking { engine.awaitAdmission() }
            val waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)
            assertTrue(waited in 900..30_000, "waited $waited ms; the cap is one second, and the start is never refused")
            engine.timersBehind = false
            assertFalse(engine.isBehind())
        } finally {
            engine.close()
        }
    }
}
