package io.kadence.test

import io.kadence.internal.runtime.TaskPoller
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import java.util.concurrent.CountDownLatch
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * A slot freed while tasks wait in the store goes to the poller, not to the next eager hand-off:
 * under load, eager traffic used to take every freed slot and starve the queue for seconds.
 */
class TaskPollerFairnessTest {
    @Test
    fun `a poller told of waiting tasks gets the next free slot before any eager hand-off`() {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
        val storeHasTask = AtomicBoolean(false)
        val polledWith = CopyOnWriteArrayList<Int>()
        val pollClaimed = CountDownLatch(1)
        val eagerRunning = CountDownLatch(1)
        val eagerMayFinish = CountDownLatch(1)
        val queuedMayFinish = CountDownLatch(1)
        val handled = CopyOnWriteArrayList<String>()
        val poller = TaskPoller<String>(
            TaskPoller.Kind.ACTIVITY, "default", "q", maxConcurrent = 1, handlerContext = Dispatchers.IO,
            maxPollIntervalMillis = 50, owner = "w", leaseMillis = 0, acceptsEager = true,
            poll = { max ->
                if (storeHasTask.getAndSet(false)) {
                    polledWith += max
                    listOf("queued").also { pollClaimed.countDown() }
                } else emptyList()
            },
            handle = { task ->
                handled += task
                if (task == "eager") {
                    eagerRunning.countDown()
                    eagerMayFinish.await()
                } else {
                    queuedMayFinish.await()
                }
            },
        )
        try {
            poller.start(scope)
            // The only slot goes to an eager hand-off, whose handler holds it.
            assertTrue(poller.tryReserve())
            poller.deliver("eager")
            assertTrue(eagerRunning.await(10, TimeUnit.SECONDS))
            // A task is stored for the queue (no slot was free for it) and the poller is told.
            storeHasTask.set(true)
            poller.wake()
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
            while (!poller.isHungry && System.nanoTime() < deadline) Thread.sleep(1)
            assertTrue(poller.isHungry, "the poller found no free slot and holds eager hand-offs back")
            // The slot frees up: until the poller has claimed the stored task, no eager hand-off gets it.
            eagerMayFinish.countDown()
            var eagerWon = false
            while (pollClaimed.count > 0 && System.nanoTime() < deadline) {
                if (poller.tryReserve()) {
                    eagerWon = true
                    poller.release()
                    break
                }
            }
            assertFalse(eagerWon, "an eager hand-off took the freed slot ahead of the waiting task")
            assertTrue(pollClaimed.await(10, TimeUnit.SECONDS))
            assertEquals(listOf(1), polledWith)
            assertFalse(poller.tryReserve(), "the claimed task holds the only slot")
            queuedMayFinish.countDown()
            while (handled.size < 2 && System.nanoTime() < deadline) Thread.sleep(1)
            assertEquals(listOf("eager", "queued"), handled)
            // Its poll filled the only slot, so more tasks might wait: it stays hungry (and behind) until a
            // poll finds the queue drained. A poll clears hungry as it starts and behind once it returns.
            while ((poller.isHungry || poller.isBehind) && System.nanoTime() < deadline) Thread.sleep(1)
            assertFalse(poller.isHungry)
            assertFalse(poller.isBehind)
            assertTrue(poller.tryReserve(), "with the queue drained, eager hand-offs get slots again")
            poller.release()
        } finally {
            eagerMayFinish.countDown()
            queuedMayFinish.countDown()
            poller.stopPolling()
            scope.cancel()
        }
    }
}
