package io.kadence.internal.store

import org.h2.jdbc.JdbcConnection
import org.h2.mvstore.tx.Transaction
import org.h2.mvstore.tx.TransactionStore
import org.slf4j.LoggerFactory
import javax.sql.DataSource

/**
 * Finishes what H2 2.5 leaves half done after a crash in the middle of a commit.
 *
 * H2's MVStore marks a transaction committed in its undo log first and only then applies the commit
 * to the rows it changed. A process killed in between (with another thread writing the store at that
 * moment, so the marker is on disk) leaves a transaction that reopening finds marked committed. H2
 * 2.5.252 registers it as open with status COMMITTED, and its end-of-recovery pass calls
 * `Transaction.commit()` on it, which does nothing for a transaction that is no longer active. The
 * transaction stays open for as long as the database is, and comes back on the next open:
 *  - the rows it changed read as they were before it, so a commit that was acknowledged is not seen
 *    (the kill test saw a completed workflow come back open);
 *  - locking one of those rows spins forever at full CPU in `TransactionMap.lock`, because the row
 *    is held by a transaction that never ends and the lock timeout is never reached.
 *
 * So, right after the database is opened and before anything else uses it, every open transaction
 * with status COMMITTED is committed the way H2's own recovery path commits it (as recovery) and
 * then closed. That needs two of H2's package-private methods; if a later H2 changes them, this logs
 * a warning and leaves the store as H2 opened it.
 */
internal object H2Recovery {
    private val log = LoggerFactory.getLogger(H2Recovery::class.java)

    /** `Transaction.STATUS_COMMITTED` in H2's MVStore. */
    private const val STATUS_COMMITTED = 3

    /** Commits and closes the transactions H2 recovered as committed but left open; returns how many. */
    fun finishCommittedLeftovers(dataSource: DataSource): Int = dataSource.connection.use { connection ->
        val session = connection.unwrap(JdbcConnection::class.java).session as? org.h2.engine.SessionLocal ?: return 0
        val transactions = session.database.store?.transactionStore ?: return 0
        val leftovers = transactions.openTransactions.filter { it.status == STATUS_COMMITTED }
        if (leftovers.isEmpty()) return 0
        try {
            val commit = TransactionStore::class.java.getDeclaredMethod("commit", Transaction::class.java, Boolean::class.javaPrimitiveType)
                .apply { isAccessible = true }
            val close = Transaction::class.java.getDeclaredMethod("close", Boolean::class.javaPrimitiveType, Throwable::class.java)
                .apply { isAccessible = true }
            for (t in leftovers) {
                commit.invoke(transactions, t, true)
                close.invoke(t, true, null)
                log.warn("H2 left transaction {} committed but unfinished after a crash; it was finished now (H2 2.5 recovery bug)", t.id)
            }
            // Persists the finished commits, so a crash right after this does not bring the leftovers back.
            session.database.store.mvStore.commit()
        } catch (e: ReflectiveOperationException) {
            log.warn(
                "H2 left {} transaction(s) committed but unfinished after a crash, and this H2 version's internals differ from " +
                    "what Kadence expects, so they were left as they are: rows they changed may read as before them, and locking " +
                    "such a row may hang. Report this with the H2 version",
                leftovers.size, e,
            )
            return 0
        }
        leftovers.size
    }
}
