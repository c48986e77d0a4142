package io.kadence.bench

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.ArrayBlockingQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.math.ceil

/** Prints one figure in the exact form. */
fun result(system: String, workload: Workload, metric: String, value: String) {
    val unit = workload.metrics.first { it.name == metric }.unit
    println("RESULT\t$system\t${workload.id}\t$metric\t$value\t$unit")
    System.out.flush()
}

fun progress(msg: String) {
    println("# $msg")
    System.out.flush()
}

fun fmt(v: Double): String = when {
    v >= 100 -> String.format("%.0f", v)
    v >= 10 -> String.format("%.1f", v)
    else -> String.format("%.2f", v)
}

/** Nearest-rank percentile of [sorted] values. */
fun percentile(sorted: DoubleArray, p: Double): Double {
    if (sorted.isEmpty()) return Double.NaN
    val rank = ceil(p / 100.0 * sorted.size).toInt().coerceIn(1, sorted.size)
    return sorted[rank - 1]
}

/** Peak resident set size of this JVM so far (VmHWM), in MiB. */
fun peakRssMiB(): Double {
    val line = Files.readAllLines(Path.of("/proc/self/status")).first { it.startsWith("VmHWM:") }
    val kb = line.removePrefix("VmHWM:").trim().removeSuffix("kB").trim().toLong()
    return kb / 1024.0
}

/** Runs one workload on one (already open) system and prints its RESULT lines. */
class WorkloadRunner(private val sys: BenchSystem, private val sizes: Sizes) {
    private val name get() = sys.name

    fun run(w: Workload) = when (w) {
        Workload.WF_1_STEP -> stepsWorkload(w, 1, sizes.throughput1Step)
        Workload.WF_10_STEPS -> stepsWorkload(w, 10, sizes.throughput10Steps)
        Workload.FAN_OUT_1000 -> fanOut(w)
        Workload.TIMERS_10K -> timers(w)
        Workload.SLEEPERS_100K -> sleepers(w)
        Workload.REPLAY_10K_EVENTS -> replay(w)
        Workload.SESSIONS_3_HOSTS -> sessions(w)
    }

    private fun check(steps: Int, got: Long) {
        val want = steps.toLong() * (steps - 1) / 2
        check(got == want) { "workflow of $steps steps returned $got, expected $want" }
    }

    /** Latency one at a time, then throughput with 32 callers in a closed loop. */
    private fun stepsWorkload(w: Workload, steps: Int, throughputCount: Int) {
        progress("$name ${w.id}: latency warm-up ${sizes.latencyWarmup} runs and ${sizes.warmupSeconds} s, samples ${sizes.latencySamples}")
        val warmUntil = System.nanoTime() + (sizes.warmupSeconds * 1e9).toLong()
        var warmed = 0
        while (warmed < sizes.latencyWarmup || System.nanoTime() < warmUntil) {
            check(steps, sys.runSteps(steps))
            warmed++
        }
        val lat = DoubleArray(sizes.latencySamples)
        for (i in lat.indices) {
            val t0 = System.nanoTime()
            val r = sys.runSteps(steps)
            lat[i] = (System.nanoTime() - t0) / 1e6
            check(steps, r)
        }
        lat.sort()
        result(name, w, "p50", fmt(percentile(lat, 50.0)))
        result(name, w, "p99", fmt(percentile(lat, 99.0)))

        val warm = Math.max(sizes.callers, throughputCount / 4)
        progress("$name ${w.id}: throughput, ${sizes.callers} callers, warm-up $warm and ${sizes.warmupSeconds} s, measured $throughputCount")
        closedLoop(warm, sizes.warmupSeconds) { check(steps, sys.runSteps(steps)) }
        val seconds = closedLoop(throughputCount) { check(steps, sys.runSteps(steps)) }
        val wfs = throughputCount / seconds
        result(name, w, "wf/s", fmt(wfs))
        if (w.metrics.any { it.name == "steps/s" }) result(name, w, "steps/s", fmt(wfs * steps))
    }

    /** [Sizes.sessions] workflows, each a session of 3 activities, by 32 callers in a closed loop. */
    private fun sessions(w: Workload) {
        val n = sizes.sessions
        val warm = Math.max(sizes.callers, n / 4)
        progress("$name ${w.id}: $n session workflows of 3 activities over 3 hosts of 8, ${sizes.callers} callers, warm-up $warm")
        closedLoop(warm, sizes.warmupSeconds) { check(3, sys.runSession(3)) }
        val seconds = closedLoop(n) { check(3, sys.runSession(3)) }
        result(name, w, "wf/s", fmt(n / seconds))
    }

    /**
     * [total] calls of [op] (and more until [minSeconds] have passed, for warm-ups) from [Sizes.callers]
     * threads, each starting its next call when the last returns; seconds taken.
     */
    private fun closedLoop(total: Int, minSeconds: Double = 0.0, op: () -> Unit): Double {
        val until = System.nanoTime() + (minSeconds * 1e9).toLong()
        val next = AtomicInteger()
        val failure = AtomicReference<Throwable>()
        val start = CountDownLatch(1)
        val threads = (1..sizes.callers).map { i ->
            Thread({
                start.await()
                try {
                    while (failure.get() == null && (next.getAndIncrement() < total || System.nanoTime() < until)) op()
                } catch (t: Throwable) {
                    failure.compareAndSet(null, t)
                }
            }, "bench-caller-$i").apply { isDaemon = true; start() }
        }
        val t0 = System.nanoTime()
        start.countDown()
        threads.forEach { it.join() }
        val seconds = (System.nanoTime() - t0) / 1e9
        failure.get()?.let { throw RuntimeException("a caller failed", it) }
        return seconds
    }

    private fun fanOut(w: Workload) {
        val n = sizes.fanOut
        progress("$name ${w.id}: one workflow, $n concurrent activities (one warm-up run first)")
        val want = n.toLong() * (n - 1) / 2
        check(sys.fanOut(n) == want) { "fan-out sum wrong" }
        val t0 = System.nanoTime()
        val sum = sys.fanOut(n)
        val seconds = (System.nanoTime() - t0) / 1e9
        check(sum == want) { "fan-out of $n returned $sum, expected $want" }
        result(name, w, "seconds", fmt(seconds))
    }

    /**
     * [Sizes.timers] workflows that each sleep 1 s, started by 32 threads; 8 threads collect the
     * results in start order while starts go on. all-done runs from the first start to the last result.
     */
    private fun timers(w: Workload) {
        val n = sizes.timers
        progress("$name ${w.id}: $n workflows sleeping 1 s")
        val handles = ArrayBlockingQueue<Pending>(n)
        val lateness = DoubleArray(n)
        val collected = AtomicInteger()
        val failure = AtomicReference<Throwable>()
        val t0 = System.nanoTime()
        val starters = startInParallel(n, failure) { handles.put(sys.startSleeper(1)) }
        val collectors = (1..8).map { i ->
            Thread({
                try {
                    while (failure.get() == null) {
                        val slot = collected.getAndIncrement()
                        if (slot >= n) break
                        lateness[slot] = handles.take().await().toDouble()
                    }
                } catch (t: Throwable) {
                    failure.compareAndSet(null, t)
                }
            }, "bench-collector-$i").apply { isDaemon = true; start() }
        }
        starters.forEach { it.join() }
        val startSeconds = (System.nanoTime() - t0) / 1e9
        collectors.forEach { it.join() }
        val allDone = (System.nanoTime() - t0) / 1e9
        failure.get()?.let { throw RuntimeException("timers failed", it) }
        progress("$name ${w.id}: started $n in ${fmt(startSeconds)} s, all done after ${fmt(allDone)} s")
        lateness.sort()
        result(name, w, "all-done", fmt(allDone))
        result(name, w, "lateness-p99", fmt(percentile(lateness, 99.0)))
        result(name, w, "peak-rss", fmt(peakRssMiB()))
    }

    /** [total] calls of [op] spread over 32 threads (open-ended: no waiting for results). */
    private fun startInParallel(total: Int, failure: AtomicReference<Throwable>, op: () -> Unit): List<Thread> {
        val next = AtomicInteger()
        return (1..sizes.callers).map { i ->
            Thread({
                try {
                    while (failure.get() == null && next.getAndIncrement() < total) op()
                } catch (t: Throwable) {
                    failure.compareAndSet(null, t)
                }
            }, "bench-starter-$i").apply { isDaemon = true; start() }
        }
    }

    /** [Sizes.sleepers] workflows asleep for an hour at once: start rate, then peak RSS once all are asleep. */
    private fun sleepers(w: Workload) {
        val n = sizes.sleepers
        progress("$name ${w.id}: starting $n workflows that sleep 1 h")
        val failure = AtomicReference<Throwable>()
        val t0 = System.nanoTime()
        startInParallel(n, failure) { sys.startSleeper(3600) }.forEach { it.join() }
        val seconds = (System.nanoTime() - t0) / 1e9
        failure.get()?.let { throw RuntimeException("starting sleepers failed", it) }
        result(name, w, "starts/s", fmt(n / seconds))
        // Wait until every run has taken its first workflow task (its timer row exists).
        val deadline = System.nanoTime() + 600_000_000_000L
        var asleep = sys.sleepingCount() ?: throw NotImplemented("${sys.name} cannot count sleeping workflows")
        while (asleep < n && System.nanoTime() < deadline) {
            Thread.sleep(500)
            asleep = sys.sleepingCount()!!
        }
        progress("$name ${w.id}: $asleep of $n asleep ${fmt((System.nanoTime() - t0) / 1e9)} s after the first start")
        check(asleep >= n) { "only $asleep of $n workflows fell asleep within 10 minutes" }
        result(name, w, "peak-rss", fmt(peakRssMiB()))
    }

    /** Rebuilds one run from its recorded history with nothing cached, repeatedly; events per second. */
    private fun replay(w: Workload) {
        progress("$name ${w.id}: recording a history of about ${sizes.replayEvents} events")
        val r = sys.prepareReplay(sizes.replayEvents) ?: throw NotApplicable("${sys.name} does not replay histories")
        progress("$name ${w.id}: history has ${r.events} events; replaying")
        repeat(5) { r.replayOnce() }
        var reps = 0
        val t0 = System.nanoTime()
        while (reps < 5 || System.nanoTime() - t0 < 3_000_000_000L) {
            r.replayOnce()
            reps++
        }
        val seconds = (System.nanoTime() - t0) / 1e9
        result(name, w, "events/s", fmt(r.events.toDouble() * reps / seconds))
    }
}

/**
 * How many sequential steps make a history of about [targetEvents] events: measures the history
 * length of 10- and 20-step runs ([eventsFor]) and extrapolates linearly.
 */
fun stepsForEvents(name: String, targetEvents: Int, eventsFor: (steps: Int) -> Int): Int {
    val h10 = eventsFor(10)
    val h20 = eventsFor(20)
    val perStep = (h20 - h10) / 10.0
    val fixed = h10 - 10 * perStep
    val steps = Math.max(1, Math.ceil((targetEvents - fixed) / perStep).toInt())
    progress("$name: $perStep events per step, $fixed fixed: running $steps steps")
    return steps
}
