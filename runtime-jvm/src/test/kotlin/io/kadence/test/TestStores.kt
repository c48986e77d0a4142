package io.kadence.test

import io.kadence.Kadence
import io.kadence.internal.store.StoreConfig
import io.kadence.testing.TestKadence
import io.kadence.worker.WorkerOptions
import org.junit.jupiter.api.Assumptions
import java.sql.DriverManager
import java.util.UUID

/**
 * Opens the store the suite runs on: `-Dkadence.store=h2` (default, in memory) or `postgres` (a
 * fresh schema per test on the server at `kadence.pg.url`). `-Dkadence.cacheSize=0` forces every
 * workflow task to replay from history.
 */
object TestStores {
    val kind: String = System.getProperty("kadence.store", "h2")
    val cacheSize: Int = System.getProperty("kadence.cacheSize", "1000").toInt()
    val pgUrl: String = System.getProperty("kadence.pg.url", "jdbc:postgresql://127.0.0.1:5432/test")
    val pgUser: String = System.getProperty("kadence.pg.user", "postgres")
    val isPostgres: Boolean get() = kind == "postgres"

    private val pgReachable: Boolean by lazy {
        try {
            DriverManager.getConnection(pgUrl, pgUser, "").use { true }
        } catch (e: Exception) {
            System.err.println("PostgreSQL at $pgUrl is not reachable (${e.message})")
            false
        }
    }

    /** Fails in CI, skips (saying so) elsewhere, when PostgreSQL is required but absent. */
    fun requirePostgres() {
        if (pgReachable) return
        if (System.getenv("CI") == "true") throw IllegalStateException("CI must run the PostgreSQL suite, but $pgUrl is not reachable")
        Assumptions.assumeTrue(false, "SKIPPED: PostgreSQL at $pgUrl is not reachable; the PostgreSQL run of this suite did not run")
    }

    /** A new schema on the PostgreSQL test server; returns its JDBC URL. */
    fun newPgSchema(): String {
        requirePostgres()
        val schema = "kt_" + UUID.randomUUID().toString().replace("-", "").take(16)
        DriverManager.getConnection(pgUrl, pgUser, "").use { it.createStatement().execute("CREATE SCHEMA $schema") }
        return "$pgUrl?currentSchema=$schema"
    }

    /** The JDBC URL and user of the store [open] opened last (for tests that reach into the tables). */
    @Volatile var lastOpened: Pair<String, String>? = null
        private set

    /** A test Kadence on this run's store, with a virtual clock. Its histories are checked after the test. */
    fun open(): Kadence {
        val url = if (isPostgres) newPgSchema() else StoreConfig.h2Memory("kadence-test-" + UUID.randomUUID()).jdbcUrl
        val user = if (isPostgres) pgUser else "sa"
        lastOpened = url to user
        return TestKadence.create(url, user, "").also { HistoryCheckExtension.opened(url, user, it) }
    }

    /** A bare store (no engine) on this run's database, with a pool of 2: a fresh schema, or an H2 memory database named [name]-<uuid>. */
    internal fun openStore(name: String): io.kadence.internal.store.JdbcHistoryStore = io.kadence.internal.store.JdbcHistoryStore(
        if (isPostgres) StoreConfig(newPgSchema(), pgUser, "", 2) else StoreConfig.h2Memory("$name-" + UUID.randomUUID(), 2),
    )

    fun workerOptions(block: WorkerOptions.() -> Unit = {}): WorkerOptions = WorkerOptions().apply {
        workflowCacheSize = cacheSize
        block()
    }
}
