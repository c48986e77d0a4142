package io.kadence.java

import io.kadence.converter.DataConverter
import io.kadence.java.internal.JavaWorkflows
import io.kadence.workflow.WorkflowDefinition
import java.nio.file.Path
import kotlin.time.toKotlinDuration
import java.time.Duration as JDuration

/**
 * Kadence for Java: the same engine as `io.kadence.Kadence`, with builders, `java.time.Duration`,
 * blocking calls and `CompletableFuture` twins, and workflows written as blocking Java code
 * ([JavaWorkflow]).
 *
 * ```java
 * try (Kadence kadence = Kadence.embedded(Path.of("kadence-data"))) {
 *     kadence.newWorker("orders")
 *            .registerWorkflow(OrderWorkflow.class)
 *            .registerActivities(EmailActivities.class, new SmtpEmailActivities())
 *            .start();
 *     WorkflowRun<String> run = kadence.client().start(OrderWorkflow.class, new OrderRequest("user_123"),
 *             WorkflowOptions.newBuilder().id("order_1").taskQueue("orders").build());
 *     System.out.println(run.result());
 * }
 * ```
 */
public class Kadence private constructor(
    /** The Kotlin instance underneath, for code that mixes both APIs. */
    public val kotlin: io.kadence.Kadence,
) : AutoCloseable {
    private val client = WorkflowClient(kotlin.client)

    /** The client: starts, finds and controls workflows. */
    public fun client(): WorkflowClient = client

    /** A worker for [taskQueue] with default options; register workflows and activities, then `start()`. */
    public fun newWorker(taskQueue: String): Worker = newWorker(taskQueue, WorkerOptions.newBuilder().build())

    /** A worker for taskQueue with these options; register workflows and activities, then start(). */
    public fun newWorker(taskQueue: String, options: WorkerOptions): Worker = Worker(kotlin.worker(taskQueue, options.kotlin()))

    override fun close(): Unit = kotlin.close()

    /** Factory methods. */
    public companion object {
        /** Kadence on an H2 database in [dataDir] (created if missing): one process, no server. */
        @JvmStatic public fun embedded(dataDir: Path): Kadence = embedded(dataDir, KadenceOptions.newBuilder().build())

        @JvmStatic public fun embedded(dataDir: Path, options: KadenceOptions): Kadence =
            Kadence(io.kadence.Kadence.embedded(dataDir) { options.applyTo(this) })

        /** Kadence on a shared database (PostgreSQL), for several processes or hosts. */
        @JvmStatic public fun connect(jdbcUrl: String, user: String, password: String): Kadence =
            connect(jdbcUrl, user, password, KadenceOptions.newBuilder().build())

        @JvmStatic public fun connect(jdbcUrl: String, user: String, password: String, options: KadenceOptions): Kadence =
            Kadence(io.kadence.Kadence.connect(jdbcUrl, user, password) { options.applyTo(this) })

        /**
         * Wraps a Kotlin instance (for example one from `io.kadence.testing.TestKadence.create()`). Its
         * data converter should know Java types: create it with [JavaDataConverter].
         */
        @JvmStatic public fun wrap(kotlin: io.kadence.Kadence): Kadence = Kadence(kotlin)
    }
}

/** Settings of a Kadence instance: namespace, data converter, pool size, identity, host id. */
public class KadenceOptions private constructor(
    private val namespace: String?,
    private val dataConverter: DataConverter,
    private val poolSize: Int?,
    private val identity: String?,
    private val hostId: String?,
) {
    internal fun applyTo(o: io.kadence.Kadence.Options) {
        namespace?.let { o.namespace = it }
        o.dataConverter = dataConverter
        poolSize?.let { o.poolSize = it }
        identity?.let { o.identity = it }
        hostId?.let { o.hostId = it }
    }

    /** A builder; start one with newBuilder(). */
    public class Builder internal constructor() {
        private var namespace: String? = null
        private var dataConverter: DataConverter = JavaDataConverter()
        private var poolSize: Int? = null
        private var identity: String? = null
        private var hostId: String? = null

        /** The namespace this instance works in (default: "default"). */
        public fun namespace(ns: String): Builder = apply { namespace = ns }

        /** How payloads are encoded; by default [JavaDataConverter] (kotlinx for Kotlin types, Jackson for records and POJOs). */
        public fun dataConverter(c: DataConverter): Builder = apply { dataConverter = c }
        /** Database connections in the pool (default 8). */
        public fun poolSize(n: Int): Builder = apply { poolSize = n }
        /** This process's identity in leases and logs. */
        public fun identity(id: String): Builder = apply { identity = id }

        /** The host id of this process's session hosts (by default the one kept in the data directory). */
        public fun hostId(id: String): Builder = apply { hostId = id }
        /** Builds the options, validating them (InvalidArgumentException for bad values). */
        public fun build(): KadenceOptions = KadenceOptions(namespace, dataConverter, poolSize, identity, hostId)
    }

    /** Factory methods. */
    public companion object {
        @JvmStatic public fun newBuilder(): Builder = Builder()
    }
}

/** Worker settings; [Builder.maxConcurrentSessions] and [Builder.sessionResource] make it a session host. */
public class WorkerOptions private constructor(private val configure: io.kadence.worker.WorkerOptions.() -> Unit) {
    @JvmSynthetic internal fun kotlin(): io.kadence.worker.WorkerOptions = io.kadence.worker.WorkerOptions().apply(configure)

    /** A builder; start one with newBuilder(). */
    public class Builder internal constructor() {
        private val steps = ArrayList<io.kadence.worker.WorkerOptions.() -> Unit>()
        private val sessionSteps = ArrayList<io.kadence.worker.SessionWorkerOptions.() -> Unit>()

        /** Activities this worker runs at once (default 200). */
        public fun maxConcurrentActivities(n: Int): Builder = apply { steps += { maxConcurrentActivities = n } }
        /** Workflow tasks this worker runs at once (default 64). */
        public fun maxConcurrentWorkflowTasks(n: Int): Builder = apply { steps += { maxConcurrentWorkflowTasks = n } }
        /** Runs kept in memory between tasks (default 1000); 0 replays every task. */
        public fun workflowCacheSize(n: Int): Builder = apply { steps += { workflowCacheSize = n } }
        /** The lease of a workflow task (default 10 s). */
        public fun workflowTaskTimeout(d: JDuration): Builder = apply { steps += { workflowTaskTimeout = d.toKotlinDuration() } }
        /** How long close() waits for running tasks (default 10 s). */
        public fun shutdownGracePeriod(d: JDuration): Builder = apply { steps += { shutdownGracePeriod = d.toKotlinDuration() } }

        /** This worker's host id for sessions (by default the instance's). */
        public fun hostId(id: String): Builder = apply { steps += { hostId = id } }

        /** Makes the worker a session host holding at most [n] sessions at once. */
        public fun maxConcurrentSessions(n: Int): Builder = apply { sessionSteps += { maxConcurrent = n } }

        /** Declares [capacity] units of [name] (`gpu`, …) for sessions on this host. */
        public fun sessionResource(name: String, capacity: Int): Builder = apply { sessionSteps += { resource(name, capacity) } }

        /** How long the host may be down (a restart) before its sessions fail. */
        public fun sessionGracePeriod(d: JDuration): Builder = apply { sessionSteps += { gracePeriod = d.toKotlinDuration() } }

        /** Builds the options, validating them (InvalidArgumentException for bad values). */
        public fun build(): WorkerOptions {
            val s = steps.toList()
            val ss = sessionSteps.toList()
            return WorkerOptions {
                s.forEach { it() }
                if (ss.isNotEmpty()) sessions { ss.forEach { it() } }
                validateForJava()
            }
        }

        private fun io.kadence.worker.WorkerOptions.validateForJava() {
            sessions?.let { check(it.maxConcurrent >= 1) { "maxConcurrentSessions must be >= 1" } }
        }
    }

    /** Factory methods. */
    public companion object {
        @JvmStatic public fun newBuilder(): Builder = Builder()
    }
}

/** A worker of one task queue: register Java workflows and activity implementations, then [start]. */
public class Worker internal constructor(private val worker: io.kadence.worker.Worker) : AutoCloseable {
    /** Registers a Java workflow class (one instance per run; type = class simple name or [WorkflowType]). */
    public fun registerWorkflow(workflow: Class<out JavaWorkflow<*, *>>): Worker = apply {
        @Suppress("UNCHECKED_CAST")
        worker.register(JavaWorkflows.definition(workflow as Class<JavaWorkflow<Any?, Any?>>))
    }

    /** Registers a workflow defined in Kotlin. */
    public fun registerWorkflow(definition: WorkflowDefinition<*, *>): Worker = apply { worker.register(definition) }

    /**
     * Handles the workflow types this worker has no class for, as Java workflow code: [handler] gets
     * the context, the type name and the input as recorded JSON text, and returns the result (encoded
     * by its class).
     */
    public fun registerDynamicWorkflow(handler: DynamicJavaWorkflow): Worker = apply {
        worker.registerDynamicWorkflow { type, input ->
            io.kadence.java.internal.WorkflowThread.runNew(this, "kadence-java-workflow ${info.workflowId}") {
                handler.run(io.kadence.java.internal.ContextImpl, type, input.payload)
            }
        }
    }

    /** Registers [implementation] for the activity interface [iface] (plain blocking methods work). */
    public fun <T : Any> registerActivities(iface: Class<T>, implementation: T): Worker = apply { worker.registerActivities(iface, implementation) }

    /** Starts polling. */
    public fun start(): Worker = apply { worker.start() }

    override fun close(): Unit = worker.close()
}
