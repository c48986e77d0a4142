package io.kadence.test

import io.kadence.internal.store.ConnectionGuard
import io.kadence.internal.store.StoreConfig
import org.jetbrains.exposed.v1.core.DatabaseConfig
import org.jetbrains.exposed.v1.jdbc.Database
import org.jetbrains.exposed.v1.jdbc.transactions.TransactionManager
import org.jetbrains.exposed.v1.jdbc.transactions.transaction
import java.sql.Connection
import java.util.UUID
import java.util.concurrent.atomic.AtomicInteger
import javax.sql.DataSource
import kotlin.test.Test
import kotlin.test.assertEquals

/**
 * Exposed sets the isolation level on every connection it takes, and PostgreSQL's driver sends each
 * set to the server as a statement. [ConnectionGuard] passes on only a set that changes the level,
 * and the level each transaction runs at is still the one it asked for. Runs on the real pool of the
 * store under test (H2, or PostgreSQL in that pass), counting the sets that reach it.
 */
class ConnectionGuardTest {
    private val config = if (TestStores.isPostgres) StoreConfig(TestStores.newPgSchema(), TestStores.pgUser, "", 2)
    else StoreConfig.h2Memory("guard-" + UUID.randomUUID(), 2)

    /** The real pool, counting the isolation sets that reach it. */
    private class CountingDataSource(private val target: DataSource) : DataSource by target {
        val isolationSets = AtomicInteger()
        override fun getConnection(): Connection = Counted(target.connection)
        private inner class Counted(private val c: Connection) : Connection by c {
            override fun setTransactionIsolation(level: Int) {
                isolationSets.incrementAndGet()
                c.transactionIsolation = level
            }
        }
    }

    /** The isolation the database reports for the transaction this runs in. */
    private fun serverIsolation(): String {
        val sql = if (TestStores.isPostgres) "SHOW transaction_isolation"
        else "SELECT ISOLATION_LEVEL FROM INFORMATION_SCHEMA.SESSIONS WHERE SESSION_ID = SESSION_ID()"
        val jdbc = TransactionManager.current().connection.connection as Connection
        return jdbc.createStatement().use { s -> s.executeQuery(sql).use { rs -> rs.next(); rs.getString(1).lowercase() } }
    }

    /** 30 ordinary transactions, 10 read-only ones, then one serializable and 10 ordinary again; the isolations they saw. */
    private fun runTransactions(db: Database): List<String> = buildList {
        repeat(30) { add(transaction(db) { serverIsolation() }) }
        repeat(10) { add(transaction(db, readOnly = true) { serverIsolation() }) }
        add(transaction(db, transactionIsolation = Connection.TRANSACTION_SERIALIZABLE) { serverIsolation() })
        repeat(10) { add(transaction(db) { serverIsolation() }) }
    }

    private fun database(source: DataSource) = Database.connect(source, databaseConfig = DatabaseConfig {
        defaultIsolationLevel = StoreConfig.ISOLATION
    })

    @Test
    fun `only a set that changes the isolation reaches the driver, and every transaction runs at the level it asked for`() {
        config.dataSource().use { pool ->
            val counting = CountingDataSource(pool)
            val seen = runTransactions(database(ConnectionGuard(counting, StoreConfig.ISOLATION, dropZeroQueryTimeout = !config.isPostgres)))
            val expected = List(40) { "read committed" } + "serializable" + List(10) { "read committed" }
            assertEquals(expected, seen)
            assertEquals(1, counting.isolationSets.get(), "only the serializable transaction should have set an isolation level")
        }
    }

    @Test
    fun `without the guard Exposed sets the isolation on every transaction`() {
        config.dataSource().use { pool ->
            val counting = CountingDataSource(pool)
            runTransactions(database(counting))
            assertEquals(51, counting.isolationSets.get())
        }
    }
}
