package io.kadence.bench

import dev.dbos.transact.DBOS
import dev.dbos.transact.StartWorkflowOptions
import dev.dbos.transact.config.DBOSConfig
import dev.dbos.transact.workflow.Workflow
import java.time.Duration
import java.util.UUID

interface DWorkflows {
    fun steps(n: Int): Long
    fun fanOut(n: Int): Long
    fun one(i: Int): Int
    fun sleeper(seconds: Long): Long
}

/**
 * DBOS workflows are plain methods run once (steps checkpointed, recovery re-runs from the
 * checkpoints); a no-op activity is a no-op step. Fan-out: DBOS steps of one workflow run in
 * sequence, so concurrency comes from child workflows of one step each, started from the parent.
 */
class DWorkflowsImpl(private val dbos: DBOS) : DWorkflows {
    lateinit var self: DWorkflows

    private fun noop(i: Int): Int = dbos.runStep<Int, RuntimeException>({ i }, "noop")

    @Workflow(name = "BenchSteps")
    override fun steps(n: Int): Long {
        var sum = 0L
        for (i in 0 until n) sum += noop(i)
        return sum
    }

    @Workflow(name = "BenchFanOut")
    override fun fanOut(n: Int): Long {
        val children = (0 until n).map { i -> dbos.startWorkflow<Int, RuntimeException>({ self.one(i) }) }
        return children.sumOf { it.result.toLong() }
    }

    @Workflow(name = "BenchOne")
    override fun one(i: Int): Int = noop(i)

    /** Wall clock is fine here: a DBOS workflow body runs once unless it is recovered. */
    @Workflow(name = "BenchSleeper")
    override fun sleeper(seconds: Long): Long {
        val t0 = System.currentTimeMillis()
        dbos.sleep(Duration.ofSeconds(seconds))
        return System.currentTimeMillis() - t0 - seconds * 1000
    }
}

/** DBOS Transact Java on the same local PostgreSQL, in a fresh schema of its own; default settings. */
class DbosSystem(private val opts: Options) : BenchSystem {
    override val name = "dbos"
    private val schema = freshSchema(opts, "dbos_bench")
    private val dbos: DBOS
    private val proxy: DWorkflows

    init {
        val config = DBOSConfig.defaults("kadence-bench")
            .withDatabaseUrl(opts.pgUrl)
            .withDbUser(opts.pgUser)
            .withDbPassword(opts.pgPassword ?: "")
            .withDatabaseSchema(schema)
            .withAdminServer(false)
        dbos = DBOS(config)
        val impl = DWorkflowsImpl(dbos)
        proxy = dbos.registerProxy(DWorkflows::class.java, impl)
        impl.self = proxy
        dbos.launch()
    }

    private fun <T> startAndWait(body: () -> T): T =
        dbos.startWorkflow<T, RuntimeException>({ body() }, StartWorkflowOptions().withWorkflowId(UUID.randomUUID().toString())).result

    override fun runSteps(steps: Int): Long = startAndWait { proxy.steps(steps) }

    override fun fanOut(n: Int): Long = startAndWait { proxy.fanOut(n) }

    override fun startSleeper(seconds: Long): Pending {
        val h = dbos.startWorkflow<Long, RuntimeException>({ proxy.sleeper(seconds) }, StartWorkflowOptions().withWorkflowId(UUID.randomUUID().toString()))
        return Pending { h.result }
    }

    override fun close() {
        try {
            dbos.shutdown()
        } finally {
            if (!opts.keep) dropSchema(opts, schema)
        }
    }
}
