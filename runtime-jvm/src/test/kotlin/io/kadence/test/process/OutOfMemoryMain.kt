package io.kadence.test.process

import io.kadence.Kadence
import io.kadence.client.signal
import io.kadence.test.OutOfMemory
import io.kadence.test.Poison
import io.kadence.test.WaitsForSignal
import kotlinx.coroutines.runBlocking
import java.nio.file.Path
import kotlin.time.Duration.Companion.seconds

/** Allocates 1 MiB blocks until the heap is full; frees them before the error leaves, so the rest of the JVM has room again. */
class HeapExhauster : Poison {
    override suspend fun exhaust(tag: String): String {
        val blocks = ArrayList<ByteArray>()
        try {
            while (true) blocks += ByteArray(1 shl 20)
        } catch (e: OutOfMemoryError) {
            val held = blocks.size
            blocks.clear()
            println("EXHAUSTED $held MiB for $tag")
            System.out.flush()
            throw e
        }
    }
}

/**
 * Child process of [OutOfMemoryProcessTest], run with a small heap: a worker whose poison activity
 * really runs the JVM out of memory, the OutOfMemory workflow that calls it (two attempts), and a
 * bystander workflow on the same worker. Prints `OOM <result>`, `GOOD <result>`, then `DONE`, and exits.
 *
 *     OutOfMemoryMain h2 <dataDir>
 *     OutOfMemoryMain postgres <jdbcUrl> <user>
 */
fun main(args: Array<String>) = runBlocking {
    val kadence = when (args[0]) {
        "h2" -> Kadence.embedded(Path.of(args[1]))
        "postgres" -> Kadence.connect(args[1], args[2], "")
        else -> error("unknown store kind '${args[0]}'")
    }
    kadence.use {
        println("HEAP ${Runtime.getRuntime().maxMemory() shr 20} MiB")
        kadence.worker("poison") {
            register(OutOfMemory)
            register(WaitsForSignal)
            activities<Poison>(HeapExhauster())
        }.start()
        val bad = kadence.client.start(OutOfMemory, "big") { id = "oom"; taskQueue = "poison" }
        val good = kadence.client.start(WaitsForSignal, "good") { id = "good"; taskQueue = "poison" }
        val oom = bad.result(60.seconds)
        good.signal("go", "go")
        println("OOM $oom")
        println("GOOD ${good.result(60.seconds)}")
        println("DONE")
        System.out.flush()
    }
}
