package io.kadence.samples.files

import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.util.concurrent.ConcurrentHashMap

/**
 * The sample's stand-in for a file store on the network: `GET /files/<name>` serves the files it was
 * given, `PUT /uploads/<name>` keeps what is sent. It listens on a free port of 127.0.0.1.
 */
class FileServer(files: Map<String, String>) : AutoCloseable {
    private val served = ConcurrentHashMap(files)

    /** What was uploaded, by name. */
    val uploads = ConcurrentHashMap<String, String>()

    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/files/") { exchange ->
            exchange.use {
                val body = served[it.requestURI.path.removePrefix("/files/")]?.toByteArray()
                if (it.requestMethod != "GET" || body == null) {
                    it.sendResponseHeaders(404, -1)
                } else {
                    it.sendResponseHeaders(200, body.size.toLong())
                    it.responseBody.write(body)
                }
            }
        }
        createContext("/uploads/") { exchange ->
            exchange.use {
                if (it.requestMethod != "PUT") {
                    it.sendResponseHeaders(405, -1)
                } else {
                    uploads[it.requestURI.path.removePrefix("/uploads/")] = it.requestBody.readAllBytes().decodeToString()
                    it.sendResponseHeaders(204, -1)
                }
            }
        }
        start()
    }

    /** The base URL, e.g. `http://127.0.0.1:41234`. */
    val baseUrl: String = "http://127.0.0.1:${server.address.port}"

    override fun close() = server.stop(0)
}
