package io.kadence.bench

import io.temporal.activity.ActivityInterface
import io.temporal.activity.ActivityMethod
import io.temporal.activity.ActivityOptions
import io.temporal.client.WorkflowClient
import io.temporal.client.WorkflowOptions
import io.temporal.client.WorkflowStub
import io.temporal.testing.TestEnvironmentOptions
import io.temporal.testing.TestWorkflowEnvironment
import io.temporal.testing.WorkflowReplayer
import io.temporal.workflow.Async
import io.temporal.workflow.Promise
import io.temporal.workflow.Workflow
import io.temporal.workflow.WorkflowInterface
import io.temporal.workflow.WorkflowMethod
import java.time.Duration
import java.util.UUID

@ActivityInterface
interface TNoop {
    @ActivityMethod
    fun noop(i: Int): Int
}

class TNoopImpl : TNoop {
    override fun noop(i: Int): Int = i
}

private fun tActivities(): TNoop =
    Workflow.newActivityStub(TNoop::class.java, ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build())

@WorkflowInterface
interface TSteps {
    @WorkflowMethod(name = "BenchSteps")
    fun run(n: Int): Long
}

class TStepsImpl : TSteps {
    private val a = tActivities()
    override fun run(n: Int): Long {
        var sum = 0L
        for (i in 0 until n) sum += a.noop(i)
        return sum
    }
}

@WorkflowInterface
interface TFanOut {
    @WorkflowMethod(name = "BenchFanOut")
    fun run(n: Int): Long
}

class TFanOutImpl : TFanOut {
    private val a = tActivities()
    override fun run(n: Int): Long {
        val all: List<Promise<Int>> = (0 until n).map { i -> Async.function(a::noop, i) }
        return all.sumOf { it.get().toLong() }
    }
}

@WorkflowInterface
interface TSleeper {
    @WorkflowMethod(name = "BenchSleeper")
    fun run(seconds: Long): Long
}

class TSleeperImpl : TSleeper {
    override fun run(seconds: Long): Long {
        val t0 = Workflow.currentTimeMillis()
        Workflow.sleep(Duration.ofSeconds(seconds))
        return Workflow.currentTimeMillis() - t0 - seconds * 1000
    }
}

/**
 * Temporal's Java SDK on its in-process test server (io.temporal:temporal-testing), with real time
 * (time skipping off, or timers would not wait) and default worker options.
 */
class TemporalSystem(@Suppress("UNUSED_PARAMETER") opts: Options) : BenchSystem {
    override val name = "temporal"
    private val queue = "bench"
    private val env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build())
    private val client: WorkflowClient = env.workflowClient
    private val replayWorker = env.newWorker("bench-replay").also { it.registerWorkflowImplementationTypes(TStepsImpl::class.java) }

    init {
        env.newWorker(queue).apply {
            registerWorkflowImplementationTypes(TStepsImpl::class.java, TFanOutImpl::class.java, TSleeperImpl::class.java)
            registerActivitiesImplementations(TNoopImpl())
        }
        env.start()
    }

    private fun options(id: String = UUID.randomUUID().toString()) =
        WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(id).build()

    override fun runSteps(steps: Int): Long = client.newWorkflowStub(TSteps::class.java, options()).run(steps)

    override fun fanOut(n: Int): Long = client.newWorkflowStub(TFanOut::class.java, options()).run(n)

    override fun startSleeper(seconds: Long): Pending {
        val stub = client.newWorkflowStub(TSleeper::class.java, options())
        WorkflowClient.start(stub::run, seconds)
        val untyped = WorkflowStub.fromTyped(stub)
        return Pending { untyped.getResult(Long::class.javaObjectType) }
    }

    override fun prepareReplay(targetEvents: Int): Replay {
        fun historyOf(steps: Int): io.temporal.common.WorkflowExecutionHistory {
            val id = UUID.randomUUID().toString()
            client.newWorkflowStub(TSteps::class.java, options(id)).run(steps)
            return client.fetchHistory(id)
        }
        val steps = stepsForEvents(name, targetEvents) { historyOf(it).events.size }
        val history = historyOf(steps)
        return object : Replay {
            override val events = history.events.size
            override fun replayOnce() = WorkflowReplayer.replayWorkflowExecution(history, replayWorker)
        }
    }

    override fun close() = env.close()
}
