package io.kadence.test

import io.kadence.internal.store.ConnectionGuard
import io.kadence.internal.store.ReusedStatements
import io.kadence.internal.store.StoreConfig
import java.sql.Connection
import java.sql.PreparedStatement
import java.util.UUID
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotSame
import kotlin.test.assertSame
import kotlin.test.assertTrue

/**
 * The store's hot statements stay prepared on each physical connection across the pool's loans, on
 * the real pool and database under test (H2, or PostgreSQL in that pass).
 */
class ReusedStatementsTest {
    private val config = if (TestStores.isPostgres) StoreConfig(TestStores.newPgSchema(), TestStores.pgUser, "", 1)
    else StoreConfig.h2Memory("reused-" + UUID.randomUUID(), 1)

    private val sql = "SELECT CAST(? AS BIGINT) + 1"

    /** Runs [sql] for [n] on [c] and returns the statement it ran on with the result. */
    private fun plusOne(c: Connection, n: Long): Pair<PreparedStatement, Long> = ReusedStatements.use(c, sql) { s ->
        s.setLong(1, n)
        s.executeQuery().use { rs -> rs.next(); s to rs.getLong(1) }
    }

    /** Borrows a connection from [pool] through the store's guard, as the store does, and commits. */
    private fun <T> borrow(pool: javax.sql.DataSource, block: (Connection) -> T): T =
        ConnectionGuard(pool, StoreConfig.ISOLATION, dropZeroQueryTimeout = !config.isPostgres).connection.use { c ->
            block(c).also { c.commit() }
        }

    @Test
    fun `a statement is prepared once per connection and used again on the next loan`() {
        config.dataSource().use { pool ->
            val (first, one) = borrow(pool) { plusOne(it, 0) }
            val (second, two) = borrow(pool) { plusOne(it, 1) }
            assertEquals(1, one)
            assertEquals(2, two)
            assertSame(first, second, "the pool's only connection should have kept the prepared statement")
            assertFalse(first.isClosed, "giving the connection back to the pool must not close a kept statement")
        }
    }

    @Test
    fun `a statement whose use threw is closed and the next use prepares a new one`() {
        config.dataSource().use { pool ->
            val (kept, _) = borrow(pool) { plusOne(it, 0) }
            val failure = assertFailsWith<IllegalStateException> {
                borrow(pool) { c -> ReusedStatements.use(c, sql) { s -> assertSame(kept, s); error("the caller failed") } }
            }
            assertEquals("the caller failed", failure.message)
            assertTrue(kept.isClosed, "a statement whose use threw should be closed, not kept")
            val (fresh, three) = borrow(pool) { plusOne(it, 2) }
            assertNotSame(kept, fresh)
            assertEquals(3, three)
        }
    }

    @Test
    fun `the same text in use twice at once runs on two statements and one is kept`() {
        config.dataSource().use { pool ->
            val (outer, inner, sum) = borrow(pool) { c ->
                ReusedStatements.use(c, sql) { s ->
                    s.setLong(1, 10)
                    s.executeQuery().use { rs ->
                        rs.next()
                        val (innerStatement, inner) = plusOne(c, 20)
                        Triple(s, innerStatement, rs.getLong(1) + inner)
                    }
                }
            }
            assertEquals(11 + 21, sum)
            assertNotSame(outer, inner, "an open statement must not be handed out twice")
            val (next, _) = borrow(pool) { plusOne(it, 0) }
            assertSame(outer, next, "the statement given back last should be the one kept")
            assertTrue(inner.isClosed, "the statement it replaced should be closed")
        }
    }

    @Test
    fun `a connection the pool has closed is forgotten when a new one comes`() {
        val physical = config.dataSource().use { pool -> borrow(pool) { c -> plusOne(c, 0); c.unwrap(Connection::class.java) } }
        assertTrue(physical.isClosed, "closing the pool should have closed its connection")
        assertTrue(ReusedStatements.keeps(physical))
        config.dataSource().use { pool -> borrow(pool) { c -> plusOne(c, 0) } }
        assertFalse(ReusedStatements.keeps(physical), "a closed connection's statements should be dropped")
    }
}
