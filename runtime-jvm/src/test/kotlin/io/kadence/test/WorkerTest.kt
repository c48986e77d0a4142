package io.kadence.test

import io.kadence.activity.ActivityCanceledException
import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityOptions
import io.kadence.client.WorkflowStatus
import io.kadence.dsl.workflow
import io.kadence.failure.PayloadTooLargeException
import io.kadence.workflow.activity
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import io.kadence.workflow.activities
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

interface ShutdownProbeActivities {
    fun work(steps: Int): String
}

val Echo = workflow<String, String>("Echo") { it }

val ShutdownProbeWorkflow = workflow<Int, String>("ShutdownProbeWorkflow") { steps ->
    activity(ShutdownProbeActivities::work, steps, ActivityOptions(startToClose = 1.minutes) { heartbeat = 30.seconds })
}

interface CountingActivities {
    suspend fun hold(i: Int): Int
}

val LimitedFanOut = workflow<Int, Int>("LimitedFanOut") { n ->
    val acts = activities<CountingActivities>(ActivityOptions(startToClose = 1.minutes))
    (1..n).map { i -> async { acts.hold(i) } }.awaitAll().sum()
}

class WorkerTest {
    @Test
    fun `a worker never runs more activities at once than its limit`() = runBlocking {
        TestStores.open().use { kadence ->
            val current = AtomicInteger()
            val peak = AtomicInteger()
            kadence.worker("limited", TestStores.workerOptions { maxConcurrentActivities = 3 }) {
                register(LimitedFanOut)
                activities<CountingActivities>(object : CountingActivities {
                    override suspend fun hold(i: Int): Int {
                        val now = current.incrementAndGet()
                        peak.accumulateAndGet(now) { a, b -> maxOf(a, b) }
                        delay(30)
                        current.decrementAndGet()
                        return i
                    }
                })
            }.start()
            assertEquals(210, kadence.client.start(LimitedFanOut, 20) { taskQueue = "limited" }.result(30.seconds))
            assertEquals(3, peak.get())
        }
    }

    @Test
    fun `a workflow type no worker has fails its task with a message naming it, and runs once a worker that has it appears`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("q", TestStores.workerOptions()) { register(Greeting) }.start()
            val handle = kadence.client.start(Echo, "hi") { id = "echo-1"; taskQueue = "q" }
            val failure = withTimeout(20.seconds) {
                while (true) {
                    val d = handle.describe()
                    if (d.lastWorkflowTaskFailure != null) return@withTimeout d.lastWorkflowTaskFailure!!
                    delay(10)
                }
                @Suppress("UNREACHABLE_CODE") ""
            }
            assertTrue("workflow type 'Echo' is not registered" in failure, failure)
            assertTrue("[Greeting]" in failure, failure)
            assertEquals(WorkflowStatus.RUNNING, handle.describe().status)

            kadence.worker("q", TestStores.workerOptions()) { register(Echo) }.start()
            assertEquals("hi", handle.result(30.seconds))
        }
    }

    @Test
    fun `an input over 2 MiB is rejected before anything is stored`() = runBlocking {
        TestStores.open().use { kadence ->
            val big = "x".repeat(2 * 1024 * 1024 + 1)
            val e = assertFailsWith<PayloadTooLargeException> {
                kadence.client.start(Echo, big) { id = "too-big"; taskQueue = "q" }
            }
            assertTrue("input of workflow 'too-big'" in e.message!!, e.message)
            assertEquals(0, kadence.client.count())
        }
    }

    @Test
    fun `closing a worker tells its running activities, whose attempt is retried elsewhere`() = runBlocking {
        TestStores.open().use { kadence ->
            val started = CountDownLatch(1)
            val seen = AtomicReference<String>()
            val first = kadence.worker("slow", TestStores.workerOptions { shutdownGracePeriod = 400.milliseconds }) {
                register(ShutdownProbeWorkflow)
                activities<ShutdownProbeActivities>(object : ShutdownProbeActivities {
                    override fun work(steps: Int): String {
                        started.countDown()
                        try {
                            while (true) {
                                Thread.sleep(20)
                                ActivityContext.current().heartbeat()
                            }
                        } catch (e: ActivityCanceledException) {
                            seen.set(e.message)
                            throw e
                        }
                    }
                })
            }.start()
            val handle = kadence.client.start(ShutdownProbeWorkflow, 3) { id = "slow-1"; taskQueue = "slow" }
            assertTrue(started.await(20, TimeUnit.SECONDS))
            first.close()
            assertTrue("shutting down" in seen.get(), seen.get())

            kadence.worker("slow", TestStores.workerOptions()) {
                register(ShutdownProbeWorkflow)
                activities<ShutdownProbeActivities>(object : ShutdownProbeActivities {
                    override fun work(steps: Int): String = "done in $steps steps, attempt ${ActivityContext.current().info.attempt}"
                })
            }.start()
            assertEquals("done in 3 steps, attempt 2", handle.result(30.seconds))
        }
    }
}
