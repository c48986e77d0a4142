package io.kadence.samples.features

import io.kadence.Kadence
import java.nio.file.Path
import java.util.UUID

/** Opens the embedded store in [dataDir] for one sample run and gives it a fresh id prefix. */
internal suspend fun <T> sample(dataDir: Path, body: suspend Kadence.(batch: String) -> T): T =
    Kadence.embedded(dataDir).use { kadence -> kadence.body(UUID.randomUUID().toString().take(8)) }

/** Runs [run] on `kadence-data-<name>` and prints its lines: the `main` of each feature sample. */
internal suspend fun printSample(name: String, run: suspend (Path) -> List<String>) {
    run(Path.of("kadence-data-$name")).forEach(::println)
}
