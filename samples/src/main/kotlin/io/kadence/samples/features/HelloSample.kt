package io.kadence.samples.features

import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.workflow.activities
import kotlinx.coroutines.runBlocking
import java.nio.file.Path
import kotlin.time.Duration.Companion.seconds

/** An activity: a plain interface whose implementation runs on a worker. */
interface Greeter {
    suspend fun greet(name: String): String
}

class EnglishGreeter : Greeter {
    override suspend fun greet(name: String) = "Hello, $name!"
}

/** Hello: a workflow that calls one activity. */
val Hello = workflow<String, String>("Hello") { name ->
    activities<Greeter>(ActivityOptions(startToClose = 10.seconds)).greet(name)
}

suspend fun runHello(dataDir: Path, name: String = "Kadence"): List<String> = sample(dataDir) { batch ->
    worker("hello") { register(Hello); activities<Greeter>(EnglishGreeter()) }.start()
    listOf(client.start(Hello, name) { id = "hello-$batch"; taskQueue = "hello" }.result())
}

/** `mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.features.HelloSampleKt` */
fun main() = runBlocking { printSample("hello") { runHello(it) } }
