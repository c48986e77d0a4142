package io.kadence.test.process

import io.kadence.test.TestStores
import io.kadence.testing.ChildJvm
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/**
 * A poison activity that really exhausts the heap of its worker's JVM (a child started with
 * `-Xmx96m`), on every attempt: the workflow gets a typed failure caused by
 * `java.lang.OutOfMemoryError`, the worker lives on, and another workflow on it completes.
 */
@Tag("process")
class OutOfMemoryProcessTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `an activity that really runs its JVM out of memory fails with a typed failure and the worker goes on`() {
        val storeArgs = if (TestStores.isPostgres) listOf("postgres", TestStores.newPgSchema(), TestStores.pgUser)
            else listOf("h2", dir.resolve("data").toString())
        ChildJvm.start("OutOfMemoryMain (${storeArgs[0]})", CHILD_MAIN, storeArgs, dir, jvmArgs = listOf("-Xmx96m")).use { child ->
            assertEquals(0, child.awaitExit(120.seconds), "the worker JVM ended by itself after the run:\n${child.dump()}")
            val out = child.output()
            val heap = out.single { it.startsWith("HEAP ") }.removePrefix("HEAP ").removeSuffix(" MiB").toInt()
            assertTrue(heap <= 96, "child heap $heap MiB")
            // Each attempt filled what the worker left of the heap in 1 MiB blocks before the error: bounded by -Xmx.
            val exhausted = out.filter { it.startsWith("EXHAUSTED ") }.map { it.removePrefix("EXHAUSTED ").substringBefore(" MiB").toInt() }
            assertEquals(2, exhausted.size, child.dump())
            assertTrue(exhausted.all { it in 8..heap }, "MiB held when the heap ran out: $exhausted of $heap")
            println("RESULT\treliability\tpoison-oom\tmin-held-at-exhaustion\t${exhausted.min()}\tMiB")
            assertEquals("OOM ActivityFailure[exhaust#2] <- ApplicationFailure[java.lang.OutOfMemoryError: Java heap space]",
                out.single { it.startsWith("OOM ") })
            assertEquals("GOOD good got go", out.single { it.startsWith("GOOD ") })
            assertEquals("DONE", out.last { it == "DONE" })
        }
    }

    private companion object {
        const val CHILD_MAIN = "io.kadence.test.process.OutOfMemoryMainKt"
    }
}
