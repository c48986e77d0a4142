package io.kadence.samples

import io.kadence.samples.files.runFileProcessing
import io.kadence.samples.files.sampleFiles
import io.kadence.samples.training.GpuLog
import io.kadence.samples.training.runModelTraining
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Runs the session samples end to end (embedded H2, real HTTP) and checks what they produced. */
class SessionSamplesTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `file processing downloads, processes and uploads each file on one host`() = runBlocking {
        val received = HashMap<String, String>()
        val reports = runFileProcessing(dir.resolve("data"), received)
        assertEquals(listOf("alpha.txt" to 9, "beta.txt" to 6, "gamma.txt" to 6), reports.map { it.name to it.words })
        assertTrue(reports.all { it.host == "host-a" || it.host == "host-b" }, reports.toString())
        assertEquals(
            mapOf(
                "alpha.txt" to "words=9\nTHE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG",
                "beta.txt" to "words=6\nDURABLE WORKFLOWS SURVIVE A KILL -9",
                "gamma.txt" to "words=6\nONE HOST\nDOWNLOADS PROCESSES AND UPLOADS",
            ),
            received,
        )
        assertEquals(reports.map { received.getValue(it.name).toByteArray().size.toLong() }, reports.map { it.uploadedBytes })
        assertEquals(sampleFiles.keys, received.keys)
    }

    @Test
    fun `model training runs every model on the GPU host, at most two at once`() = runBlocking {
        val log = GpuLog()
        val results = runModelTraining(dir.resolve("data"), log, epochMillis = 20)
        assertEquals(listOf("resnet", "bert", "gpt-mini", "unet", "whisper-tiny"), results.map { it.model })
        assertEquals(List(5) { "gpu-box" }, results.map { it.host })
        assertEquals(results.map { "registry://models/${it.model}.weights" }, results.map { it.weights })
        assertTrue(log.peak.getValue("gpu-box") <= 2, "trainings at once: ${log.peak}")
        assertEquals(setOf("gpu-box"), log.peak.keys)
    }
}
