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

    private val overrides = java.util.concurrent.ConcurrentHashMap<String, NamespaceLimits>()

    /** Registers [limits] as [namespace]'s own values (the runtime does, from the namespace's stored settings). */
    @io.kadence.internal.InternalKadenceApi
    public fun setNamespaceLimits(namespace: String, limits: NamespaceLimits) {
        overrides[namespace] = limits
    }

    /** The limits that apply in [namespace]: its own where it sets them, these values elsewhere. */
    public fun of(namespace: String): EffectiveLimits {
        val o = overrides[namespace]
        return EffectiveLimits(
            maxHistoryEvents = o?.maxHistoryEvents ?: maxHistoryEvents,
            maxHistoryBytes = o?.maxHistoryBytes ?: maxHistoryBytes,
            maxPendingActivities = o?.maxPendingActivities ?: maxPendingActivities,
            maxPendingChildren = o?.maxPendingChildren ?: maxPendingChildren,
            maxPendingSignals = o?.maxPendingSignals ?: maxPendingSignals,
        )
    }
}

/**
 * A namespace's own limits (`Kadence.Options.limits`), stored with the namespace so every process
 * of it applies them; null values fall back to [KadenceLimits].
 */
@kotlinx.serialization.Serializable
public data class NamespaceLimits(
    val maxHistoryEvents: Int? = null,
    val maxHistoryBytes: Long? = null,
    val maxPendingActivities: Int? = null,
    val maxPendingChildren: Int? = null,
    val maxPendingSignals: Int? = null,
)

/** The limits in force for one namespace. */
public data class EffectiveLimits(
    val maxHistoryEvents: Int,
    val maxHistoryBytes: Long,
    val maxPendingActivities: Int,
    val maxPendingChildren: Int,
    val maxPendingSignals: Int,
)
