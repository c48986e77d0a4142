package io.kadence.samples

import io.kadence.samples.java.FileProcessingSample
import io.kadence.samples.java.HelloSample
import io.kadence.samples.java.ModelTrainingSample
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Runs the Java samples end to end and checks what they produced. */
class JavaSamplesTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `the Java hello sample greets through an activity`() {
        assertEquals("Hello, Ada!", HelloSample.run(dir.resolve("data"), "Ada"))
    }

    @Test
    fun `the Java file sample processes each file on one host`() {
        val received = LinkedHashMap<String, String>()
        val reports = FileProcessingSample.run(dir.resolve("data"), received)
        assertEquals(listOf("alpha.txt" to 9, "beta.txt" to 6), reports.map { it.name() to it.words() })
        assertTrue(reports.all { it.host() == "host-a" || it.host() == "host-b" }, reports.toString())
        assertEquals(
            mapOf(
                "alpha.txt" to "words=9\nTHE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG",
                "beta.txt" to "words=6\nDURABLE WORKFLOWS SURVIVE A KILL -9",
            ),
            received,
        )
        assertEquals(reports.map { received.getValue(it.name()).toByteArray().size.toLong() }, reports.map { it.uploadedBytes() })
    }

    @Test
    fun `the Java training sample runs every model on the GPU host, at most two at once`() {
        ModelTrainingSample.PEAK.clear()
        val results = ModelTrainingSample.run(dir.resolve("data"), 20)
        assertEquals(listOf("resnet", "bert", "gpt-mini", "unet", "whisper-tiny"), results.map { it.model() })
        assertEquals(List(5) { "gpu-box" }, results.map { it.host() })
        assertEquals(results.map { "registry://models/${it.model()}.weights" }, results.map { it.weights() })
        assertTrue(ModelTrainingSample.PEAK.getValue("gpu-box") <= 2, "trainings at once: ${ModelTrainingSample.PEAK}")
        assertEquals(setOf("gpu-box"), ModelTrainingSample.PEAK.keys)
    }
}
