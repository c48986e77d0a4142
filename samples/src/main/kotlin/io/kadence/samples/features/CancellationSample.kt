package io.kadence.samples.features

import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.workflow.activities
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.seconds

interface Rooms {
    suspend fun hold(room: String): String
    suspend fun release(room: String): String
}

class HotelRooms(val log: MutableList<String> = CopyOnWriteArrayList()) : Rooms {
    override suspend fun hold(room: String) = "held $room".also { log += it }
    override suspend fun release(room: String) = "released $room".also { log += it }
}

/** Holds a room until the guest arrives; canceled, it releases the room and ends with that. */
val Booking = workflow<String, String>("Booking") { room ->
    val rooms = activities<Rooms>(ActivityOptions(startToClose = 10.seconds))
    rooms.hold(room)
    try {
        sleep(30.days)
        "guest arrived in $room"
    } catch (e: CancellationException) {
        // Cleanup still runs activities; the workflow decides how it ends: here, completed.
        withContext(NonCancellable) { "canceled: ${rooms.release(room)}" }
    }
}

suspend fun runCancellation(dataDir: Path): List<String> = sample(dataDir) { batch ->
    val rooms = HotelRooms()
    worker("bookings") { register(Booking); activities<Rooms>(rooms) }.start()
    val booking = client.start(Booking, "room 12") { id = "booking-$batch"; taskQueue = "bookings" }
    while (booking.describe().pendingTimers.isEmpty()) kotlinx.coroutines.delay(10)
    booking.cancel("guest changed plans")
    listOf(booking.result(), "activities: ${rooms.log}")
}

/** `mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.features.CancellationSampleKt` */
fun main() = runBlocking { printSample("cancellation") { runCancellation(it) } }
