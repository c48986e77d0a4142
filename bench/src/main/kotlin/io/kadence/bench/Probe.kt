package io.kadence.bench

import java.lang.management.ManagementFactory
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger

/**
 * A profiling loop, not a benchmark: Kadence alone, in this JVM, so a profiler (JFR) sees one
 * workload with nothing around it. Prints wall time, rates, latency and the process's CPU time per
 * step, which is what a change to the engine should move.
 *
 *     java -cp <bench classpath> io.kadence.bench.ProbeKt steps  h2|pg <workflows> <callers> <steps>
 *     java -cp <bench classpath> io.kadence.bench.ProbeKt timers h2|pg <workflows> <callers>
 *
 * `steps` runs a quarter of the workflows as a warm-up, then all of them, each with [KSteps]'s
 * sequential no-op activities. `timers` starts one-second sleepers from all callers at once and
 * prints their lateness and, on H2, the histories of the two latest. `-Dprobe.sql="SET …"` runs
 * statements (`;`-separated) on the database first, to try a database setting without a rebuild.
 */
fun main(args: Array<String>) {
    val usage = "usage: ProbeKt steps h2|pg <workflows> <callers> <steps> | ProbeKt timers h2|pg <workflows> <callers>"
    require(args.size >= 4 && args[0] in setOf("steps", "timers") && args[1] in setOf("h2", "pg")) { usage }
    val n = args[2].toInt()
    val callers = args[3].toInt()
    val opts = Options(emptyList())
    val sys = if (args[1] == "h2") KadenceSystem.h2(opts) else KadenceSystem.postgres(opts)
    try {
        // -Dprobe.sql="SET …; SET …" tries database settings without rebuilding the engine.
        System.getProperty("probe.sql")?.split(';')?.filter { it.isNotBlank() }?.forEach { sql ->
            sys.withJdbc { conn -> conn.createStatement().use { it.execute(sql) } }
        }
        if (args[0] == "timers") probeTimers(sys, n, callers) else probeSteps(sys, n, callers, args.getOrElse(4) { "10" }.toInt())
    } finally {
        sys.close()
    }
    System.exit(0)
}

private val os = ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean

private fun probeSteps(sys: KadenceSystem, n: Int, callers: Int, steps: Int) {
    for ((round, count) in listOf("warm-up" to n / 4, "measured" to n)) {
        val left = AtomicInteger(count)
        val pool = Executors.newFixedThreadPool(callers)
        val latencies = ConcurrentLinkedQueue<Long>()
        val cpu0 = os.processCpuTime
        val t0 = System.nanoTime()
        (0 until callers).map {
            pool.submit {
                while (left.getAndDecrement() > 0) {
                    val s = System.nanoTime()
                    sys.runSteps(steps)
                    latencies += System.nanoTime() - s
                }
            }
        }.forEach { it.get() }
        val wall = (System.nanoTime() - t0) / 1e9
        val cpuMicros = (os.processCpuTime - cpu0) / 1e3
        pool.shutdown()
        val sorted = latencies.sorted()
        println("$round: $count workflows of $steps steps, $callers callers: %.2f s, %.1f wf/s, %.0f steps/s, %.0f µs CPU per step, p50 %.2f ms, p99 %.2f ms".format(
            wall, count / wall, count * steps / wall, cpuMicros / (count * steps), sorted[sorted.size / 2] / 1e6, sorted[sorted.size * 99 / 100] / 1e6))
    }
}

private fun probeTimers(sys: KadenceSystem, n: Int, callers: Int) {
    val pool = Executors.newFixedThreadPool(callers)
    val cpu0 = os.processCpuTime
    val t0 = System.nanoTime()
    val handles = (0 until n).map { pool.submit<Pending> { sys.startSleeper(1) } }.map { it.get() }
    val started = (System.nanoTime() - t0) / 1e9
    val inStartOrder = handles.map { h -> pool.submit<Long> { h.await() } }.map { it.get() }
    val all = (System.nanoTime() - t0) / 1e9
    pool.shutdown()
    val late = inStartOrder.sorted()
    // The later half, started once the JIT has settled: the first sleepers fire while it still compiles.
    val later = inStartOrder.subList(n / 2, n).sorted()
    println("$n one-second sleepers, $callers callers: started in %.2f s, all done after %.2f s, lateness p50 %d ms, p99 %d ms, max %d ms, later half p99 %d ms, %.1f s CPU".format(
        started, all, late[n / 2], late[n * 99 / 100], late.last(), later[later.size * 99 / 100], (os.processCpuTime - cpu0) / 1e9))
    sys.withJdbc { conn ->
        val latest = conn.createStatement().executeQuery(
            "SELECT run_id FROM workflow_executions ORDER BY CAST(result_payload AS BIGINT) DESC LIMIT 2",
        ).use { rs -> buildList { while (rs.next()) add(rs.getString(1)) } }
        for (id in latest) {
            println("run $id:")
            conn.prepareStatement("SELECT event_id, event_type, event_time FROM history_events WHERE run_id = ? ORDER BY event_id").use { s ->
                s.setString(1, id)
                s.executeQuery().use { e ->
                    var first = -1L
                    while (e.next()) {
                        if (first < 0) first = e.getLong(3)
                        println("  ${e.getLong(1)} ${e.getString(2)} +${e.getLong(3) - first} ms")
                    }
                }
            }
        }
    }
}
