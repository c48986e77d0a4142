package io.kadence.test.process

import io.kadence.Kadence
import io.kadence.client.signal
import io.kadence.internal.store.StoreConfig
import io.kadence.test.TestStores
import io.kadence.testing.ChildJvm
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assumptions.assumeFalse
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.sql.DriverManager
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.seconds

/**
 * H2 2.5 reopens a database whose process was killed in the middle of a commit with that commit
 * marked done but not applied, and never finishes it: the rows it changed read as before it, and
 * locking one of them spins forever (the kill test met both). Kadence finishes such commits when it
 * opens the store. The child leaves exactly that state (see [HalfCommitMain]) and is killed with
 * `kill -9`; reopened, the commit's changes are there and its rows can be locked again.
 */
@Tag("process")
class H2HalfCommitTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `a commit that H2 left half done at kill -9 is finished when Kadence opens the store`() {
        assumeFalse(TestStores.isPostgres, "an H2 file store's recovery; PostgreSQL has its own")
        val data = dir.resolve("data")
        val runId = ChildJvm.start("HalfCommit", "io.kadence.test.process.HalfCommitMainKt", listOf(data.toString()), dir).use { child ->
            child.awaitLine(60.seconds, "HALF COMMITTED") { it.startsWith("HALF COMMITTED ") }
            assertEquals(137, child.kill9(), "exit code of the child: killed by SIGKILL")
            child.output().single { it.startsWith("HALF COMMITTED ") }.removePrefix("HALF COMMITTED ")
        }

        Kadence.embedded(data).use { kadence ->
            DriverManager.getConnection(StoreConfig.h2File(data).jdbcUrl, "sa", "").use { c ->
                c.createStatement().executeQuery("SELECT v FROM app_rows WHERE id = 1").use { rs ->
                    rs.next()
                    assertEquals(1, rs.getInt(1), "the half-done commit's change to an application row is visible")
                }
            }
            // A signal locks the run's row: before the fix it spun forever, so it runs on a thread with a deadline.
            val pool = Executors.newSingleThreadExecutor { r -> Thread(r, "signal-after-half-commit").apply { isDaemon = true } }
            try {
                val signal = pool.submit { runBlocking { kadence.client.handle(Parked, "half-1").signal("poke", "x") } }
                signal.get(30, TimeUnit.SECONDS)
            } finally {
                pool.shutdown()
            }
            val d = runBlocking { kadence.client.handle(Parked, "half-1").describe() }
            assertEquals(runId, d.runId)
        }
    }
}
