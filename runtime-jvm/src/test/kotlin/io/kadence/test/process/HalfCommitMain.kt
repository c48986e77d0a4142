package io.kadence.test.process

import io.kadence.Kadence
import io.kadence.internal.store.StoreConfig
import kotlinx.coroutines.runBlocking
import org.h2.engine.SessionLocal
import org.h2.jdbc.JdbcConnection
import org.h2.mvstore.tx.TransactionStore
import java.nio.file.Path
import java.sql.DriverManager

/**
 * Child process of [H2HalfCommitTest]: leaves the H2 file in the state a crash in the middle of a
 * commit leaves it in, on purpose rather than by luck. It starts workflow `half-1` (no worker), then
 * on a plain connection changes the run's row and the row of an application table `app_rows`, and
 * takes the first step of H2's commit by hand: the undo log is marked committed and the store is
 * written, but the commit is not applied to the rows. Then it prints `HALF COMMITTED` and waits to
 * be killed with `kill -9`.
 *
 *     HalfCommitMain <dataDir>
 */
fun main(args: Array<String>) = runBlocking {
    val dir = Path.of(args[0])
    val kadence = Kadence.embedded(dir)
    val runId = kadence.client.start(Parked, "x") { id = "half-1"; taskQueue = "nobody-polls" }.runId
    val c = DriverManager.getConnection(StoreConfig.h2File(dir).jdbcUrl, "sa", "")
    c.createStatement().execute("CREATE TABLE app_rows (id INT PRIMARY KEY, v INT NOT NULL)")
    c.createStatement().execute("INSERT INTO app_rows VALUES (1, 0)")
    c.autoCommit = false
    c.createStatement().executeUpdate("UPDATE app_rows SET v = 1 WHERE id = 1")
    c.prepareStatement("UPDATE workflow_executions SET next_event_id = next_event_id WHERE run_id = ?").use {
        it.setString(1, runId)
        check(it.executeUpdate() == 1)
    }
    val session = c.unwrap(JdbcConnection::class.java).session as SessionLocal
    val store = session.database.store
    val transactions: TransactionStore = store.transactionStore
    val txId = session.transaction.id
    // What TransactionStore.commit does first: the committing bit, then the committed marker in the undo log.
    val bits = TransactionStore::class.java.getDeclaredMethod("flipCommittingTransactionsBit", Int::class.javaPrimitiveType, Boolean::class.javaPrimitiveType)
        .apply { isAccessible = true }.invoke(transactions, txId, true)
    val version = bits.javaClass.getDeclaredMethod("getVersion").apply { isAccessible = true }.invoke(bits) as Long
    TransactionStore::class.java.getDeclaredMethod("markUndoLogAsCommitted", Int::class.javaPrimitiveType, Long::class.javaPrimitiveType)
        .apply { isAccessible = true }.invoke(transactions, txId, version)
    // Another thread's commit would write the store now, with the marker and the uncommitted rows in it.
    store.mvStore.commit()
    println("HALF COMMITTED $runId")
    System.out.flush()
    Thread.sleep(Long.MAX_VALUE)
}
