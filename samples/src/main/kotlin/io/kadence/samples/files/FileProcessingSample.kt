package io.kadence.samples.files

import io.kadence.Kadence
import io.kadence.worker.WorkerOptions
import io.ktor.client.HttpClient
import io.ktor.client.engine.cio.CIO
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import java.nio.file.Path
import java.util.UUID

/**
 * File processing in sessions: three files are downloaded, processed and uploaded, each on one of
 * two hosts (`host-a`, `host-b`, two workers of this process with their own work directories),
 * through a local HTTP server the sample starts.
 *
 *     mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.files.FileProcessingSampleKt
 */
fun main() = runBlocking {
    val reports = runFileProcessing(Path.of("kadence-data-files"))
    for (r in reports) println("${r.name}: ${r.words} words, processed on ${r.host}, ${r.uploadedBytes} bytes uploaded")
}

/** The sample's texts, by file name. */
val sampleFiles = mapOf(
    "alpha.txt" to "the quick brown fox\njumps over the lazy dog",
    "beta.txt" to "durable workflows survive a kill -9",
    "gamma.txt" to "one host\ndownloads processes and uploads",
)

/** Runs the sample on the embedded store in [dataDir]; returns one report per file, and what the server received. */
suspend fun runFileProcessing(dataDir: Path, received: MutableMap<String, String> = HashMap()): List<FileReport> =
    FileServer(sampleFiles).use { server ->
        HttpClient(CIO).use { http ->
            Kadence.embedded(dataDir).use { kadence ->
                kadence.worker("files") { register(FileProcessing) }.start()
                for (host in listOf("host-a", "host-b")) {
                    kadence.worker("files", WorkerOptions().apply { hostId = host }) {
                        activities<FileActivities>(HttpFileActivities(http, dataDir.resolve("hosts").resolve(host).toAbsolutePath()))
                        sessions { maxConcurrent = 2 }
                    }.start()
                }
                val batch = UUID.randomUUID().toString().take(8)
                val reports = kotlinx.coroutines.coroutineScope {
                    sampleFiles.keys.map { name ->
                        async {
                            val job = FileJob("${server.baseUrl}/files/$name", "${server.baseUrl}/uploads/$name")
                            kadence.client.start(FileProcessing, job) { id = "file-$batch-$name"; taskQueue = "files" }.result()
                        }
                    }.awaitAll()
                }
                received.putAll(server.uploads)
                reports
            }
        }
    }
