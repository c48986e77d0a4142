package io.kadence.samples.order

import io.kadence.activity.ActivityContext
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardOpenOption

/** The outside world of an order: plain interface, suspend or blocking methods. */
interface OrderActivities {
    suspend fun reserve(order: Order): String
    fun charge(order: Order): String          // blocking: called with activity(OrderActivities::charge, …)
    suspend fun ship(order: Order): String
}

/**
 * Pretend implementations that append what they do to a journal file (one line per attempt),
 * so a run that was killed and restarted can be checked: which steps ran, and how often.
 */
class JournalingOrderActivities(private val journal: Path, private val chargeMillis: Long) : OrderActivities {
    private fun record(line: String) {
        Files.writeString(journal, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC)
        println(line)
    }

    override suspend fun reserve(order: Order): String {
        val info = ActivityContext.current().info
        record("activity reserve attempt=${info.attempt} key=${info.idempotencyKey}")
        return "reserved ${order.quantity} x ${order.item}"
    }

    override fun charge(order: Order): String {
        val ctx = ActivityContext.current()
        record("activity charge attempt=${ctx.info.attempt} key=${ctx.info.idempotencyKey}")
        // A slow payment call that reports progress, so a dead worker is noticed within the heartbeat timeout.
        val steps = (chargeMillis / 100).coerceAtLeast(1)
        for (i in 1..steps) {
            Thread.sleep(100)
            ctx.heartbeat(i)
        }
        return "charged ${order.cents / 100}.${(order.cents % 100).toString().padStart(2, '0')} EUR"
    }

    override suspend fun ship(order: Order): String {
        val info = ActivityContext.current().info
        record("activity ship attempt=${info.attempt} key=${info.idempotencyKey}")
        return "shipped to warehouse queue"
    }
}
