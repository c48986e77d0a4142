package io.kadence.bench

import java.io.File
import java.net.URLClassLoader
import java.nio.file.Files
import java.nio.file.Path
import java.time.OffsetDateTime
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess

const val USAGE = """Kadence benchmark (issue 7): every workload on every system, one child JVM per pair.

  mvn -q -Pbench -pl bench -am compile exec:java -Dexec.args="<options>"

  --systems a,b        kadence-h2,kadence-pg,temporal,dbos (default: all)
  --workloads a,b      wf-1-step,wf-10-steps,fan-out-1000,timers-10k,sleepers-100k,
                       replay-10k-events,sessions-3-hosts (default: all)
  --scale x            multiply every count (default 1 = the issue's sizes; 0.01 for a smoke run)
  --java path          java binary for the child JVMs (default: the one running this)
  --jvm-args "..."     options for the child JVMs (default: "-Xmx2g")
  --warmup-seconds s   warm-up before each latency and throughput measure lasts at least this long,
                       on top of its minimum count, so every system's JIT has settled (default 5)
  --timeout s          seconds allowed per system+workload before its JVM is killed (default 1800)
  --pg-url url         PostgreSQL for kadence-pg and dbos (default jdbc:postgresql://127.0.0.1:5432/test)
  --pg-user u          (default postgres)   --pg-password p   (default none)
  --logs dir           where child JVM logs go (default bench/target/bench-logs or ./bench-logs)
  --keep               keep the H2 directories and PostgreSQL schemas afterwards
  --in-process         run everything in this JVM (debugging; peak-rss then means nothing)
"""

class Options(args: List<String>) {
    private val map = HashMap<String, String>()
    val flags = HashSet<String>()

    init {
        var i = 0
        while (i < args.size) {
            val a = args[i]
            require(a.startsWith("--")) { "unexpected argument '$a'\n$USAGE" }
            val key = a.removePrefix("--")
            if (key in setOf("keep", "in-process", "help", "child")) {
                flags += key
                i++
            } else {
                require(i + 1 < args.size) { "option $a needs a value\n$USAGE" }
                map[key] = args[i + 1]
                i += 2
            }
        }
        val known = setOf("systems", "workloads", "scale", "warmup-seconds", "java", "jvm-args", "timeout", "pg-url", "pg-user", "pg-password", "logs")
        map.keys.firstOrNull { it !in known }?.let { throw IllegalArgumentException("unknown option --$it\n$USAGE") }
    }

    val systems: List<String> = map["systems"]?.split(',')?.map { it.trim() }?.filter { it.isNotEmpty() } ?: SYSTEMS
    val workloads: List<Workload> = map["workloads"]?.split(',')?.map { Workload.byId(it.trim()) } ?: Workload.entries
    val scale: Double = map["scale"]?.toDouble() ?: 1.0
    val warmupSeconds: Double = map["warmup-seconds"]?.toDouble() ?: 5.0
    val java: String = map["java"] ?: Path.of(System.getProperty("java.home"), "bin", "java").toString()
    val jvmArgs: List<String> = (map["jvm-args"] ?: "-Xmx2g").split(' ').filter { it.isNotBlank() }
    val timeoutSeconds: Long = map["timeout"]?.toLong() ?: 1800
    val pgUrl: String = map["pg-url"] ?: "jdbc:postgresql://127.0.0.1:5432/test"
    val pgUser: String = map["pg-user"] ?: "postgres"
    val pgPassword: String? = map["pg-password"]
    val keep: Boolean get() = "keep" in flags
    val logs: Path = Path.of(map["logs"] ?: if (Files.isDirectory(Path.of("bench/target"))) "bench/target/bench-logs"
        else if (Files.isDirectory(Path.of("target"))) "target/bench-logs" else "bench-logs")

    init {
        systems.forEach { require(it in SYSTEMS) { "unknown system '$it'; known: ${SYSTEMS.joinToString()}" } }
        require(scale > 0) { "--scale must be positive" }
        require(warmupSeconds >= 0) { "--warmup-seconds must not be negative" }
    }

    /** These options, as arguments for a child JVM that runs one system and one workload. */
    fun childArgs(system: String, workload: Workload): List<String> = buildList {
        add("--child"); add("--systems"); add(system); add("--workloads"); add(workload.id)
        add("--scale"); add(scale.toString())
        add("--warmup-seconds"); add(warmupSeconds.toString())
        add("--pg-url"); add(pgUrl); add("--pg-user"); add(pgUser)
        pgPassword?.let { add("--pg-password"); add(it) }
        if (keep) add("--keep")
    }
}

fun main(args: Array<String>) {
    val opts = try {
        Options(args.toList())
    } catch (e: IllegalArgumentException) {
        System.err.println(e.message)
        exitProcess(2)
    }
    if ("help" in opts.flags) {
        print(USAGE)
        return
    }
    if ("child" in opts.flags) {
        exitProcess(runChild(opts, opts.systems.single(), opts.workloads.single()))
    }
    val ok = runAll(opts)
    // exec:java waits for non-daemon threads; engines run in children, but be sure nothing lingers.
    // A failed or timed-out pair makes the exit code 1 (its figures are printed as n/a).
    if (!ok || "in-process" !in opts.flags) exitProcess(if (ok) 0 else 1)
}

/** Runs [workload] on [system] in this JVM; prints RESULT lines; returns the exit code. */
fun runChild(opts: Options, system: String, workload: Workload): Int {
    val sizes = Sizes(opts.scale, opts.warmupSeconds)
    try {
        openSystem(system, opts).use { sys -> WorkloadRunner(sys, sizes).run(workload) }
        return 0
    } catch (e: NotImplemented) {
        progress("$system ${workload.id}: not implemented: ${e.message}")
        workload.metrics.forEach { println("RESULT\t$system\t${workload.id}\t${it.name}\tn/a\tnot-implemented") }
        return 0
    } catch (e: NotApplicable) {
        progress("$system ${workload.id}: not applicable: ${e.message}")
        workload.metrics.forEach { println("RESULT\t$system\t${workload.id}\t${it.name}\tn/a\tnot-applicable") }
        return 0
    } catch (t: Throwable) {
        progress("$system ${workload.id}: FAILED: $t")
        t.printStackTrace()
        System.err.flush()
        return 1
    } finally {
        System.out.flush()
    }
}

private data class Row(val system: String, val workload: String, val metric: String, val value: String, val unit: String)

/** Forks one JVM per system and workload, collects their RESULT lines, prints them and a table; false when a pair failed. */
fun runAll(opts: Options): Boolean {
    val pairs = opts.systems.flatMap { s -> opts.workloads.filter { it.appliesTo(s) }.map { s to it } }
    header(opts)
    val rows = ArrayList<Row>()
    for ((system, workload) in pairs) {
        val printed = if ("in-process" in opts.flags) inProcess(opts, system, workload) else forked(opts, system, workload)
        rows += printed
    }
    println()
    println(table(rows))
    return rows.none { it.value == "n/a" && it.unit in setOf("failed", "timeout", "missing") }
}

private fun parseResult(line: String): Row? {
    val p = line.split('\t')
    return if (p.size == 6 && p[0] == "RESULT") Row(p[1], p[2], p[3], p[4], p[5]) else null
}

private fun missing(system: String, workload: Workload, got: List<Row>, reason: String): List<Row> =
    workload.metrics.filter { m -> got.none { it.metric == m.name } }.map { m ->
        Row(system, workload.id, m.name, "n/a", reason).also { println("RESULT\t$system\t${workload.id}\t${m.name}\tn/a\t$reason") }
    }

private fun inProcess(opts: Options, system: String, workload: Workload): List<Row> {
    val out = java.io.ByteArrayOutputStream()
    val original = System.out
    val tee = java.io.PrintStream(object : java.io.OutputStream() {
        override fun write(b: Int) { original.write(b); out.write(b) }
        override fun write(b: ByteArray, off: Int, len: Int) { original.write(b, off, len); out.write(b, off, len) }
    }, true)
    System.setOut(tee)
    val code = try { runChild(opts, system, workload) } finally { System.setOut(original) }
    val got = out.toString().lines().mapNotNull(::parseResult)
    return got + missing(system, workload, got, if (code == 0) "missing" else "failed")
}

private fun forked(opts: Options, system: String, workload: Workload): List<Row> {
    Files.createDirectories(opts.logs)
    val log = opts.logs.resolve("$system-${workload.id}.log").toFile()
    val cmd = listOf(opts.java) + opts.jvmArgs + listOf("-cp", classpath(), "io.kadence.bench.BenchKt") + opts.childArgs(system, workload)
    progress("$system ${workload.id}: child JVM, log in $log")
    val started = System.nanoTime()
    val proc = ProcessBuilder(cmd).redirectError(log).start()
    val got = ArrayList<Row>()
    val reader = Thread {
        proc.inputStream.bufferedReader().forEachLine { line ->
            parseResult(line)?.let { got += it }
            println(line)
        }
    }.apply { isDaemon = true; start() }
    val finished = proc.waitFor(opts.timeoutSeconds, TimeUnit.SECONDS)
    if (!finished) {
        progress("$system ${workload.id}: no end after ${opts.timeoutSeconds} s; thread dump in the log, then killing it")
        ProcessBuilder("jcmd", proc.pid().toString(), "Thread.print").redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start().waitFor(30, TimeUnit.SECONDS)
        proc.destroyForcibly().waitFor()
    }
    reader.join(5_000)
    val seconds = (System.nanoTime() - started) / 1e9
    val code = if (finished) proc.exitValue() else -1
    progress("$system ${workload.id}: child finished in ${fmt(seconds)} s, exit code $code")
    if (code != 0) {
        val tail = log.readLines().takeLast(25)
        tail.forEach { println("#   | $it") }
    }
    return got + missing(system, workload, got, when {
        !finished -> "timeout"
        code != 0 -> "failed"
        else -> "missing"
    })
}

/** The class path this program was started with: exec:java runs it in a class loader of its own. */
private fun classpath(): String {
    val entries = LinkedHashSet<String>()
    var cl: ClassLoader? = Thread.currentThread().contextClassLoader
    while (cl != null) {
        if (cl is URLClassLoader) cl.urLs.forEach { entries += File(it.toURI()).path }
        cl = cl.parent
    }
    if (entries.none { it.contains("kotlin-stdlib") }) entries += System.getProperty("java.class.path").split(File.pathSeparator)
    return entries.joinToString(File.pathSeparator)
}

private fun header(opts: Options) {
    val cpu = runCatching {
        Files.readAllLines(Path.of("/proc/cpuinfo")).firstOrNull { it.startsWith("model name") }?.substringAfter(':')?.trim()
    }.getOrNull() ?: "unknown CPU"
    val mem = runCatching {
        Files.readAllLines(Path.of("/proc/meminfo")).first { it.startsWith("MemTotal:") }.substringAfter(':').trim()
    }.getOrNull() ?: "?"
    val childJava = runCatching {
        ProcessBuilder(opts.java, "-version").redirectErrorStream(true).start().inputStream.bufferedReader().readLine()
    }.getOrNull() ?: opts.java
    progress("Kadence benchmark, ${OffsetDateTime.now()}")
    progress("machine: $cpu, ${Runtime.getRuntime().availableProcessors()} cores, $mem RAM; ${System.getProperty("os.name")} ${System.getProperty("os.version")}")
    progress("child JVMs: $childJava ${opts.jvmArgs.joinToString(" ")}; scale ${opts.scale}")
}

private fun table(rows: List<Row>): String {
    val columns = SYSTEMS.filter { s -> rows.any { it.system == s } }
    // Rows in the issue's order: workloads as listed, each with its metrics as listed.
    val order = Workload.entries.flatMap { w -> w.metrics.map { w.id to it.name } }
    val keys = rows.map { it.workload to it.metric }.distinct().sortedBy { order.indexOf(it).let { i -> if (i < 0) Int.MAX_VALUE else i } }
    val header = listOf("workload", "metric", "unit") + columns
    val body = keys.map { (w, m) ->
        val unit = runCatching { Workload.byId(w).metrics.first { it.name == m }.unit }.getOrDefault("")
        listOf(w, m, unit) + columns.map { s ->
            val r = rows.firstOrNull { it.system == s && it.workload == w && it.metric == m }
            when {
                r == null -> "-"
                r.value == "n/a" -> "n/a (${r.unit})"
                else -> r.value
            }
        }
    }
    val all = listOf(header) + body
    val widths = header.indices.map { c -> all.maxOf { it[c].length } }
    fun line(cells: List<String>) = cells.mapIndexed { c, v -> if (c < 3) v.padEnd(widths[c]) else v.padStart(widths[c]) }.joinToString("  ")
    return buildString {
        appendLine(line(header))
        appendLine(widths.joinToString("  ") { "-".repeat(it) })
        body.forEach { appendLine(line(it)) }
    }
}
