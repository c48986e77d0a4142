package io.kadence.samples.features

import io.kadence.dsl.workflow
import io.kadence.workflow.DEFAULT_VERSION
import io.kadence.workflow.mutableSideEffect
import io.kadence.workflow.sideEffect
import kotlinx.coroutines.runBlocking
import java.nio.file.Path
import java.util.UUID
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds

/** A setting that changes while the workflow runs (read through mutableSideEffect). */
object Settings {
    val maxRetries = AtomicInteger(3)
}

/**
 * The three determinism helpers: a side effect (a UUID, recorded once), a mutable side effect
 * (recorded only when the value changes) and a version (old runs keep the old branch).
 */
val Determinism = workflow<Unit, List<String>>("Determinism") {
    val token = sideEffect { UUID.randomUUID().toString().take(8) }
    val seen = mutableListOf<Int>()
    repeat(3) {
        seen += mutableSideEffect("max-retries") { Settings.maxRetries.get() }
        Settings.maxRetries.incrementAndGet()
        sleep(10.milliseconds)
    }
    val shipping = if (version("express-shipping", DEFAULT_VERSION, 1) == 1) "express" else "standard"
    listOf("token recorded once: ${token.length} chars", "max-retries read as $seen", "shipping: $shipping")
}

suspend fun runDeterminism(dataDir: Path): List<String> = sample(dataDir) { batch ->
    Settings.maxRetries.set(3)
    worker("determinism") { register(Determinism) }.start()
    val handle = client.start(Determinism, Unit) { id = "determinism-$batch"; taskQueue = "determinism" }
    val lines = handle.result()
    val markers = handle.history().let { flow ->
        val events = mutableListOf<String>()
        flow.collect { e -> (e.attributes as? io.kadence.history.MarkerRecorded)?.let { events += it.kind } }
        events
    }
    lines + "markers in history: $markers"
}

/** `mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.features.DeterminismSampleKt` */
fun main() = runBlocking { printSample("determinism") { runDeterminism(it) } }
