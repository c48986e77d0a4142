package io.kadence

/**
 * The limits that keep one run from growing without bound, in one place. The defaults follow
 * Temporal's; tests (and unusual deployments) may lower or raise them before starting Kadence.
 */
public object KadenceLimits {
    /** A run whose history would pass this many events is terminated; continue-as-new well before. */
    @Volatile public var maxHistoryEvents: Int = 51_200

    /**
     * A run whose stored history (UTF-8 bytes of its events) would pass this size is terminated, as
     * Temporal does at 50 MiB; keep large payloads out of history and continue-as-new well before.
     */
    @Volatile public var maxHistoryBytes: Long = 50L * 1024 * 1024

    /** Past this many events a warning suggests continue-as-new (logged once per run and worker). */
    @Volatile public var historyWarningEvents: Int = 10_240

    /** Activities a run may have scheduled and not yet closed. */
    @Volatile public var maxPendingActivities: Int = 2_000

    /** Child workflows a run may have started and not yet seen close. */
    @Volatile public var maxPendingChildren: Int = 2_000

    /** Signals that may wait in a run's inbox before sending more fails. */
    @Volatile public var maxPendingSignals: Int = 2_000
}
