package io.kadence.test

import io.kadence.Kadence
import io.kadence.internal.store.StoreConfig
import io.kadence.testing.TestKadence
import java.util.UUID

/**
 * One database of this run's store (a fresh H2 memory database or PostgreSQL schema) that several
 * test instances open, e.g. one per namespace. Each instance is registered with
 * [HistoryCheckExtension], so its histories are checked after the test like those of [TestStores.open].
 */
class SharedStore private constructor(val url: String, val user: String) {
    /** A test instance (virtual clock) on this database in [namespace]. */
    fun open(namespace: String, configure: Kadence.Options.() -> Unit = {}): Kadence =
        TestKadence.create(url, user, "") { this.namespace = namespace; configure() }
            .also { HistoryCheckExtension.opened(url, user, it) }

    companion object {
        /** A new, empty database on the store this pass runs on. */
        fun create(): SharedStore =
            if (TestStores.isPostgres) SharedStore(TestStores.newPgSchema(), TestStores.pgUser)
            else SharedStore(StoreConfig.h2Memory("shared-" + UUID.randomUUID()).jdbcUrl, "sa")
    }
}
