package io.kadence.worker

import io.kadence.converter.EncodedValues
import io.kadence.failure.InvalidArgumentException
import io.kadence.workflow.WorkflowScope
import io.kadence.internal.engine.ActivityMethods
import io.kadence.internal.runtime.ActivityBinding
import io.kadence.internal.runtime.ActivityInvoker
import io.kadence.internal.runtime.LocalActivityRunner
import io.kadence.internal.runtime.ActivityTaskRunner
import io.kadence.internal.runtime.Engine
import io.kadence.internal.runtime.TaskPoller
import io.kadence.internal.runtime.WorkflowCache
import io.kadence.internal.runtime.WorkflowTaskRunner
import io.kadence.workflow.WorkflowDefinition
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.runBlocking
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger

/**
 * Polls one task queue and runs the workflows and activities registered on it. Register
 * everything, then [start]; [close] stops polling, tells running activities, and waits for them
 * up to the grace period.
 */
@io.kadence.KadenceDsl
public class Worker internal constructor(
    private val engine: Engine,
    public val taskQueue: String,
    private val options: WorkerOptions,
) : AutoCloseable {
    init {
        io.kadence.client.Validation.checkId("task queue", taskQueue)
    }

    private val workflows = LinkedHashMap<String, WorkflowDefinition<Any?, Any?>>()
    private val activities = LinkedHashMap<String, ActivityBinding>()
    // Lease owners are stored in 255 characters: a long queue name is cut (never inside a surrogate pair); the counter keeps ids unique.
    private val workerId = "${engine.identity}/${taskQueue.take(64).let { if (Character.isHighSurrogate(it.last())) it.dropLast(1) else it }}/${ids.incrementAndGet()}"
    @Volatile private var shuttingDown = false
    private var started = false
    private val scope = CoroutineScope(SupervisorJob(engine.scope.coroutineContext[kotlinx.coroutines.Job]) + kotlinx.coroutines.Dispatchers.Default)
    private val workflowThreads = Executors.newFixedThreadPool(options.maxConcurrentWorkflowTasks) { r ->
        Thread(r, "kadence-workflow-$taskQueue").apply { isDaemon = true }
    }
    private val activityThreads = Executors.newCachedThreadPool { r -> Thread(r, "kadence-activity-$taskQueue").apply { isDaemon = true } }
    /**
     * Where activity tasks are handled: the handler records the outcome (and, fused, runs the next
     * workflow task) with blocking JDBC calls, so it must not run on Dispatchers.Default, whose few
     * threads (two on a two-core host) then capped how many activities could finish at once.
     */
    private val activityHandlers by lazy { kotlinx.coroutines.Dispatchers.IO.limitedParallelism(options.maxConcurrentActivities) }
    private var workflowPoller: TaskPoller<*>? = null
    private var activityPoller: TaskPoller<*>? = null
    private var hostPoller: TaskPoller<*>? = null
    private var host: io.kadence.internal.runtime.SessionHosts.Host? = null
    private var sessionOptions: SessionWorkerOptions? = options.sessions
    private var activityRunner: ActivityTaskRunner? = null
    private var workflowRunner: WorkflowTaskRunner? = null

    /** Registers a workflow type; its name must be unique on this worker. */
    @Suppress("UNCHECKED_CAST")
    public fun register(definition: WorkflowDefinition<*, *>): Worker = apply {
        check(!started) { "register workflows before start()" }
        if (definition.name in workflows) throw InvalidArgumentException("workflow type '${definition.name}' is already registered on this worker")
        workflows[definition.name] = definition as WorkflowDefinition<Any?, Any?>
        engine.definitions.putIfAbsent(definition.name, definition)
    }

    /**
     * Registers [implementation] for every method of the activity interface [iface] (suspend or
     * blocking); each method is an activity type named after the method.
     */
    public fun <T : Any> registerActivities(iface: Class<T>, implementation: T): Worker = apply {
        check(!started) { "register activities before start()" }
        if (!iface.isInterface) throw InvalidArgumentException("${iface.name} is not an interface: register activities by their interface")
        for (m in iface.methods) {
            if (m.declaringClass == Any::class.java) continue
            val sig = ActivityMethods.signature(m, requireSuspend = false)!!
            if (sig.name in activities) throw InvalidArgumentException("activity type '${sig.name}' is registered twice on this worker (${iface.simpleName}.${m.name})")
            activities[sig.name] = ActivityBinding(implementation, m.also { it.isAccessible = true }, sig)
        }
    }

    /**
     * Handles workflow types registered nowhere else on this worker: [handler] gets the type name
     * and the recorded input, and its return value (of a serializable class, or null) is the result.
     */
    public fun registerDynamicWorkflow(handler: suspend WorkflowScope.(workflowType: String, input: EncodedValues) -> Any?): Worker = apply {
        check(!started) { "register workflows before start()" }
        if (dynamicWorkflow != null) throw InvalidArgumentException("a dynamic workflow handler is already registered on this worker")
        dynamicWorkflow = handler
    }

    /**
     * Handles activity types registered nowhere else on this worker: [handler] gets the type name and
     * the recorded arguments, and its return value (of a serializable class, or null) is the result.
     */
    public fun registerDynamicActivity(handler: suspend (activityType: String, args: EncodedValues) -> Any?): Worker = apply {
        check(!started) { "register activities before start()" }
        if (dynamicActivity != null) throw InvalidArgumentException("a dynamic activity handler is already registered on this worker")
        dynamicActivity = handler
    }

    private var dynamicWorkflow: (suspend WorkflowScope.(String, EncodedValues) -> Any?)? = null
    private var dynamicActivity: (suspend (String, EncodedValues) -> Any?)? = null

    /**
     * Makes this worker's host a session host: `sessions { maxConcurrent = 8; resource("gpu", 2) }`. The
     * host (id `WorkerOptions.hostId`, else the instance's) heartbeats and runs the activities of the
     * sessions placed on it, from a queue of its own besides this worker's; see [SessionWorkerOptions].
     */
    public fun sessions(configure: SessionWorkerOptions.() -> Unit): Worker = apply {
        check(!started) { "configure sessions before start()" }
        sessionOptions = (sessionOptions ?: SessionWorkerOptions()).apply(configure)
    }

    /** Registers activities by reified interface: `activities<FileActivities>(impl)`. */
    public inline fun <reified T : Any> activities(implementation: T): Worker = registerActivities(T::class.java, implementation)

    /** Starts polling. */
    public fun start(): Worker = apply {
        check(!started) { "worker already started" }
        options.validate()
        started = true
        val invoker = if (activities.isNotEmpty() || dynamicActivity != null) {
            ActivityInvoker(engine.converter, activities.toMap(), activityThreads.asCoroutineDispatcher(), dynamicActivity)
        } else null
        if (workflows.isNotEmpty() || dynamicWorkflow != null) {
            val runner = WorkflowTaskRunner(engine, workerId, taskQueue, workflows.toMap(), WorkflowCache(options.workflowCacheSize),
                options.deadlockDetectionTimeout.inWholeMilliseconds, dynamicWorkflow,
                LocalActivityRunner(engine, workerId, invoker), options.workflowTaskTimeout.inWholeMilliseconds)
            val poller = TaskPoller(
                TaskPoller.Kind.WORKFLOW, engine.namespace, taskQueue, options.maxConcurrentWorkflowTasks,
                workflowThreads.asCoroutineDispatcher(), options.maxPollInterval.inWholeMilliseconds,
                owner = workerId, leaseMillis = options.workflowTaskTimeout.inWholeMilliseconds, acceptsEager = options.eagerDispatch,
                poll = { max -> engine.store.pollWorkflowTasks(engine.namespace, taskQueue, workerId, max, options.workflowTaskTimeout.inWholeMilliseconds, engine.clock.now()) },
                handle = { lease -> runner.handle(lease) },
                onCaughtUp = engine::caughtUp,
            )
            workflowPoller = poller
            workflowRunner = runner
            if (dynamicWorkflow != null) engine.dynamicDefinitions += runner::definitionOf
            engine.register(poller)
            if (options.eagerDispatch) engine.registerWorkflowRunner(runner, poller)
            poller.start(scope)
            scope.launch {
                while (isActive) {
                    delay(options.deadlockDetectionTimeout.inWholeMilliseconds / 4 + 1)
                    runner.checkDeadlocks()
                }
            }
        }
        if (invoker != null) {
            val runner = ActivityTaskRunner(engine, workerId, taskQueue, invoker) { shuttingDown }
            activityRunner = runner
            val poller = TaskPoller(
                TaskPoller.Kind.ACTIVITY, engine.namespace, taskQueue, options.maxConcurrentActivities,
                activityHandlers, options.maxPollInterval.inWholeMilliseconds,
                owner = workerId, leaseMillis = 0, acceptsEager = options.eagerDispatch,
                poll = { max -> engine.store.pollActivityTasks(engine.namespace, taskQueue, workerId, max, engine.clock.now()) },
                handle = { lease -> runner.handle(lease) },
            )
            activityPoller = poller
            engine.register(poller)
            poller.start(scope)
        }
        sessionOptions?.let { startSessionHost(it) }
        engine.timerService.start()
    }

    /** Polls the host's own queue with the same activities, then registers the host (re-attaching to its open sessions). */
    private fun startSessionHost(sessions: SessionWorkerOptions) {
        sessions.validate()
        val runner = activityRunner ?: throw InvalidArgumentException(
            "worker of task queue '$taskQueue' takes sessions but registers no activities: a session host runs the activities of its sessions",
        )
        val key = io.kadence.internal.spi.HostKey(engine.namespace, taskQueue, options.hostId ?: engine.hostId)
        val poller = TaskPoller(
            TaskPoller.Kind.ACTIVITY, engine.namespace, key.hostTaskQueue, options.maxConcurrentActivities,
            activityHandlers, options.maxPollInterval.inWholeMilliseconds,
            owner = workerId, leaseMillis = 0, acceptsEager = options.eagerDispatch,
            poll = { max -> engine.store.pollActivityTasks(engine.namespace, key.hostTaskQueue, workerId, max, engine.clock.now()) },
            handle = { lease -> runner.handle(lease) },
        )
        hostPoller = poller
        engine.register(poller)
        poller.start(scope)
        host = engine.sessionHosts.attach(
            io.kadence.internal.spi.HostRegistration(key, sessions.capacity, sessions.gracePeriod.inWholeMilliseconds, workerId),
            sessions.heartbeatInterval.inWholeMilliseconds,
        )
    }

    /** Stops polling, tells running activities the worker is shutting down, and waits for tasks to finish. */
    override fun close() {
        if (shuttingDown) return
        shuttingDown = true
        host?.let(engine.sessionHosts::detach)
        workflowPoller?.stopPolling()
        activityPoller?.stopPolling()
        hostPoller?.stopPolling()
        runBlocking {
            val grace = options.shutdownGracePeriod.inWholeMilliseconds
            workflowPoller?.drain(grace)
            val activitiesDone = listOfNotNull(activityPoller, hostPoller).all { it.drain(grace / 2) }
            if (!activitiesDone) {
                activityRunner?.cancelAll("the worker is shutting down")
                activityPoller?.drain(grace / 2)
                hostPoller?.drain(grace / 2)
            }
        }
        workflowRunner?.let(engine::unregisterWorkflowRunner)
        workflowRunner?.destroyCached()
        workflowPoller?.let(engine::unregister)
        activityPoller?.let(engine::unregister)
        hostPoller?.let(engine::unregister)
        scope.cancel()
        workflowThreads.shutdownNow()
        activityThreads.shutdownNow()
    }

    private companion object {
        val ids = AtomicInteger()
    }
}
