package io.kadence.samples.features

import io.kadence.dsl.workflow
import io.kadence.workflow.continueAsNew
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.Serializable
import java.nio.file.Path

@Serializable
data class Tally(val round: Int, val sum: Long)

/** Adds up 1..100 ten numbers per run, continuing as a new run (a fresh history) after each ten. */
val LongSum = workflow<Tally, Long>("LongSum") { tally ->
    var t = tally
    repeat(10) { t = Tally(t.round + 1, t.sum + t.round + 1) }
    if (t.round < 100) continueAsNew(t)
    t.sum
}

suspend fun runContinueAsNew(dataDir: Path): List<String> = sample(dataDir) { batch ->
    worker("loops") { register(LongSum) }.start()
    val handle = client.start(LongSum, Tally(0, 0)) { id = "sum-$batch"; taskQueue = "loops" }
    val sum = handle.result()
    val runs = client.list(workflowType = "LongSum").count { it.workflowId == "sum-$batch" }
    listOf("sum of 1..100 = $sum over $runs runs of one workflow id")
}

/** `mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.features.ContinueAsNewSampleKt` */
fun main() = runBlocking { printSample("continue-as-new") { runContinueAsNew(it) } }
