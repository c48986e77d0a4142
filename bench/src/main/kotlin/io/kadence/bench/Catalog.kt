package io.kadence.bench

/** One figure a workload reports: `RESULT<TAB>system<TAB>workload<TAB>name<TAB>value<TAB>unit`. */
data class Metric(val name: String, val unit: String)

/** The workloads of issue 7, the figures each one reports, and which systems it applies to. */
enum class Workload(val id: String, val metrics: List<Metric>, val kadenceOnly: Boolean = false) {
    WF_1_STEP("wf-1-step", listOf(Metric("p50", "ms"), Metric("p99", "ms"), Metric("wf/s", "wf/s"))),
    WF_10_STEPS("wf-10-steps", listOf(Metric("p50", "ms"), Metric("p99", "ms"), Metric("wf/s", "wf/s"), Metric("steps/s", "steps/s"))),
    FAN_OUT_1000("fan-out-1000", listOf(Metric("seconds", "s"))),
    TIMERS_10K("timers-10k", listOf(Metric("all-done", "s"), Metric("lateness-p99", "ms"), Metric("peak-rss", "MiB"))),
    SLEEPERS_100K("sleepers-100k", listOf(Metric("peak-rss", "MiB"), Metric("starts/s", "starts/s")), kadenceOnly = true),
    REPLAY_10K_EVENTS("replay-10k-events", listOf(Metric("events/s", "events/s"))),
    SESSIONS_3_HOSTS("sessions-3-hosts", listOf(Metric("wf/s", "wf/s")), kadenceOnly = true),
    ;

    fun appliesTo(system: String): Boolean = !kadenceOnly || system.startsWith("kadence-")

    companion object {
        fun byId(id: String): Workload = entries.firstOrNull { it.id == id }
            ?: throw IllegalArgumentException("unknown workload '$id'; known: ${entries.joinToString { it.id }}")
    }
}

val SYSTEMS = listOf("kadence-h2", "kadence-pg", "temporal", "dbos")

/**
 * Sizes at `--scale 1` (what issue 7 asks for); smaller scales shrink every count, for smoke runs.
 * Latency always measures at least [latencySamples] after warm-up at scale 1 (issue: >= 400).
 */
class Sizes(val scale: Double, val warmupSeconds: Double = 5.0) {
    private fun n(full: Int, min: Int = 1) = Math.max(min, Math.round(full * scale).toInt())

    val latencyWarmup = n(200, 5)
    val latencySamples = n(500, 10)
    val callers = 32
    val throughput1Step = n(4_000, 64)
    val throughput10Steps = n(1_000, 32)
    val fanOut = n(1_000, 4)
    val timers = n(10_000, 10)
    val sleepers = n(100_000, 10)
    val replayEvents = n(10_000, 50)
    val sessions = n(1_000, 3)
}
