package io.kadence.internal.store

import java.sql.Connection
import java.sql.PreparedStatement
import java.util.concurrent.ConcurrentHashMap

/**
 * Keeps [HotSql]'s statements prepared on each physical connection and runs them again, instead of
 * preparing them anew for every use.
 *
 * H2 parses and plans each `prepareStatement` unless the statement is in its per-session cache, and
 * two kinds never go there: `SELECT … FOR UPDATE` (the run-row lock every transition takes) and
 * `UNION`. Parsing those two was a tenth of all CPU under load on H2. A prepared statement that is
 * executed again skips the parse on both databases.
 *
 * The statements are prepared on the physical connection (unwrapped from the pool's proxy), so the
 * pool does not close them when a connection goes back to it; they live as long as that connection.
 * A physical connection is used by one thread at a time (the one that borrowed it), so each
 * connection's statements need no lock. A statement whose use threw is closed, not kept: nothing is
 * assumed about the state a failed execution left it in. When the same text is in use twice at once on
 * one connection (a statement run while another with the same text is open), the second gets a
 * statement of its own, closed after use.
 */
internal object ReusedStatements {
    private val byConnection = ConcurrentHashMap<Connection, HashMap<String, PreparedStatement>>()

    /**
     * Runs [block] with [sql] prepared on [c]'s physical connection; [generatedKey] names the column
     * whose generated value the statement returns, if any. [block] must bind every parameter and may
     * not close the statement.
     */
    inline fun <T> use(c: Connection, sql: String, generatedKey: String? = null, block: (PreparedStatement) -> T): T {
        val physical = c.unwrap(Connection::class.java)
        val free = statementsOf(physical)
        val s = free.remove(sql) ?: prepare(physical, sql, generatedKey)
        val result = try {
            block(s)
        } catch (e: Throwable) {
            runCatching { s.close() }
            throw e
        }
        val other = free.put(sql, s)
        other?.close()
        return result
    }

    fun statementsOf(physical: Connection): HashMap<String, PreparedStatement> =
        byConnection[physical] ?: HashMap<String, PreparedStatement>().also {
            // A new connection: forget the ones the pool has closed since (their statements closed with them).
            byConnection.keys.removeIf { known -> known.isClosed }
            byConnection[physical] = it
        }

    fun prepare(physical: Connection, sql: String, generatedKey: String?): PreparedStatement =
        if (generatedKey == null) physical.prepareStatement(sql) else physical.prepareStatement(sql, arrayOf(generatedKey))

    /** Whether statements are kept for [physical] (for tests). */
    fun keeps(physical: Connection): Boolean = byConnection.containsKey(physical)
}
