package io.kadence.samples.training

import io.kadence.Kadence
import io.kadence.worker.WorkerOptions
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking
import java.nio.file.Path
import java.util.UUID

/**
 * Model training with a GPU limit: five models are trained in GPU sessions on two hosts, `gpu-box`
 * (two GPUs) and `cpu-box` (none). All five go to `gpu-box`, never more than two at once.
 *
 *     mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.training.ModelTrainingSampleKt
 */
fun main() = runBlocking {
    val log = GpuLog()
    val results = runModelTraining(Path.of("kadence-data-training"), log)
    log.events.forEach(::println)
    for (r in results) println("${r.model}: trained on ${r.host}, published to ${r.weights}")
    println("most trainings at once: ${log.peak}")
}

/** Runs the sample on the embedded store in [dataDir]; returns one result per model. */
suspend fun runModelTraining(dataDir: Path, log: GpuLog, epochMillis: Long = 50): List<TrainingResult> =
    Kadence.embedded(dataDir).use { kadence ->
        kadence.worker("training") { register(TrainModel) }.start()
        kadence.worker("training", WorkerOptions().apply { hostId = "gpu-box" }) {
            activities<TrainingActivities>(SimulatedTraining("gpu-box", epochMillis, log))
            sessions { maxConcurrent = 8; resource("gpu", 2) }
        }.start()
        kadence.worker("training", WorkerOptions().apply { hostId = "cpu-box" }) {
            activities<TrainingActivities>(SimulatedTraining("cpu-box", epochMillis, log))
            sessions { maxConcurrent = 8 }
        }.start()
        val batch = UUID.randomUUID().toString().take(8)
        coroutineScope {
            listOf("resnet", "bert", "gpt-mini", "unet", "whisper-tiny").map { model ->
                async {
                    kadence.client.start(TrainModel, TrainingRequest(model, "$model-data", epochs = 4)) {
                        id = "train-$batch-$model"; taskQueue = "training"
                    }.result()
                }
            }.awaitAll()
        }
    }
