package io.kadence.internal.runtime

import java.util.concurrent.atomic.AtomicLong

/** The engine's clock: timers, visibility and `now()` of workflows. Leases use the database's clock instead. */
internal interface EngineClock {
    fun now(): Long
    val isVirtual: Boolean get() = false
}

internal object SystemEngineClock : EngineClock {
    override fun now(): Long = System.currentTimeMillis()
}

/** A clock that moves only when told: the test kit jumps it to the next timer when every run waits. */
internal class VirtualClock(start: Long) : EngineClock {
    private val time = AtomicLong(start)
    override fun now(): Long = time.get()
    override val isVirtual: Boolean get() = true

    /** While true, the test kit does not jump time forward by itself (explicit advances still work). */
    @Volatile var held: Boolean = false
    fun advanceTo(t: Long) { time.accumulateAndGet(t) { cur, target -> maxOf(cur, target) } }
    fun advanceBy(ms: Long) { time.addAndGet(ms) }
}
