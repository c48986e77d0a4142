package io.kadence.internal.runtime

import io.kadence.activity.ActivityCanceledException
import io.kadence.activity.ActivityContext
import io.kadence.converter.Payloads
import io.kadence.failure.ApplicationFailure
import io.kadence.failure.Failures
import io.kadence.failure.StaleTaskException
import io.kadence.history.ActivityCanceled
import io.kadence.history.ActivityCompleted
import io.kadence.history.ActivityFailed
import io.kadence.history.FailureInfo
import io.kadence.internal.engine.ActivitySignature
import io.kadence.internal.spi.ActivityTaskLease
import io.kadence.internal.spi.RetryDecider
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.job
import kotlinx.coroutines.runInterruptible
import kotlinx.coroutines.withContext
import org.slf4j.LoggerFactory
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Method
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn

/** An activity implementation method bound to its object. */
internal class ActivityBinding(val target: Any, val method: Method, val signature: ActivitySignature)

/**
 * Calls the activity implementations registered on a worker: by binding, else the dynamic handler.
 * Shared by activity tasks and local activities, so both decode, invoke and encode the same way.
 */
internal class ActivityInvoker(
    private val converter: io.kadence.converter.DataConverter,
    private val activities: Map<String, ActivityBinding>,
    private val blockingContext: CoroutineContext,
    /** Runs activity types with no binding here (see `Worker.registerDynamicActivity`). */
    private val dynamic: (suspend (String, io.kadence.converter.EncodedValues) -> Any?)?,
) {
    fun has(type: String): Boolean = type in activities || dynamic != null

    val registered: List<String> get() = activities.keys.sorted()

    /**
     * Runs activity [type] on [input] in the calling coroutine (blocking methods on the worker's
     * activity threads) and returns its encoded result; throws what the activity threw. [what]
     * names the call in error messages.
     */
    suspend fun call(type: String, input: String?, what: String): String? {
        val binding = activities[type]
        val result = if (binding != null) invoke(binding, type, input) else dynamic!!(type, io.kadence.converter.EncodedValues(input, converter))
        // A dynamic activity's result type is only known at run time: encode by the value's class.
        val declared = binding?.signature?.resultType
        // A Java void method has no value: it is recorded as Kotlin's Unit.
        if (declared == Void.TYPE || declared == Void::class.java) return Payloads.encode(converter, Unit, Unit::class.java, "result of $what")
        val resultType = declared ?: result?.javaClass ?: Unit::class.java
        return if (binding == null && result == null) null else Payloads.encode(converter, result, resultType, "result of $what")
    }

    private suspend fun invoke(binding: ActivityBinding, type: String, input: String?): Any? {
        val sig = binding.signature
        val args = Payloads.decodeArgs(converter, input, sig.parameterTypes, "input of activity '$type'")
        return if (sig.isSuspend) {
            suspendCoroutineUninterceptedOrReturn<Any?> { cont -> unwrap { binding.method.invoke(binding.target, *args.toTypedArray(), cont) } }
        } else {
            runInterruptible(blockingContext) { unwrap { binding.method.invoke(binding.target, *args.toTypedArray()) } }
        }
    }

    private inline fun <T> unwrap(block: () -> T): T = try {
        block()
    } catch (e: InvocationTargetException) {
        throw e.targetException
    }
}

/**
 * Runs one activity attempt and reports its outcome: the result, a failure (retried per the
 * retry policy, or final), or an acknowledged cancellation. Late reports from an attempt that
 * lost its lease are rejected by the store and dropped here.
 */
internal class ActivityTaskRunner(
    private val engine: Engine,
    private val workerId: String,
    private val taskQueue: String,
    private val invoker: ActivityInvoker,
    private val shuttingDown: () -> Boolean,
) {
    private val log = LoggerFactory.getLogger(ActivityTaskRunner::class.java)
    private val running = java.util.concurrent.ConcurrentHashMap.newKeySet<ActivityContextImpl>()

    /** Tells every running activity that the worker is shutting down. */
    fun cancelAll(reason: String) = running.forEach { it.cancel(reason) }

    suspend fun handle(lease: ActivityTaskLease) {
        if (!invoker.has(lease.activityType)) {
            val failure = FailureInfo(
                "activity type '${lease.activityType}' is not registered on worker $workerId (task queue '$taskQueue'); registered: ${invoker.registered}",
                "ActivityTypeNotRegistered",
            )
            report { engine.store.failActivityTask(lease, failure, retryAt(lease, failure), engine.clock.now()) }
            return
        }
        val ctx = ActivityContextImpl(engine, lease, shuttingDown)
        running += ctx
        try {
            val encoded = try {
                withContext(ctx + ActivityThreadBinding(ctx)) {
                    ctx.job = currentCoroutineContext().job
                    invoker.call(lease.activityType, lease.input, "activity '${lease.activityType}' (seq ${lease.seq}) of workflow '${lease.workflowId}'")
                }
            } catch (e: Throwable) {
                if (e is Error && e !is OutOfMemoryError && e !is StackOverflowError && e !is AssertionError) throw e
                onFailure(lease, ctx, e)
                return
            }
            report {
                if (!engine.finishActivityWithTask(lease, ActivityCompleted(lease.seq, encoded, lease.attempt))) {
                    engine.store.completeActivityTask(lease, encoded, engine.clock.now())
                }
            }
        } finally {
            running -= ctx
        }
    }

    private fun onFailure(lease: ActivityTaskLease, ctx: ActivityContextImpl, thrown: Throwable) {
        val e = unwrapRecovered(thrown)
        val now = engine.clock.now()
        if ((e is CancellationException || e is ActivityCanceledException) && ctx.isCancelRequested) {
            if (shuttingDown()) {
                // Shutting down is not a cancel request: the attempt failed and is retried elsewhere.
                val failure = FailureInfo("worker $workerId shut down while the activity ran", "WorkerShutdown")
                report { engine.store.failActivityTask(lease, failure, retryAt(lease, failure), now) }
            } else {
                report { if (!engine.finishActivityWithTask(lease, ActivityCanceled(lease.seq))) engine.store.cancelActivityTask(lease, now) }
            }
            return
        }
        val failure = Failures.toInfo(if (e is CancellationException && e !is ActivityCanceledException) ApplicationFailure(e.message ?: "canceled", "Canceled") else e)
        if (failure.nonRetryable || e !is ApplicationFailure) log.debug("activity {} attempt {} failed", lease.activityType, lease.attempt, e)
        val retryAt = retryAt(lease, failure)
        report {
            val fused = retryAt == null && engine.finishActivityWithTask(lease, ActivityFailed(lease.seq, failure, lease.attempt))
            if (!fused) engine.store.failActivityTask(lease, failure, retryAt, now)
        }
    }

    private fun unwrapRecovered(e: Throwable): Throwable = unwrapRecoveredException(e)

    private fun retryAt(lease: ActivityTaskLease, failure: FailureInfo): Long? =
        RetryDecider.nextAttemptAt(lease.options.retry, lease.attempt, failure, engine.clock.now(), lease.scheduleToCloseDeadline)

    private inline fun report(block: () -> Unit) {
        try {
            block()
        } catch (e: StaleTaskException) {
            log.info("dropped a late activity report: {}", e.message)
        }
    }
}

/**
 * The exception the activity threw. In coroutine debug mode (on under `-ea`) an exception that crosses
 * `withContext`/`runInterruptible` is replaced by a copy whose cause is the original (stack-trace recovery);
 * recording the copy would report every failure twice in its cause chain.
 */
internal fun unwrapRecoveredException(e: Throwable): Throwable {
    var current = e
    while (true) {
        val cause = current.cause ?: return current
        if (cause.javaClass != current.javaClass || current.stackTrace.none { it.className.startsWith("_COROUTINE") }) return current
        current = cause
    }
}

/** Makes [ActivityContext.current] work on whatever thread the activity's coroutine runs. */
internal class ActivityThreadBinding(private val ctx: ActivityContext) : ThreadContextElement<ActivityContext?> {
    companion object Key : CoroutineContext.Key<ActivityThreadBinding>
    override val key: CoroutineContext.Key<*> get() = Key
    override fun updateThreadContext(context: CoroutineContext): ActivityContext? = ActivityContext.ThreadBinding.bind(ctx)
    override fun restoreThreadContext(context: CoroutineContext, oldState: ActivityContext?) { ActivityContext.ThreadBinding.bind(oldState) }
}
