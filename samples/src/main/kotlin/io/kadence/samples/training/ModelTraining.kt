package io.kadence.samples.training

import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.workflow.activities
import io.kadence.workflow.session
import kotlinx.coroutines.delay
import kotlinx.serialization.Serializable
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds

@Serializable
data class TrainingRequest(val model: String, val dataset: String, val epochs: Int)

@Serializable
data class TrainingResult(val model: String, val host: String, val weights: String)

/** The steps of training; fit holds one GPU of the host it runs on. */
interface TrainingActivities {
    /** Copies the dataset to this host's disk; returns its local name. */
    suspend fun fetch(dataset: String): String

    /** Trains on the local data, heartbeating each epoch; returns the local weights file. */
    suspend fun fit(model: String, data: String, epochs: Int): String

    /** Publishes the weights; returns where they went. */
    suspend fun publish(weights: String): String
}

/**
 * Fetch → fit → publish in a session that asks for one GPU. Only hosts that declare a `gpu`
 * resource can take it, and a host with two GPUs holds at most two such sessions at once; the
 * others wait (up to the creation timeout) for a GPU to be released.
 */
val TrainModel = workflow<TrainingRequest, TrainingResult>("TrainModel") { req ->
    val training = activities<TrainingActivities>(ActivityOptions(startToClose = 1.hours) { heartbeat = 30.seconds })
    session(creationTimeout = 10.minutes, executionTimeout = 2.hours, resources = mapOf("gpu" to 1)) {
        val data = training.fetch(req.dataset)
        val weights = training.fit(req.model, data, req.epochs)
        TrainingResult(req.model, sessionInfo()!!.hostName, training.publish(weights))
    }
}

/** What the hosts of the sample saw: trainings running at once per host, at most and in order. */
class GpuLog {
    val running = ConcurrentHashMap<String, AtomicInteger>()
    val peak = ConcurrentHashMap<String, Int>()
    val events = CopyOnWriteArrayList<String>()
}

/** [TrainingActivities] of host [host]: a "GPU" that takes [epochMillis] per epoch. */
class SimulatedTraining(private val host: String, private val epochMillis: Long, private val log: GpuLog) : TrainingActivities {
    override suspend fun fetch(dataset: String): String = "/scratch/$host/$dataset"

    override suspend fun fit(model: String, data: String, epochs: Int): String {
        val now = log.running.computeIfAbsent(host) { AtomicInteger() }.incrementAndGet()
        log.peak.merge(host, now, ::maxOf)
        log.events += "$model starts on $host ($now training there)"
        try {
            val context = ActivityContext.currentInCoroutine()
            repeat(epochs) { epoch ->
                delay(epochMillis)
                context.heartbeat(epoch + 1)
            }
        } finally {
            log.running.getValue(host).decrementAndGet()
        }
        log.events += "$model done on $host"
        return "$data/$model.weights"
    }

    override suspend fun publish(weights: String): String = "registry://models/${weights.substringAfterLast('/')}"
}
