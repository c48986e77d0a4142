package io.kadence.test.process

import io.kadence.Kadence
import io.kadence.dsl.workflow
import kotlinx.coroutines.runBlocking
import java.nio.file.Path

/** A workflow nobody runs: the durability test only checks that its start was stored. */
val Parked = workflow<String, String>("Parked") { it }

/**
 * Child process of [CommitDurabilityTest]: starts `<count>` workflows `<prefix>-1`, `<prefix>-2`, …
 * one by one through the public client (no worker) and prints `COMMITTED <workflowId>` as soon as
 * each start has returned, then waits to be killed.
 *
 *     CommitThenWait <prefix> <count> h2 <dataDir>
 *     CommitThenWait <prefix> <count> postgres <jdbcUrl> <user>
 */
fun main(args: Array<String>) = runBlocking {
    val (prefix, count, kind, location) = args
    val kadence = when (kind) {
        "h2" -> Kadence.embedded(Path.of(location))
        "postgres" -> Kadence.connect(location, args[4], "")
        else -> error("unknown store kind '$kind'")
    }
    for (i in 1..count.toInt()) {
        val id = "$prefix-$i"
        kadence.client.start(Parked, id) { this.id = id; taskQueue = "nobody-polls" }
        println("COMMITTED $id")
        System.out.flush()
    }
    println("ALL COMMITTED")
    System.out.flush()
    Thread.sleep(Long.MAX_VALUE)
}
