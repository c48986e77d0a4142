package io.kadence.internal.store

import io.kadence.internal.spi.StoreListener
import org.postgresql.PGConnection
import org.slf4j.LoggerFactory
import java.sql.Connection
import java.sql.DriverManager

/**
 * Carries the store's wake-up hints between processes through PostgreSQL `LISTEN/NOTIFY`.
 * Writers send hints inside their transaction (so they are delivered only if it commits); this
 * listener turns them back into [StoreListener] calls. Hints are only hints: when the connection
 * is down, pollers fall back to polling until it is back.
 */
internal class PgNotifications(
    private val config: StoreConfig,
    private val listener: () -> StoreListener,
) : AutoCloseable {
    private val log = LoggerFactory.getLogger(PgNotifications::class.java)
    @Volatile private var running = true
    @Volatile private var connection: Connection? = null
    private val thread = Thread(::run, "kadence-pg-listen").apply { isDaemon = true; start() }

    private fun run() {
        var backoff = 100L
        while (running) {
            try {
                DriverManager.getConnection(config.jdbcUrl, config.user, config.password).use { c ->
                    connection = c
                    c.createStatement().use { it.execute("LISTEN $CHANNEL") }
                    backoff = 100
                    val pg = c.unwrap(PGConnection::class.java)
                    while (running) {
                        val notes = pg.getNotifications(500) ?: continue
                        for (n in notes) dispatch(n.parameter)
                    }
                }
            } catch (e: Exception) {
                if (!running) return
                log.debug("LISTEN connection lost ({}); reconnecting in {} ms", e.message, backoff)
                Thread.sleep(backoff)
                backoff = (backoff * 2).coerceAtMost(5_000)
            }
        }
    }

    private fun dispatch(payload: String) {
        val parts = payload.split('\u0001')
        val l = listener()
        when (parts[0]) {
            "w" -> l.workflowTaskReady(parts[1], parts[2])
            "a" -> l.activityTaskReady(parts[1], parts[2])
            "t" -> l.timerScheduled(parts[1].toLong())
            "c" -> l.runClosed(parts[1])
            "s" -> l.sessionCapacityFreed(parts[1], parts[2])
        }
    }

    override fun close() {
        running = false
        try { connection?.close() } catch (_: Exception) {}
        thread.join(2_000)
    }

    companion object {
        const val CHANNEL = "kadence_hints"

        fun workflowHint(namespace: String, queue: String) = "w\u0001$namespace\u0001$queue"
        fun activityHint(namespace: String, queue: String) = "a\u0001$namespace\u0001$queue"
        fun timerHint(at: Long) = "t\u0001$at"
        fun closedHint(runId: String) = "c\u0001$runId"
        fun capacityHint(namespace: String, queue: String) = "s\u0001$namespace\u0001$queue"
    }
}
