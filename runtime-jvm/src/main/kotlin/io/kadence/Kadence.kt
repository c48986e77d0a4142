package io.kadence

import io.kadence.client.KadenceClient
import io.kadence.converter.DataConverter
import io.kadence.internal.runtime.Engine
import io.kadence.internal.runtime.EngineClock
import io.kadence.internal.runtime.SystemEngineClock
import io.kadence.internal.store.JdbcHistoryStore
import io.kadence.internal.store.StoreConfig
import io.kadence.worker.Worker
import io.kadence.worker.WorkerOptions
import java.lang.management.ManagementFactory
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList

/**
 * One Kadence instance: a history store, a client and the workers of this process. Its "server"
 * is the database: an H2 file for [embedded] use, PostgreSQL to [connect] several hosts.
 *
 * ```
 * Kadence.embedded(Path("kadence-data")).use { kadence ->
 *     kadence.worker("orders") { register(OrderWorkflow); activities<Payments>(RealPayments()) }.start()
 *     println(kadence.client.start(OrderWorkflow, order) { taskQueue = "orders" }.result())
 * }
 * ```
 */
public class Kadence internal constructor(internal val engine: Engine) : AutoCloseable {
    private val workers = CopyOnWriteArrayList<Worker>()

    /** Starts, finds and controls workflows. */
    public val client: KadenceClient = KadenceClient(engine)

    /** A worker for [taskQueue]; register workflows and activities in [configure], then call `start()`. */
    public fun worker(taskQueue: String, options: WorkerOptions = WorkerOptions(), configure: Worker.() -> Unit = {}): Worker =
        Worker(engine, taskQueue, options).also { workers += it }.apply(configure)

    /** Closes the workers (gracefully), then the store. */
    override fun close() {
        workers.forEach { it.close() }
        engine.close()
    }

    /** Settings shared by every way of opening Kadence. */
    @io.kadence.KadenceDsl
    public class Options {
        /** The namespace this instance works in. */
        public var namespace: String = "default"
        /** How payloads are encoded. */
        public var dataConverter: DataConverter = DataConverter.default
        /** Connections in the pool. */
        public var poolSize: Int = 8
        /** Identity of this process in leases and logs. */
        public var identity: String = ManagementFactory.getRuntimeMXBean().name

        /**
         * The id of this host for sessions (see `WorkerOptions.sessions`): stable across restarts, so a
         * restarted worker re-attaches to its host's open sessions. Unset, it is read from the data
         * directory ([dataDir], or the one given to [embedded]), where the machine's host name is
         * written the first time; with no data directory it is the machine's host name.
         */
        public var hostId: String? = null

        /** Where a process that [connect]s keeps its host id (see [hostId]); [embedded] uses its own data directory. */
        public var dataDir: Path? = null

        /**
         * How long closed runs of this namespace are kept before a background job deletes their
         * history (stored with the namespace; unset keeps what is stored, 7 days for a new one).
         */
        public var retention: kotlin.time.Duration? = null

        /**
         * This namespace's own limits (history size, pending activities, children and signals), stored
         * with it so every process of the namespace applies them; unset keeps what is stored, and
         * values left null fall back to [io.kadence.KadenceLimits].
         */
        public var limits: io.kadence.NamespaceLimits? = null

        /**
         * Called with each closed run and its history just before retention deletes them (to archive
         * them as JSON with `HistoryCodec.exportHistory`); a run whose export throws is kept and tried again.
         */
        public var retentionExport: ((io.kadence.internal.spi.RunRecord, List<io.kadence.history.HistoryEvent>) -> Unit)? = null
    }

    /** Ways to open Kadence. */
    public companion object {
        /**
         * Kadence on an H2 database in [dataDir] (created if missing). Every commit reaches the disk
         * before it returns, so nothing acknowledged is lost when the process is killed.
         */
        @JvmStatic
        @JvmOverloads
        public fun embedded(dataDir: Path = Path.of("kadence-data"), configure: Options.() -> Unit = {}): Kadence {
            Files.createDirectories(dataDir)
            val o = Options().apply(configure)
            if (o.dataDir == null) o.dataDir = dataDir
            return open(StoreConfig.h2File(dataDir, o.poolSize), o, SystemEngineClock)
        }

        /** Kadence on a shared database (PostgreSQL): several processes and hosts can work together. */
        @JvmStatic
        @JvmOverloads
        public fun connect(jdbcUrl: String, user: String? = null, password: String? = null, configure: Options.() -> Unit = {}): Kadence {
            val o = Options().apply(configure)
            return open(StoreConfig(jdbcUrl, user, password, o.poolSize), o, SystemEngineClock)
        }

        internal fun open(config: StoreConfig, o: Options, clock: EngineClock): Kadence {
            io.kadence.client.Validation.checkId("namespace", o.namespace, max = 255)
            val store = JdbcHistoryStore(config)
            val hostId = io.kadence.internal.runtime.HostIdentity.resolve(o.hostId, o.dataDir)
            val settings = store.ensureNamespace(o.namespace, o.retention?.inWholeMilliseconds, o.limits, clock.now())
            settings.limits?.let { io.kadence.KadenceLimits.setNamespaceLimits(o.namespace, it) }
            return Kadence(Engine(store, clock, o.dataConverter, o.namespace, o.identity, hostId, o.retentionExport))
        }
    }
}
