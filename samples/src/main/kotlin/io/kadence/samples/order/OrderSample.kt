package io.kadence.samples.order

import io.kadence.Kadence
import io.kadence.failure.WorkflowAlreadyStartedException
import io.kadence.worker.WorkerOptions
import kotlinx.coroutines.runBlocking
import java.nio.file.Path
import kotlin.time.Duration.Companion.seconds

/**
 * The main sample: one order workflow on the embedded H2 store in `kadence-data/`.
 *
 * Kill it at any point (`kill -9`) and run it again: the workflow continues where its history
 * says it was. Steps that completed are not run again; the one that was running is retried.
 *
 *     mvn -q -pl samples exec:java
 *     mvn -q -pl samples exec:java -Dexec.args="--data-dir /tmp/kd --order order-7 --charge-ms 3000"
 */
fun main(args: Array<String>) = runBlocking {
    val opts = args.toList().chunked(2).associate { it[0].removePrefix("--") to it.getOrElse(1) { "" } }
    val dataDir = Path.of(opts["data-dir"] ?: "kadence-data")
    val orderId = opts["order"] ?: "order-1"
    val order = Order(orderId, "espresso beans", quantity = 2, cents = 2_450, pauseSeconds = (opts["sleep-s"] ?: "2").toInt())

    Kadence.embedded(dataDir).use { kadence ->
        kadence.worker("orders", WorkerOptions().apply { workflowTaskTimeout = 2.seconds }) {
            register(OrderWorkflow)
            activities<OrderActivities>(JournalingOrderActivities(dataDir.resolve("journal.log"), (opts["charge-ms"] ?: "1000").toLong()))
        }.start()

        val handle = try {
            kadence.client.start(OrderWorkflow, order) { id = orderId; taskQueue = "orders" }.also {
                println("started workflow ${it.workflowId} (run ${it.runId})")
            }
        } catch (e: WorkflowAlreadyStartedException) {
            println("workflow $orderId is already running (run ${e.runId}): resuming it")
            kadence.client.handle(OrderWorkflow, orderId)
        }
        println("result: ${handle.result()}")
    }
}
