package io.kadence.testing

import java.nio.file.Path
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread
import kotlin.time.Duration
import kotlin.time.TimeSource

/**
 * A `main` running in a child JVM on this test's classpath, its output (stdout and stderr) read
 * line by line on a thread so the test can wait for a marker line and `kill -9` the process there.
 * Crash tests of Kadence itself use it; so can tests of applications built on Kadence.
 */
public class ChildJvm private constructor(private val process: Process, private val name: String) : AutoCloseable {
    private val lock = Object()
    private val lines = ArrayList<String>() // guarded by lock
    @Volatile private var eof = false

    private val reader = thread(name = "stdout of $name", isDaemon = true) {
        process.inputStream.bufferedReader().useLines { seq ->
            seq.forEach { line ->
                synchronized(lock) { lines += line; lock.notifyAll() }
            }
        }
        synchronized(lock) { eof = true; lock.notifyAll() }
    }

    /** The child's process id. */
    public val pid: Long get() = process.pid()

    /** Everything the process printed so far. */
    public fun output(): List<String> = synchronized(lock) { lines.toList() }

    /** Waits until a line matching [predicate] appears and returns it; fails at [timeout] or when the output ends first. */
    public fun awaitLine(timeout: Duration, what: String, predicate: (String) -> Boolean): String {
        val deadline = TimeSource.Monotonic.markNow() + timeout
        var seen = 0
        synchronized(lock) {
            while (true) {
                while (seen < lines.size) {
                    val line = lines[seen++]
                    if (predicate(line)) return line
                }
                if (eof) throw AssertionError("$name ended (exit ${exitCodeOrNull()}) before printing $what; output:\n${dump()}")
                val left = -deadline.elapsedNow().inWholeMilliseconds
                if (left <= 0) throw AssertionError("$name did not print $what within $timeout; output:\n${dump()}")
                lock.wait(left)
            }
        }
    }

    /**
     * Sends SIGKILL (`kill -9`) and waits for the process to be gone; returns its exit code (137).
     * Signals through the [ProcessHandle]: `Process.destroyForcibly()` would also close the pipe and
     * lose what the process printed just before it died.
     */
    public fun kill9(): Int {
        check(process.toHandle().destroyForcibly()) { "could not send SIGKILL to $name" }
        check(process.waitFor(30, TimeUnit.SECONDS)) { "$name (pid $pid) survived kill -9" }
        reader.join(10_000)
        println("$name was killed; its output:\n${dump()}")
        return process.exitValue()
    }

    /** Waits for the process to exit by itself; returns its exit code. */
    public fun awaitExit(timeout: Duration): Int {
        if (!process.waitFor(timeout.inWholeMilliseconds, TimeUnit.MILLISECONDS)) {
            throw AssertionError("$name did not exit within $timeout; output:\n${dump()}")
        }
        reader.join(10_000)
        println("$name exited; its output:\n${dump()}")
        return process.exitValue()
    }

    private fun exitCodeOrNull(): Int? = if (process.isAlive) null else process.exitValue()

    /** Everything the child printed, indented, for failure messages. */
    public fun dump(): String = output().joinToString("\n") { "  | $it" }

    /** Kills the process if it is still running (a failed test must not leave it behind). */
    override fun close() {
        if (process.isAlive) {
            process.toHandle().destroyForcibly()
            process.waitFor(30, TimeUnit.SECONDS)
        }
    }

    /** Starting children. */
    public companion object {
        /** The classpath of this test run: Surefire's real test classpath, or the JVM's own when run elsewhere. */
        public val testClasspath: String = System.getProperty("surefire.test.class.path")?.takeIf { it.isNotBlank() }
            ?: System.getProperty("java.class.path")

        /** The `java` launcher of this JVM, so the child runs on the same JDK. */
        private val javaBinary: String = ProcessHandle.current().info().command().orElse(null)
            ?: Path.of(System.getProperty("java.home"), "bin", "java").toString()

        /** Starts `java [jvmArgs] -cp <test classpath> [mainClass] [args]` in [workDir]. */
        public fun start(name: String, mainClass: String, args: List<String>, workDir: Path, jvmArgs: List<String> = emptyList()): ChildJvm {
            val command = listOf(javaBinary, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC") + jvmArgs +
                listOf("-cp", testClasspath, mainClass) + args
            val process = ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start()
            return ChildJvm(process, "$name (pid ${process.pid()})")
        }
    }
}
