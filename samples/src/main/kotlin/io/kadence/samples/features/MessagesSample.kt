package io.kadence.samples.features

import io.kadence.client.query
import io.kadence.client.signal
import io.kadence.client.update
import io.kadence.dsl.workflow
import io.kadence.failure.UpdateFailedException
import io.kadence.workflow.onQuery
import io.kadence.workflow.onUpdate
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.Serializable
import java.nio.file.Path

@Serializable
data class CartLine(val item: String, val cents: Long)

/**
 * A shopping cart: items arrive as signals, `total` is a query, `discount` is an update whose
 * validator refuses more than half off, and `checkout` ends it.
 */
val Cart = workflow<String, String>("Cart") { customer ->
    val lines = mutableListOf<CartLine>()
    var discount = 0
    onQuery("total") { lines.sumOf { it.cents } * (100 - discount) / 100 }
    onUpdate("discount", validator = { percent: Int -> require(percent in 0..50) { "discount must be 0..50 %, was $percent" } }) { percent: Int ->
        discount = percent
        lines.sumOf { it.cents } * (100 - discount) / 100
    }
    val items = signalChannel<CartLine>("add")
    val checkout = signalChannel<Unit>("checkout")
    var open = true
    while (open) {
        kotlinx.coroutines.selects.select {
            items.onReceive { lines += it }
            checkout.onReceive { open = false }
        }
    }
    "$customer bought ${lines.map { it.item }} for ${lines.sumOf { it.cents } * (100 - discount) / 100} cents"
}

suspend fun runMessages(dataDir: Path): List<String> = sample(dataDir) { batch ->
    worker("carts") { register(Cart) }.start()
    val cart = client.start(Cart, "ada") { id = "cart-$batch"; taskQueue = "carts" }
    val out = mutableListOf<String>()
    cart.signal("add", CartLine("coffee", 1_200))
    cart.signal("add", CartLine("mug", 800))
    val refused = try {
        cart.update<Int, Long>("discount", 80)
        "accepted"
    } catch (e: UpdateFailedException) {
        "refused (${e.status})"
    }
    out += "discount 80 %: $refused"
    out += "discount 10 %: new total ${cart.update<Int, Long>("discount", 10)}"
    // A query reads the state the run's history has reached; the accepted update is in it.
    out += "query total: ${cart.query<Long>("total")}"
    cart.signal("checkout", Unit)
    out += cart.result()
    out
}

/** `mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.features.MessagesSampleKt` */
fun main() = runBlocking { printSample("messages") { runMessages(it) } }
