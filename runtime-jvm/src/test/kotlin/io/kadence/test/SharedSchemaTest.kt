package io.kadence.test

import io.kadence.internal.store.StoreConfig
import io.kadence.testing.TestKadence
import kotlinx.coroutines.runBlocking
import java.sql.DriverManager
import java.util.UUID
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.seconds

/** Kadence in the application's own schema, beside its tables. */
class SharedSchemaTest {
    @Test
    fun `Kadence migrates a schema that already holds the application's tables and leaves them alone`() = runBlocking {
        val url = if (TestStores.isPostgres) TestStores.newPgSchema() else StoreConfig.h2Memory("shared-" + UUID.randomUUID()).jdbcUrl
        val user = if (TestStores.isPostgres) TestStores.pgUser else "sa"
        val app = DriverManager.getConnection(url, user, "")
        app.use { c ->
            c.createStatement().execute("CREATE TABLE orders (id VARCHAR(20) PRIMARY KEY, total INT)")
            c.createStatement().execute("INSERT INTO orders VALUES ('o-1', 42)")
            TestKadence.create(url, user, "").also { HistoryCheckExtension.opened(url, user, it) }.use { kadence ->
                kadence.worker("shared", TestStores.workerOptions()) { register(Immediate) }.start()
                assertEquals("hi", kadence.client.start(Immediate, "hi") { taskQueue = "shared" }.result(30.seconds))
            }
            c.createStatement().executeQuery("SELECT id, total FROM orders").use { rs ->
                rs.next()
                assertEquals("o-1" to 42, rs.getString(1) to rs.getInt(2))
            }
        }
    }
}
