package io.kadence.internal.store

import com.zaxxer.hikari.HikariConfig
import com.zaxxer.hikari.HikariDataSource
import com.zaxxer.hikari.util.IsolationLevel
import org.flywaydb.core.Flyway
import java.nio.file.Path
import java.sql.Connection
import javax.sql.DataSource

/** How to reach the database, and the pool and migrations set up for it. */
internal class StoreConfig(
    val jdbcUrl: String,
    val user: String?,
    val password: String?,
    val poolSize: Int,
) {
    val isPostgres: Boolean get() = jdbcUrl.startsWith("jdbc:postgresql:")

    fun dataSource(): HikariDataSource = HikariDataSource(HikariConfig().also {
        it.jdbcUrl = jdbcUrl
        user?.let { u -> it.username = u }
        password?.let { p -> it.password = p }
        it.maximumPoolSize = poolSize
        it.minimumIdle = 1
        it.isAutoCommit = false
        it.transactionIsolation = HIKARI_ISOLATION
        it.poolName = "kadence"
    })

    companion object {
        /** The isolation of every transaction: the pool's default, so [ConnectionGuard] never has to set it. */
        const val ISOLATION = Connection.TRANSACTION_READ_COMMITTED

        /** [ISOLATION] as Hikari names it: one level, spelled once. */
        private val HIKARI_ISOLATION: String = IsolationLevel.entries.single { it.levelId == ISOLATION }.name

        /**
         * H2 settings for the engine's statements: wait for row locks up to 10 s; keep the parsed form of
         * the hot statements per connection (there are more than H2's default 8); and store payloads up
         * to 4 KiB inside their rows rather than in H2's separate LOB storage, which costs more than a
         * third of a commit when an event's JSON passes H2's default of 256 bytes.
         */
        const val H2_TUNING = "LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=128;MAX_LENGTH_INPLACE_LOB=4096"

        /** An H2 database in [dir]; each commit is on disk before it returns (WRITE_DELAY=0), so it survives kill -9. */
        fun h2File(dir: Path, poolSize: Int = 8) = StoreConfig(
            "jdbc:h2:file:${dir.toAbsolutePath().resolve("kadence")};WRITE_DELAY=0;$H2_TUNING", "sa", "", poolSize,
        )

        /** A private in-memory H2 database, for tests. */
        fun h2Memory(name: String, poolSize: Int = 8) = StoreConfig(
            "jdbc:h2:mem:$name;DB_CLOSE_DELAY=-1;$H2_TUNING", "sa", "", poolSize,
        )
    }
}

/**
 * Applies the versioned schema migrations (Flyway, `db/kadence/V*__*.sql`). Kadence lives in the
 * application's own database, often in a schema that already has the application's tables: a schema
 * without Kadence's history table is baselined at version 0, so every Kadence migration still runs.
 * The few settings that differ between the databases are placeholders (see V13).
 */
internal fun migrate(dataSource: DataSource, isPostgres: Boolean) {
    Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:db/kadence")
        .placeholders(mapOf("identity_cache" to if (isPostgres) "1" else "1000"))
        .table("kadence_schema_history")
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load()
        .migrate()
}
