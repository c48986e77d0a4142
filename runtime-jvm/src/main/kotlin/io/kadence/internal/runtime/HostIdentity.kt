package io.kadence.internal.runtime

import io.kadence.failure.InvalidArgumentException
import java.net.InetAddress
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption

/**
 * Where a process's host id comes from: the configured one; else the one kept in the data
 * directory (file `host-id`), written there the first time from the machine's host name. Kept, so
 * that the id stays the host's even if its name changes: sessions follow the files in that
 * directory, not the name.
 */
internal object HostIdentity {
    const val FILE_NAME: String = "host-id"

    fun resolve(configured: String?, dataDir: Path?): String {
        if (configured != null) return validate(configured, "the configured host id")
        if (dataDir == null) return machineName()
        val file = dataDir.resolve(FILE_NAME)
        if (Files.exists(file)) return validate(Files.readString(file).trim(), "the host id in $file")
        val id = machineName()
        Files.createDirectories(dataDir)
        val temp = Files.createTempFile(dataDir, FILE_NAME, ".tmp")
        Files.writeString(temp, id + "\n")
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE)
        return id
    }

    /** The machine's host name (`localhost` when it cannot be found). */
    fun machineName(): String = try {
        InetAddress.getLocalHost().hostName.takeIf { it.isNotBlank() } ?: "localhost"
    } catch (e: Exception) {
        "localhost"
    }

    fun validate(id: String, what: String): String {
        if (id.isBlank() || id.length > 255) throw InvalidArgumentException("$what must be 1 to 255 characters, was '${id.take(300)}'")
        return id
    }
}
