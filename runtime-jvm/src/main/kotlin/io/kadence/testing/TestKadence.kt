package io.kadence.testing

import io.kadence.Kadence
import io.kadence.internal.runtime.VirtualClock
import io.kadence.internal.store.StoreConfig
import java.time.Instant
import java.util.UUID
import kotlin.time.Duration

/**
 * Kadence for tests: the real engine on a private in-memory H2 database (or the database at
 * [jdbcUrl]) with a virtual clock. When every run is waiting on a timer and no worker is busy,
 * time jumps to the next timer, so a workflow that sleeps a month finishes in milliseconds.
 */
public object TestKadence {
    /** Opens a test instance; [start] is the virtual clock's initial time. */
    @JvmStatic
    @JvmOverloads
    public fun create(
        jdbcUrl: String? = null,
        user: String? = null,
        password: String? = null,
        start: Instant = Instant.parse("2026-01-01T00:00:00Z"),
        configure: Kadence.Options.() -> Unit = {},
    ): Kadence {
        val o = Kadence.Options().apply(configure)
        val config = jdbcUrl?.let { StoreConfig(it, user, password, o.poolSize) } ?: StoreConfig.h2Memory("kadence-test-" + UUID.randomUUID())
        return Kadence.open(config, o, VirtualClock(start.toEpochMilli()))
    }

    /** The instance's current time (virtual in test instances). */
    @JvmStatic
    public fun now(kadence: Kadence): Instant = Instant.ofEpochMilli(kadence.engine.clock.now())

    /**
     * Stops the virtual clock from jumping ahead by itself, so a test can look at (or act on) a run
     * that waits on a timer before the timer fires. [advance] still moves it; [releaseTime] undoes this.
     */
    @JvmStatic
    public fun holdTime(kadence: Kadence) {
        virtualClock(kadence).held = true
    }

    /** Lets the virtual clock jump to the next timer again when everything waits. */
    @JvmStatic
    public fun releaseTime(kadence: Kadence) {
        virtualClock(kadence).held = false
        kadence.engine.timerWake.signal()
    }

    private fun virtualClock(kadence: Kadence): VirtualClock =
        kadence.engine.clock as? VirtualClock ?: throw IllegalStateException("not a test instance: its clock is real")

    /**
     * Moves a test instance's virtual clock forward by [by]. The session hosts of running workers
     * heartbeat at the new time first, as they would have while it passed; a host whose worker was
     * closed does not, so moving past its sessions' heartbeat timeout makes it dead.
     */
    @JvmStatic
    public fun advance(kadence: Kadence, by: Duration) {
        val clock = virtualClock(kadence)
        kadence.engine.sessionHosts.beforeTimeMoves(clock.now() + by.inWholeMilliseconds)
        clock.advanceBy(by.inWholeMilliseconds)
        kadence.engine.timerWake.signal()
        kadence.engine.wakeAllPollers()
    }
}
