package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.workflow.activities
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.seconds

interface EagerSteps {
    suspend fun add(a: Int, b: Int): Int
}


class EagerStepsImpl : EagerSteps {
    override suspend fun add(a: Int, b: Int): Int = a + b
}

private val eagerOptions = ActivityOptions(startToClose = 30.seconds)

/** Ten sequential activities: with eager dispatch each completion and the next step commit together. */
val EagerChain = workflow<Int, Int>("EagerChain") { n ->
    val a = activities<EagerSteps>(eagerOptions)
    var sum = 0
    for (i in 1..n) sum = a.add(sum, i)
    sum
}

/** Twelve activities at once, more than the worker runs at a time. */
val EagerFanOut = workflow<Int, Int>("EagerFanOut") { n ->
    val a = activities<EagerSteps>(eagerOptions)
    (1..n).map { i -> async { a.add(0, i) } }.awaitAll().sum()
}


class EagerDispatchTest {
    /** The same workflow with and without eager dispatch: same result, same history shape. */
    @Test
    fun `eager dispatch records exactly the history that polling records`() = runBlocking {
        val shapes = listOf(true, false).map { eager ->
            TestStores.open().use { kadence ->
                kadence.worker("eager", TestStores.workerOptions { eagerDispatch = eager }) {
                    register(EagerChain)
                    activities<EagerSteps>(EagerStepsImpl())
                }.start()
                val h = kadence.client.start(EagerChain, 10) { id = "chain-$eager"; taskQueue = "eager" }
                assertEquals(55, h.result(30.seconds))
                h.eventKinds()
            }
        }
        assertEquals(listOf("WorkflowStarted") + List(10) { listOf("ActivityScheduled", "ActivityCompleted") }.flatten() + "WorkflowCompleted", shapes[0])
        assertEquals(shapes[1], shapes[0])
    }

    /** Slots taken eagerly are given back: a worker that runs 2 activities at a time still runs all 12. */
    @Test
    fun `a full worker leaves the rest to polling and every slot comes back`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("eager-full", TestStores.workerOptions { maxConcurrentActivities = 2; maxConcurrentWorkflowTasks = 1 }) {
                register(EagerFanOut)
                register(EagerChain)
                activities<EagerSteps>(EagerStepsImpl())
            }.start()
            val fan = (1..3).map { i -> kadence.client.start(EagerFanOut, 12) { id = "fan-$i"; taskQueue = "eager-full" } }
            val chain = kadence.client.start(EagerChain, 5) { id = "chain-after"; taskQueue = "eager-full" }
            assertEquals(List(3) { 78 }, fan.map { it.result(30.seconds) })
            assertEquals(15, chain.result(30.seconds))
        }
    }
}
