package io.kadence.samples.files

import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.failure.ApplicationFailure
import io.kadence.workflow.activities
import io.kadence.workflow.session
import io.ktor.client.HttpClient
import io.ktor.client.request.get
import io.ktor.client.request.put
import io.ktor.client.request.setBody
import io.ktor.client.statement.bodyAsText
import io.ktor.http.isSuccess
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.serialization.Serializable
import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.exists
import kotlin.io.path.readText
import kotlin.io.path.writeText
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.minutes

@Serializable
data class FileJob(val source: String, val target: String)

@Serializable
data class Processed(val path: String, val words: Int)

@Serializable
data class FileReport(val name: String, val host: String, val words: Int, val uploadedBytes: Long)

/**
 * The steps of file processing. Paths are local to the host that ran the step: a processed file
 * exists only on the machine that downloaded it, which is why the three steps share a session.
 */
interface FileActivities {
    /** Downloads [url] into this host's work directory; returns the local path. */
    suspend fun download(url: String): String

    /** Upper-cases the local file [path] and counts its words, into a new local file. */
    suspend fun process(path: String): Processed

    /** PUTs the local file [path] to [url]; returns the bytes sent. */
    suspend fun upload(path: String, url: String): Long
}

/**
 * Download → process → upload on one host. The session pins the three activities to the host that
 * took it, so the local files one step writes are there for the next.
 */
val FileProcessing = workflow<FileJob, FileReport>("FileProcessing") { job ->
    val files = activities<FileActivities>(
        ActivityOptions(startToClose = 1.minutes) { retry { initialInterval = 200.milliseconds; maximumAttempts = 5 } },
    )
    session(creationTimeout = 1.minutes, executionTimeout = 10.minutes) {
        val local = files.download(job.source)
        val processed = files.process(local)
        val sent = files.upload(processed.path, job.target)
        FileReport(job.source.substringAfterLast('/'), sessionInfo()!!.hostName, processed.words, sent)
    }
}

/** [FileActivities] of one host, over HTTP with ktor's client, keeping files under [workDir]. */
class HttpFileActivities(private val http: HttpClient, private val workDir: Path) : FileActivities {
    init {
        Files.createDirectories(workDir)
    }

    override suspend fun download(url: String): String {
        val response = http.get(url)
        if (!response.status.isSuccess()) {
            throw ApplicationFailure("GET $url answered ${response.status}", "DownloadFailed", nonRetryable = response.status.value == 404)
        }
        val text = response.bodyAsText()
        return withContext(Dispatchers.IO) {
            val file = Files.createTempFile(workDir, url.substringAfterLast('/') + "-", ".download")
            file.writeText(text)
            file.toString()
        }
    }

    override suspend fun process(path: String): Processed = withContext(Dispatchers.IO) {
        val input = local(path)
        val text = input.readText()
        val words = text.split(Regex("\\s+")).count { it.isNotEmpty() }
        val output = Path.of(path.removeSuffix(".download") + ".processed")
        output.writeText("words=$words\n" + text.uppercase())
        Processed(output.toString(), words)
    }

    override suspend fun upload(path: String, url: String): Long {
        val body = withContext(Dispatchers.IO) { local(path).readText() }
        val response = http.put(url) { setBody(body) }
        if (!response.status.isSuccess()) throw ApplicationFailure("PUT $url answered ${response.status}", "UploadFailed")
        return body.toByteArray().size.toLong()
    }

    /** The file at [path] on this host; a path from another host is not here, and no retry brings it. */
    private fun local(path: String): Path {
        val file = Path.of(path)
        if (!file.startsWith(workDir) || !file.exists()) {
            throw ApplicationFailure("$path is not on this host (its files are under $workDir)", "NotOnThisHost", nonRetryable = true)
        }
        return file
    }
}
