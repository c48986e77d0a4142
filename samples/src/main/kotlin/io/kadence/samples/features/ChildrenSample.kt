package io.kadence.samples.features

import io.kadence.dsl.workflow
import io.kadence.workflow.ChildWorkflowOptions
import io.kadence.workflow.ParentClosePolicy
import io.kadence.workflow.executeChild
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import java.nio.file.Path
import kotlin.time.Duration.Companion.milliseconds

/** Counts the words of one text. */
val CountWords = workflow<String, Int>("CountWords") { text -> text.split(' ').count { it.isNotBlank() } }

/** Writes a report nobody waits for (it outlives its parent: ABANDON). */
val Report = workflow<Int, String>("Report") { total -> sleep(200.milliseconds); "report: $total words" }

/** Fans out one child per text, fans in their counts, and starts a report without waiting for it. */
val WordCount = workflow<List<String>, Int>("WordCount") { texts ->
    val total = texts.mapIndexed { i, t ->
        async { executeChild(CountWords, t, ChildWorkflowOptions(workflowId = "${info.workflowId}-count-$i")) }
    }.awaitAll().sum()
    startChild(Report, total, ChildWorkflowOptions(workflowId = "${info.workflowId}-report", parentClosePolicy = ParentClosePolicy.ABANDON)).started()
    total
}

suspend fun runChildren(dataDir: Path): List<String> = sample(dataDir) { batch ->
    worker("children") { register(WordCount); register(CountWords); register(Report) }.start()
    val texts = listOf("the quick brown fox", "jumps over", "the lazy dog")
    val total = client.start(WordCount, texts) { id = "words-$batch"; taskQueue = "children" }.result()
    val report = client.handle(Report, "words-$batch-report").result()
    listOf("${texts.size} children counted $total words", "fire-and-forget child: $report")
}

/** `mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.features.ChildrenSampleKt` */
fun main() = runBlocking { printSample("children") { runChildren(it) } }
